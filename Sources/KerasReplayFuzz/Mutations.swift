/// The kinds of damage the fuzzer does. Byte-level kinds apply on top of every seed, including
/// the structured ones Scripts/make_fuzz_corpus.py wrote.
enum MutationKind: String, CaseIterable, Codable {
    /// The seed as it is (structured corpus files are hostile already).
    case none
    case truncate
    case superblock
    case objectHeader = "object-header"
    case btree
    case heap
    case configAttribute = "config-attribute"
    case layerNames = "layer-names"
    case randomBytes = "random-bytes"
    case zipHeader = "zip-header"
    case zipTruncate = "zip-truncate"
    /// HDF5 mutations of a .keras archive's stored model.weights.h5, with the CRC-32 recomputed.
    case zipMember = "zip-member"
    case zipConfig = "zip-config"
    case npyHeader = "npy-header"
    case npyDtype = "npy-dtype"
    case npyShape = "npy-shape"
    case npyTruncate = "npy-truncate"
    case npyHugeShape = "npy-huge-shape"
    /// Structure-aware: a config value given another JSON type of the same length in place
    /// (`true` → `"tr"`, `20` → `[]`, a string → a number), as a hand-edited config would be.
    case configValueType = "config-value-type"
    /// Structure-aware: the checkpoint (or an input) is a FIFO nobody writes to; opening it
    /// would block forever.
    case fifo

    var mutatesInput: Bool { rawValue.hasPrefix("npy-") }
}

/// Byte-level damage to an HDF5 file image.
enum HDF5Mutator {
    static let hdf5Kinds: [MutationKind] = [.truncate, .superblock, .objectHeader, .btree, .heap, .configAttribute, .layerNames, .randomBytes,
                                            .configValueType, .fifo]

    static func mutate(_ bytes: inout [UInt8], kind: MutationKind, names: [String], random: inout CaseRandom) {
        guard !bytes.isEmpty else { return }
        switch kind {
        case .none:
            return
        case .truncate:
            // Many offsets, biased towards the start where the metadata lives.
            let limit = random.chance(0.5) ? min(bytes.count, 4096) : bytes.count
            bytes.removeSubrange(Int.random(in: 0..<limit, using: &random)...)
        case .superblock:
            damage(&bytes, in: 0..<min(96, bytes.count), random: &random)
        case .objectHeader:
            var starts = offsets(of: "OHDR", in: bytes) + offsets(of: "OCHK", in: bytes)
            if starts.isEmpty || random.chance(0.5) { starts += version1ObjectHeaders(bytes) }
            region(&bytes, starts: starts, length: 160, random: &random)
        case .btree:
            region(&bytes, starts: ["TREE", "BTHD", "BTLF", "SNOD"].flatMap { offsets(of: $0, in: bytes) }, length: 96, random: &random)
        case .heap:
            region(&bytes, starts: ["HEAP", "GCOL", "FRHP", "FHDB", "FHIB", "FSHD", "FSSE"].flatMap { offsets(of: $0, in: bytes) }, length: 128, random: &random)
        case .configAttribute:
            corruptConfig(&bytes, random: &random)
        case .configValueType:
            swapValueTypes(&bytes, random: &random)
        case .layerNames:
            corruptNames(&bytes, names: names, random: &random)
        default:
            damage(&bytes, in: 0..<bytes.count, random: &random)
        }
    }

