/// Damage to `.npy` inputs: headers that do not parse, dtype strings that are wrong, shapes that
/// lie about the data, truncation, and huge declared shapes.
enum NPYMutator {
    static let kinds: [MutationKind] = [.npyHeader, .npyDtype, .npyShape, .npyTruncate, .npyHugeShape]

    static func mutate(_ bytes: inout [UInt8], kind: MutationKind, random: inout CaseRandom) {
        switch kind {
        case .npyTruncate:
            bytes.removeSubrange(Int.random(in: 0..<max(bytes.count, 1), using: &random)...)
        case .npyHeader:
            let headerEnd = min(bytes.count, 10 + headerLength(bytes))
            HDF5Mutator.damage(&bytes, in: 0..<max(min(headerEnd, bytes.count), 1), random: &random)
        case .npyDtype:
            let dtype = random.pick(["<f4", ">f8", "<f2", "|b1", "<i8", ">u2", "<c8", "|O", "<U10", "<f16", "<f-4", "<f99999999999999999999",
                                     "", "f4", "<V8", "|S5", "<M8[s]", "'", "<f4' + 'x"])
            replaceHeader(&bytes) { header in
                guard let range = quoted(after: "'descr'", in: header) else { return header }
                return String(header[..<range.lowerBound]) + dtype + String(header[range.upperBound...])
            }
        case .npyShape, .npyHugeShape:
            let shape: String
            if kind == .npyHugeShape {
                shape = random.pick(["(1073741824, 1073741824)", "(9223372036854775807,)", "(4611686018427387904, 4)", "(100000, 100000, 100000)",
                                     "(2147483648,)", "(99999999999999999999999,)", "(65536, 65536)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"])
            } else {
                shape = random.pick(["()", "(0,)", "(1,)", "(0, 3, 2)", "(10, 3, 2)", "(3, 2)", "(1, 1, 1, 1, 2)", "(-1, 3, 2)", "(3, -2, 2)",
                                     "(2, 3, 0)", "(5, 3, 3)", "(5,3,2,)", "(5 3 2)", "(5, 2, 3)", "(7, 3)", "(1000, 3, 2)", "(x, 3)", "(", "[5, 3, 2]"])
            }
            replaceHeader(&bytes) { header in
                guard let open = header.range(of: "'shape'").flatMap({ header[$0.upperBound...].firstIndex(of: "(") }),
                      let close = header[open...].firstIndex(of: ")") else { return header }
                return String(header[..<open]) + shape + String(header[header.index(after: close)...])
            }
        default:
            break
        }
    }

    static func headerLength(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 10 else { return 0 }
        return Int(bytes[8]) | Int(bytes[9]) << 8
    }

    static func quoted(after key: String, in header: String) -> Range<String.Index>? {
        guard let keyRange = header.range(of: key),
              let open = header[keyRange.upperBound...].firstIndex(of: "'") else { return nil }
        let start = header.index(after: open)
        guard let close = header[start...].firstIndex(of: "'") else { return nil }
        return start..<close
    }

    /// Rewrites a version 1.0 header, fixing up its declared length.
    static func replaceHeader(_ bytes: inout [UInt8], _ change: (String) -> String) {
        let length = headerLength(bytes)
        guard bytes.count >= 10 + length, bytes[6] == 1 else { return }
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        let newHeader = Array(change(header).utf8)
        guard newHeader.count < 65536 else { return }
        bytes = Array(bytes[0..<8]) + [UInt8(newHeader.count & 0xFF), UInt8(newHeader.count >> 8)] + newHeader + Array(bytes[(10 + length)...])
    }
}
