import Foundation

/// The `.npy` format (NumPy's `format.py`, versions 1.0, 2.0 and 3.0): magic, a Python-literal
/// header dict, then the raw data.
public enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Largest array we agree to decode (elements), checked before allocating.
    public static let maxElements = 1 << 30

    /// Decodes a `.npy` file's bytes. Float16/32/64, signed and unsigned integers and booleans
    /// of either byte order, C or Fortran order; values become float32.
    public static func decode(_ data: Data, file: String) throws -> NumPyArray {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> NumPyError { NumPyError(file: file, message: message) }
        let header = try Header(bytes, file: file, maxElements: maxElements)
        let (kind, shape, count, dataStart) = (header.kind, header.shape, header.count, header.dataStart)
        let descr = header.descr, fortranOrder = header.fortranOrder
        let needed = count * kind.size
        guard bytes.count - dataStart >= needed else {
            throw fail("truncated: shape \(shape) of \(descr) needs \(needed) bytes of data, found \(bytes.count - dataStart)")
        }
        var scalars = [Float](repeating: 0, count: count)
        var inexact: (index: Int, value: String)?
        bytes.withUnsafeBytes { raw in
            inexact = kind.convert(raw.baseAddress!.advanced(by: dataStart), count: count, into: &scalars)
        }
        if let inexact {
            throw fail("holds the integer \(inexact.value) (element \(inexact.index)), which float32 cannot hold exactly; keras-replay computes in float32 and would use another value")
        }
        if fortranOrder && shape.count > 1 {
            scalars = fortranToC(scalars, shape: shape)
        }
        return NumPyArray(shape: shape, scalars: scalars, storedType: descr)
    }

    /// What an `.npy` header says: element type, order, shape, and where the data starts.
    struct Header {
        var descr: String
        var kind: ElementKind
        var fortranOrder: Bool
        var shape: [Int]
        var count: Int
        var dataStart: Int

        /// Parses the header at the start of `bytes` (at least the magic and the header itself).
        init(_ bytes: [UInt8], file: String, maxElements: Int) throws {
            func fail(_ message: String) -> NumPyError { NumPyError(file: file, message: message) }
            guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
                throw fail("not a NumPy .npy file (no \\x93NUMPY magic)")
            }
            let major = bytes[6]
            let headerLength: Int
            let headerStart: Int
            switch major {
            case 1:
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
                headerStart = 10
            case 2, 3:
                guard bytes.count >= 12 else { throw fail("truncated .npy header") }
                headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
                headerStart = 12
            default:
                throw fail("unsupported .npy format version \(major)")
            }
            guard headerLength < 1 << 20, headerStart + headerLength <= bytes.count else {
                throw fail("truncated .npy header (declares \(headerLength) bytes)")
            }
            let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
            guard let descr = headerString(header, key: "descr") else { throw fail("the .npy header has no 'descr'") }
            // NumPy itself refuses anything but True or False here.
            guard let fortranOrder = headerFlag(header, key: "fortran_order") else {
                throw fail("the .npy header's 'fortran_order' is not True or False")
            }
            guard let shape = headerShape(header) else { throw fail("the .npy header has no readable 'shape'") }
            var count = 1
            for dim in shape {
                guard dim >= 0 else { throw fail("negative dimension in shape \(shape)") }
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= maxElements else { throw fail("declares shape \(shape), over the limit of \(maxElements) elements") }
                count = product
            }
            guard let kind = ElementKind(descr: descr) else {
                throw fail("unsupported dtype '\(descr)' (expected float, integer or bool)")
            }
            self.descr = descr
            self.kind = kind
            self.fortranOrder = fortranOrder
            self.shape = shape
            self.count = count
            dataStart = headerStart + headerLength
        }
    }

    /// The header of a float32 little-endian C-order `.npy` of `shape`, padded so the data starts
    /// on a 64-byte boundary (format version 1.0; 2.0 for a header over 64 KiB).
    static func headerBytes(shape: [Int], descr: String = "<f4") -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
    }

    /// Encodes float32 little-endian (int64 when `storedType` is `<i8`), C order, format version 1.0.
    public static func encode(_ array: NumPyArray) -> Data {
        // int64 when the array is one of integers (e.g. timestep indices), float32 otherwise.
        let integers = array.storedType == "<i8"
        var data = Data(headerBytes(shape: array.shape, descr: integers ? "<i8" : "<f4"))
        if integers {
            for value in array.scalars { withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) } }
            return data
        }
        // Float32 little-endian is this machine's layout: one bulk copy.
        #if _endian(little)
        array.scalars.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        array.scalars.withUnsafeBufferPointer { buffer in
            for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        #endif
        return data
    }

    static func headerString(_ header: String, key: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") else { return nil }
        let rest = header[keyRange.upperBound...]
        guard let open = rest.firstIndex(where: { $0 == "'" || $0 == "\"" }) else { return nil }
        let quote = rest[open]
        let afterOpen = rest.index(after: open)
        guard let close = rest[afterOpen...].firstIndex(of: quote) else { return nil }
        return String(rest[afterOpen..<close])
    }

    /// `True` or `False` after `'key':`; nil for anything else.
    static func headerFlag(_ header: String, key: String) -> Bool? {
        guard let keyRange = header.range(of: "'\(key)'") else { return nil }
        let rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.hasPrefix("True") { return true }
        if rest.hasPrefix("False") { return false }
        return nil
    }

    static func headerShape(_ header: String) -> [Int]? {
        guard let keyRange = header.range(of: "'shape'") else { return nil }
        let rest = header[keyRange.upperBound...]
        guard let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") else { return nil }
        let inner = rest[rest.index(after: open)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed) else { return nil }
            shape.append(dim)
        }
        return shape
    }

    static func fortranToC(_ values: [Float], shape: [Int]) -> [Float] {
        var output = [Float](repeating: 0, count: values.count)
        let rank = shape.count
        var cStrides = [Int](repeating: 1, count: rank)
        var fStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { cStrides[axis] = cStrides[axis + 1] * shape[axis + 1] }
        for axis in 1..<rank { fStrides[axis] = fStrides[axis - 1] * shape[axis - 1] }
        for index in 0..<values.count {
            var remainder = index, fortranIndex = 0
            for axis in 0..<rank {
                let coordinate = remainder / cStrides[axis]
                remainder %= cStrides[axis]
                fortranIndex += coordinate * fStrides[axis]
            }
            output[index] = values[fortranIndex]
        }
        return output
    }
}