    /// 1–6 bit flips or byte overwrites inside `range`; sometimes a whole 4- or 8-byte field
    /// set to all ones (huge sizes, addresses and counts).
    static func damage(_ bytes: inout [UInt8], in range: Range<Int>, random: inout CaseRandom) {
        guard !range.isEmpty else { return }
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let at = Int.random(in: range, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 2: bytes[at] = random.byte()
            case 3: bytes[at] = random.pick([0x00, 0xFF, 0x7F, 0x80, 0x01])
            case 4, 5:
                let width = random.pick([2, 4, 8])
                let value: UInt8 = random.pick([0xFF, 0x00, 0x7F])
                for index in at..<min(at + width, range.upperBound) { bytes[index] = value }
            default: break
            }
        }
    }

    /// Damage near one of `starts` (or anywhere when there is none).
    static func region(_ bytes: inout [UInt8], starts: [Int], length: Int, random: inout CaseRandom) {
        guard let start = starts.isEmpty ? nil : random.pick(starts) else {
            damage(&bytes, in: 0..<bytes.count, random: &random)
            return
        }
        damage(&bytes, in: start..<min(start + length, bytes.count), random: &random)
    }

    static func offsets(of text: String, in bytes: [UInt8]) -> [Int] {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count, let first = needle.first else { return [] }
        var found: [Int] = []
        var index = 0
        while index <= bytes.count - needle.count {
            if bytes[index] == first, Array(bytes[index..<index + needle.count]) == needle { found.append(index) }
            index += 1
        }
        return found
    }

    /// Version-1 object headers have no signature: version 1, reserved 0, a message count,
    /// then a reference count of 1, at 8-byte aligned offsets.
    static func version1ObjectHeaders(_ bytes: [UInt8]) -> [Int] {
        var found: [Int] = []
        var index = 0
        while index + 16 <= bytes.count {
            if bytes[index] == 1, bytes[index + 1] == 0, bytes[index + 3] == 0, bytes[index + 2] > 0,
               bytes[index + 4] == 1, bytes[index + 5] == 0, bytes[index + 6] == 0, bytes[index + 7] == 0 {
                found.append(index)
            }
            index += 8
        }
        return found
    }

    /// Gives 1–3 values of the `model_config` JSON another type, in place and of the same length, so
    /// the JSON still parses and only the layer reading the value can notice: `true` → `"tr"`,
    /// `false` → `"fal"`, `null` → `"nu"` or `[{}]`, a number → a string or `[]`-padded list, a
    /// string → a number of its length.
    static func swapValueTypes(_ bytes: inout [UInt8], random: inout CaseRandom) {
        // Values follow `": ` in json.dumps output.
        let starts = offsets(of: "\": ", in: bytes).map { $0 + 3 }.filter { $0 < bytes.count }
        guard !starts.isEmpty else { return }
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let at = random.pick(starts)
            var end = at
            if bytes[at] == 0x22 {  // a string: to its closing quote
                end = at + 1
                while end < bytes.count, bytes[end] != 0x22 { end += bytes[end] == 0x5C ? 2 : 1 }
                end = min(end + 1, bytes.count)
            } else {
                while end < bytes.count, !",}] ".utf8.contains(bytes[end]) { end += 1 }
            }
            let length = end - at
            guard length >= 2 else { continue }
            var replacement: [UInt8]
            if bytes[at] == 0x22 {
                // A string becomes a number (or `true`-ish word) of the same length.
                replacement = random.chance(0.5) ? Array(repeating: 0x39, count: length) : Array((String(repeating: " ", count: max(0, length - 4)) + "true").utf8.suffix(length))
            } else if length >= 3, random.chance(0.5) {
                // A number or word becomes a string.
                replacement = [0x22] + Array(repeating: 0x78, count: length - 2) + [0x22]
            } else {
                // ... or an empty list padded with spaces.
                replacement = Array("[]".utf8) + Array(repeating: 0x20, count: length - 2)
            }
            bytes.replaceSubrange(at..<end, with: replacement.prefix(length))
        }
    }

    /// Corrupts the `model_config` JSON in place (same length): structural characters swapped,
    /// numbers made huge or negative, class names changed, string quotes broken.
    static func corruptConfig(_ bytes: inout [UInt8], random: inout CaseRandom) {
        let anchors = offsets(of: "{\"class_name\"", in: bytes) + offsets(of: "{\"module\"", in: bytes)
            + offsets(of: "\"config\"", in: bytes) + offsets(of: "\"units\"", in: bytes) + offsets(of: "\"inbound_nodes\"", in: bytes)
            + offsets(of: "_shape\"", in: bytes)
        guard let anchor = anchors.isEmpty ? nil : random.pick(anchors) else {
            damage(&bytes, in: 0..<bytes.count, random: &random)
            return
        }
        let end = min(anchor + 400, bytes.count)
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let at = Int.random(in: anchor..<end, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0:
                // A structural character swapped for another.
                let structural: [UInt8] = Array("{}[]\":,".utf8)
                if let index = (at..<end).first(where: { structural.contains(bytes[$0]) }) { bytes[index] = random.pick(structural + [0x20, 0x00]) }
            case 1:
                // A run of digits made all nines (huge), or a sign flipped in.
                if let index = (at..<end).first(where: { (0x30...0x39).contains(bytes[$0]) }) {
                    var cursor = index
                    while cursor < end, (0x30...0x39).contains(bytes[cursor]) { bytes[cursor] = 0x39; cursor += 1 }
                    if random.chance(0.3) { bytes[index] = random.pick(Array("-e.".utf8)) }
                }
            case 2:
                // `null` / `true` / `false` swapped for a number or a string-ish word.
                if let index = (at..<end).first(where: { $0 > 0 && [0x6E, 0x74, 0x66].contains(bytes[$0]) && bytes[$0 - 1] == 0x20 }) {
                    bytes[index] = random.pick(Array("9\"[{-".utf8))
                }
            case 3:
                // A letter inside a name changed (unknown layer classes, activations, keys).
                if let index = (at..<end).first(where: { (0x41...0x5A).contains(bytes[$0]) || (0x61...0x7A).contains(bytes[$0]) }) {
                    bytes[index] = random.pick(Array("XZq_0/\\\"".utf8))
                }
            default:
                bytes[at] = random.byte()
            }
        }
    }

    /// Corrupts the bytes of a layer or weight name wherever it appears (attribute values,
    /// link names): a character changed, a separator or NUL put in, the name cut short.
    static func corruptNames(_ bytes: inout [UInt8], names: [String], random: inout CaseRandom) {
        let candidates = names.isEmpty ? ["lstm", "dense"] : names
        let name = random.pick(candidates)
        let places = offsets(of: name, in: bytes)
        guard !places.isEmpty else {
            damage(&bytes, in: 0..<bytes.count, random: &random)
            return
        }
        let chosen = random.chance(0.3) ? places : [random.pick(places)]
        let length = name.utf8.count
        let change = Int.random(in: 0..<5, using: &random)
        let position = Int.random(in: 0..<length, using: &random)
        for place in chosen {
            switch change {
            case 0: bytes[place + position] = 0x2F  // '/'
            case 1: bytes[place + position] = 0x00
            case 2: bytes[place + position] = 0x2E  // '.'
            case 3: bytes[place + position] = 0xFF  // invalid UTF-8
            default: bytes[place + position] ^= 0x20
            }
        }
    }
}
