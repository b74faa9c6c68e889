import Foundation
import SampleCatalog
import Testing

/// Regressions for libhdf5 crashes the fuzzer found: keras-replay must answer with one line and
/// exit code 1, never a signal.
@Suite("keras-replay on files that crash libhdf5")
struct HostileFileCommandTests {
    /// keras3/seed_stateful/model.keras with 8 bytes of its stored model.weights.h5 (at 9616, an
    /// object address) set to 0xFF and the CRC-32 fixed: libhdf5 1.10's H5F__accum_read then
    /// copies from a wild pointer (fuzz seed 20260, case 0).
    static func wildAddressArchive() throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: SampleCatalog.root.appendingPathComponent("keras3/seed_stateful/model.keras")))
        let name = Array("model.weights.h5".utf8)
        func isLocalHeader(_ at: Int) -> Bool {
            guard bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 3, bytes[at + 3] == 4 else { return false }
            let end = min(at + 30 + name.count, bytes.count)
            return Array(bytes[(at + 30)..<end]) == name
        }
        let found: Int? = (0..<(bytes.count - 30)).first(where: isLocalHeader)
        let local = try #require(found)
        func read16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        let start = local + 30 + read16(local + 26) + read16(local + 28)
        let size = Int(bytes[local + 18]) | Int(bytes[local + 19]) << 8 | Int(bytes[local + 20]) << 16 | Int(bytes[local + 21]) << 24
        try #require(read16(local + 8) == 0, "the member is stored uncompressed")
        for offset in 9616..<9624 { bytes[start + offset] = 0xFF }
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes[start..<(start + size)] {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        func write32(_ at: Int) { for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index))) } }
        write32(local + 14)
        // The central directory entry's CRC too.
        func isCentralEntry(_ at: Int) -> Bool {
            guard bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 1, bytes[at + 3] == 2 else { return false }
            let offset: Int = read16(at + 42) | read16(at + 44) << 16
            return offset == local
        }
        if let central = (0..<(bytes.count - 46)).first(where: isCentralEntry) { write32(central + 16) }
        let url = try KerasReplayCLI.temporaryDirectory().appendingPathComponent("model.keras")
        try Data(bytes).write(to: url)
        return url
    }

    @Test("a wild object address in a .keras archive's weights: one line, exit 1, no crash", arguments: [["inspect"], ["inspect", "--json"]])
    func wildAddress(_ command: [String]) throws {
        let archive = try Self.wildAddressArchive()
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        let result = try KerasReplayCLI.run([command[0], archive.path] + command.dropFirst())
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(archive.path), "\(result.standardError)")
        #expect(!result.standardError.contains("Fatal error") && !result.standardError.contains("Signal"))
    }

    @Test("the read limits come from the environment: lower ones refuse a real file in one line, bad ones are a usage error")
    func limitsFromEnvironment() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder"))
        var result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy")],
                                            environment: ["KERAS_REPLAY_MAX_DATASET_ELEMENTS": "1000"])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("declares 8000 elements [100, 80], over the limit of 1000"), "\(result.standardError)")
        result = try KerasReplayCLI.run(["inspect", sample.checkpointPath], environment: ["KERAS_REPLAY_MAX_ATTRIBUTE_BYTES": "100"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("attribute 'model_config': holds 6685 bytes of strings, over the limit of 100"), "\(result.standardError)")
        result = try KerasReplayCLI.run(["inspect", sample.checkpointPath], environment: ["KERAS_REPLAY_MAX_DATASET_ELEMENTS": "lots"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("KERAS_REPLAY_MAX_DATASET_ELEMENTS='lots' is not a positive integer"))
        // The defaults read it.
        result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy"), "--expected", sample.path("expected.npy")])
        #expect(result.status == 0, "\(result.standardError)")
    }
}