/// The element types an `.npy` may hold.
struct ElementKind {
    enum Base { case float, signed, unsigned, bool }
    var base: Base
    var size: Int
    var bigEndian: Bool

    init?(descr: String) {
        guard descr.count >= 3 else { return nil }
        let order = descr.first!
        guard "<>|=".contains(order), let size = Int(descr.dropFirst(2)) else { return nil }
        bigEndian = order == ">"
        self.size = size
        switch descr.dropFirst().first! {
        case "f" where [2, 4, 8].contains(size): base = .float
        case "i" where [1, 2, 4, 8].contains(size): base = .signed
        case "u" where [1, 2, 4, 8].contains(size): base = .unsigned
        case "b" where size == 1: base = .bool
        default: return nil
        }
    }

    /// Converts `count` elements at `base` to float32 into `scalars`; the first integer float32
    /// cannot hold exactly (an id above 2^24 would become another id), if any.
    func convert(_ start: UnsafeRawPointer, count: Int, into scalars: inout [Float]) -> (index: Int, value: String)? {
        if base == .float, size == 4, !bigEndian {
            // The common case, float32 little-endian: one copy.
            scalars.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: start, count: count * 4)) }
            return nil
        }
        var inexact: (index: Int, value: String)?
        for index in 0..<count {
            let pointer = start.advanced(by: index * size)
            scalars[index] = load(pointer)
            if inexact == nil, base != .float, size >= 4, let exact = integer(pointer), Float(exactly: exact) == nil {
                inexact = (index, exact.description)
            }
        }
        return inexact
    }

    /// The value of an integer element, exactly (nil for floats and bools).
    func integer(_ pointer: UnsafeRawPointer) -> Int64? {
        var raw: UInt64 = 0
        for byte in 0..<size {
            let value = UInt64(pointer.load(fromByteOffset: byte, as: UInt8.self))
            raw |= bigEndian ? value << UInt64(8 * (size - 1 - byte)) : value << UInt64(8 * byte)
        }
        switch base {
        case .signed:
            let shift = UInt64(64 - 8 * size)
            return Int64(bitPattern: raw << shift) >> Int64(shift)
        case .unsigned: return raw > UInt64(Int64.max) ? Int64.max : Int64(raw)
        default: return nil
        }
    }

    func load(_ pointer: UnsafeRawPointer) -> Float {
        var raw: UInt64 = 0
        for byte in 0..<size {
            let value = UInt64(pointer.load(fromByteOffset: byte, as: UInt8.self))
            raw |= bigEndian ? value << UInt64(8 * (size - 1 - byte)) : value << UInt64(8 * byte)
        }
        switch base {
        case .float:
            switch size {
            case 2: return Float(Float16(bitPattern: UInt16(raw)))
            case 4: return Float(bitPattern: UInt32(raw))
            default: return Float(Double(bitPattern: raw))
            }
        case .signed:
            let shift = UInt64(64 - 8 * size)
            return Float(Int64(bitPattern: raw << shift) >> Int64(shift))
        case .unsigned: return Float(raw)
        case .bool: return raw == 0 ? 0 : 1
        }
    }
}
