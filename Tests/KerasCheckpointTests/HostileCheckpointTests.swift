import Foundation
import KerasCheckpoint
import KerasLayers
import SampleCatalog
import Testing

/// Regressions for what the fuzzer (Sources/KerasReplayFuzz) found: each of these files
/// crashed keras-replay before it was fixed; now each is refused with one error.
@Suite("Hostile checkpoints found by the fuzzer")
struct HostileCheckpointTests {
    static let corpus = SampleCatalog.root.appendingPathComponent("fuzz-corpus")
    static let source = SampleCatalog.root.appendingPathComponent("keras3/seed_lstm8_tanh_sigmoid/model.h5")

    @Test("units that are negative, zero or absurd are refused, not turned into a trapping range", arguments: [
        "config_units_negative.h5", "config_units_zero.h5", "config_units_2pow62.h5", "config_units_1e308.h5",
    ])
    func absurdUnits(_ name: String) throws {
        let message = try #require(failure(Self.corpus.appendingPathComponent(name).path))
        #expect(message.contains("layer 'lstm' (LSTM)"), "\(message)")
        #expect(message.contains("units"), "\(message)")
    }

    /// The file with one variable-length string descriptor (the `keras_version` value "3.15.1")
    /// changed by `damage`, written to a temporary file.
    func damagedDescriptor(_ damage: (inout [UInt8], _ lengthAt: Int, _ indexAt: Int, _ objectAt: Int) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: Self.source))
        let collection = try #require(find(Array("GCOL".utf8), in: bytes))
        var address = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { address[index] = UInt8(truncatingIfNeeded: collection >> (8 * index)) }
        // The descriptor: length 6, the collection's address, then the object index.
        let descriptor = try #require(find([6, 0, 0, 0] + address, in: bytes))
        let index = Int(bytes[descriptor + 12]) | Int(bytes[descriptor + 13]) << 8
        // Walk the collection to that object's header.
        var position = collection + 16
        while Int(bytes[position]) | Int(bytes[position + 1]) << 8 != index {
            let size = (0..<8).reduce(0) { $0 | Int(bytes[position + 8 + $1]) << (8 * $1) }
            position += 16 + (size + 7) & ~7
        }
        damage(&bytes, descriptor, descriptor + 12, position)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).h5")
        try Data(bytes).write(to: url)
        return url.path
    }

    func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        return (0...(bytes.count - needle.count)).first { bytes[$0] == needle[0] && Array(bytes[$0..<($0 + needle.count)]) == needle }
    }

    @Test("a string longer in the global heap than its descriptor says is refused, not copied past its buffer")
    func heapObjectLongerThanDescriptor() throws {
        let path = try damagedDescriptor { bytes, lengthAt, _, _ in bytes[lengthAt] = 2 }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(failure(path))
        #expect(message.contains("global heap object"), "\(message)")
    }

    @Test("a descriptor claiming 4 GiB is refused before libhdf5 allocates it")
    func hugeDescriptorLength() throws {
        let path = try damagedDescriptor { bytes, lengthAt, _, _ in for offset in 0..<4 { bytes[lengthAt + offset] = 0xFF } }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(failure(path))
        #expect(message.contains("global heap object"), "\(message)")
    }

    @Test("a descriptor naming a heap object that does not exist is refused")
    func missingHeapObject() throws {
        let path = try damagedDescriptor { bytes, _, indexAt, _ in bytes[indexAt] ^= 0x10 }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(failure(path))
        #expect(message.contains("global heap object"), "\(message)")
    }

    /// Fuzz seed 20260, case 1662: the alignment of a size near 2^64 overflowed and trapped.
    @Test("a heap object whose size is near 2^64 is refused, not overflowed")
    func heapObjectSizeNearUInt64Max() throws {
        let path = try damagedDescriptor { bytes, _, _, objectAt in for offset in 8..<16 { bytes[objectAt + offset] = 0xFF } }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(failure(path))
        #expect(message.contains("global heap"), "\(message)")
    }

    /// Fuzz seed 22, case 1161: a group's local heap claiming 2^64 - 1 bytes made libhdf5 corrupt
    /// the process heap ("malloc(): corrupted top size") at the first lookup in the root group.
    @Test("a group's local heap with an absurd size or a damaged free list is refused before libhdf5 reads it",
          arguments: ["size", "free list"])
    func damagedLocalHeap(_ part: String) throws {
        var bytes = [UInt8](try Data(contentsOf: Self.source))
        let heap = try #require(find(Array("HEAP".utf8), in: bytes))
        // HEAP, version, 3 reserved, then the data segment size and the free-list head (8 bytes each).
        let field = part == "size" ? heap + 8 : heap + 16
        for offset in 0..<8 { bytes[field + offset] = part == "size" ? 0xFF : (offset == 0 ? 0xF0 : 0) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).h5")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let message = try #require(failure(url.path))
        #expect(message.contains("local heap"), "\(message)")
    }

    @Test("a heap object whose size runs past its collection is refused")
    func heapObjectPastCollection() throws {
        let path = try damagedDescriptor { bytes, _, _, objectAt in bytes[objectAt + 12] = 0x7F }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(failure(path))
        #expect(message.contains("global heap"), "\(message)")
    }
}
