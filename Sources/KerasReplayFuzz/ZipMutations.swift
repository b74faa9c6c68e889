/// Damage to `.keras` archives (zip): headers, truncation, and the members themselves. Keras
/// stores members uncompressed, so a member's bytes can be mutated in place and its CRC-32
/// recomputed: the damage then reaches the HDF5 and JSON readers instead of stopping at the zip.
enum ZipMutator {
    static let kinds: [MutationKind] = [.zipHeader, .zipTruncate, .zipMember, .zipMember, .zipConfig, .fifo]

    static func mutate(_ bytes: inout [UInt8], kind: MutationKind, random: inout CaseRandom) {
        switch kind {
        case .zipTruncate:
            bytes.removeSubrange(Int.random(in: 0..<max(bytes.count, 1), using: &random)...)
        case .zipHeader:
            let headers = ["PK\u{03}\u{04}", "PK\u{01}\u{02}", "PK\u{05}\u{06}", "PK\u{06}\u{06}", "PK\u{06}\u{07}"]
                .flatMap { HDF5Mutator.offsets(of: $0, in: bytes) }
            HDF5Mutator.region(&bytes, starts: headers, length: 46, random: &random)
        case .zipMember, .zipConfig:
            let name = kind == .zipMember ? "model.weights.h5" : "config.json"
            guard let member = storedMember(name, in: bytes) else {
                HDF5Mutator.damage(&bytes, in: 0..<bytes.count, random: &random)
                return
            }
            var data = Array(bytes[member.data])
            if kind == .zipMember {
                let inner = random.pick(HDF5Mutator.hdf5Kinds.filter { $0 != .truncate && $0 != .fifo })
                HDF5Mutator.mutate(&data, kind: inner, names: ["lstm", "dense", "vars"], random: &random)
            } else if random.chance(0.5) {
                HDF5Mutator.swapValueTypes(&data, random: &random)
            } else {
                HDF5Mutator.corruptConfig(&data, random: &random)
            }
            bytes.replaceSubrange(member.data, with: data)
            let crc = crc32(data)
            write32(&bytes, at: member.local + 14, crc)
            if let central = member.central { write32(&bytes, at: central + 16, crc) }
        default:
            return
        }
    }

    struct Member {
        var local: Int
        var central: Int?
        var data: Range<Int>
    }

    /// A member stored without compression, found through its local header.
    static func storedMember(_ name: String, in bytes: [UInt8]) -> Member? {
        let wanted = Array(name.utf8)
        for local in HDF5Mutator.offsets(of: "PK\u{03}\u{04}", in: bytes) where local + 30 <= bytes.count {
            let method = read16(bytes, local + 8), size = Int(read32(bytes, local + 18))
            let nameLength = Int(read16(bytes, local + 26)), extraLength = Int(read16(bytes, local + 28))
            let start = local + 30 + nameLength + extraLength
            guard method == 0, local + 30 + nameLength <= bytes.count,
                  Array(bytes[(local + 30)..<(local + 30 + nameLength)]) == wanted, start + size <= bytes.count else { continue }
            let central = HDF5Mutator.offsets(of: "PK\u{01}\u{02}", in: bytes).first { offset in
                offset + 46 + nameLength <= bytes.count && Int(read32(bytes, offset + 42)) == local
            }
            return Member(local: local, central: central, data: start..<(start + size))
        }
        return nil
    }

    static func read16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
    static func write32(_ bytes: inout [UInt8], at: Int, _ value: UInt32) {
        for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
