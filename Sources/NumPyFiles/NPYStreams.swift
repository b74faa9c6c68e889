import Foundation
import SafeFiles
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An `.npy` read a block of rows at a time (`pread`), so a data set larger than memory can be
/// replayed: only the rows asked for are ever in memory. Any dtype `NPYFormat.decode` reads;
/// a Fortran-order array of more than one axis has no contiguous rows and is read whole.
public final class NPYRowReader {
    public let path: String
    public let shape: [Int]
    public var rows: Int { shape.first ?? 0 }
    public var rowShape: [Int] { Array(shape.dropFirst()) }
    /// Values per row.
    public let rowSize: Int
    let kind: ElementKind
    let dataStart: Int
    let descriptor: Int32
    /// Fortran order (rows not contiguous): the whole array, decoded once.
    let whole: [Float]?

    /// Rows larger than this many values are refused (one row must fit in memory comfortably).
    public static let maxRowElements = NPYFormat.maxElements

    public init(path: String) throws {
        self.path = path
        do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NumPyError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        self.descriptor = descriptor
        let fileSize = NPYRowWriter.fileSize(descriptor)
        // The header: at most 1 MiB after the 12-byte preamble (NPYFormat refuses longer ones).
        let header: NPYFormat.Header
        do {
            header = try NPYFormat.Header(try Self.read(descriptor, offset: 0, count: min(fileSize, 12 + (1 << 20)), file: path),
                                          file: path, maxElements: Int.max)
        } catch {
            close(descriptor)
            throw error
        }
        guard header.shape.count >= 1 else { throw NumPyError(file: path, message: "holds a scalar, not rows (shape ())") }
        shape = header.shape
        kind = header.kind
        dataStart = header.dataStart
        rowSize = header.shape.dropFirst().reduce(1, *)
        guard rowSize <= Self.maxRowElements else {
            throw NumPyError(file: path, message: "rows of shape \(Array(header.shape.dropFirst())) hold more than \(Self.maxRowElements) values each")
        }
        let needed = header.count.multipliedReportingOverflow(by: kind.size)
        guard !needed.overflow, fileSize - dataStart >= needed.partialValue else {
            throw NumPyError(file: path, message: "truncated: shape \(header.shape) of \(header.descr) needs \(needed.partialValue) bytes of data, found \(fileSize - dataStart)")
        }
        if header.fortranOrder && header.shape.count > 1 {
            whole = try NumPyFile.read(path).scalars
        } else {
            whole = nil
        }
    }

    deinit { close(descriptor) }

    /// Rows `range` as float32, `(range.count, rowShape...)` flattened.
    public func readRows(_ range: Range<Int>) throws -> [Float] {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside 0..<\(rows)")
        let count = range.count * rowSize
        if let whole { return Array(whole[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]) }
        let bytes = try Self.read(descriptor, offset: dataStart + range.lowerBound * rowSize * kind.size, count: count * kind.size, file: path)
        var scalars = [Float](repeating: 0, count: count)
        let inexact = bytes.withUnsafeBytes { raw in kind.convert(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: count, into: &scalars) }
        if let inexact {
            throw NumPyError(file: path, message: "holds the integer \(inexact.value) (element \(range.lowerBound * rowSize + inexact.index)), which float32 cannot hold exactly; keras-replay computes in float32 and would use another value")
        }
        return scalars
    }

    static func read(_ descriptor: Int32, offset: Int, count: Int, file: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw NumPyError(file: file, message: "cannot be read (\(got < 0 ? String(cString: strerror(errno)) : "unexpected end of file"))") }
            done += got
        }
        return bytes
    }
}

/// A float32 `.npy` written a block of rows at a time (`pwrite` at each row's place): a new file
/// whose header states the final shape, or an existing one of that shape (several processes
/// filling one output, each its own rows).
public final class NPYRowWriter {
    public let path: String
    public let shape: [Int]
    public let rowSize: Int
    let dataStart: Int
    let descriptor: Int32

    /// A new file at `path` (a temporary the caller renames into place) for `shape`.
    public init(creating path: String, shape: [Int]) throws {
        self.path = path
        self.shape = shape
        rowSize = shape.dropFirst().reduce(1, *)
        let header = NPYFormat.headerBytes(shape: shape)
        dataStart = header.count
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw NumPyError(file: path, message: "cannot be created (\(String(cString: strerror(errno))))") }
        try write(header, at: 0)
    }

    /// An existing float32 C-order `.npy` at `path`, which must have exactly `shape`.
    public init(existing path: String, shape: [Int]) throws {
        self.path = path
        self.shape = shape
        rowSize = shape.dropFirst().reduce(1, *)
        do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        }
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NumPyError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be opened for writing" : "no such file (make it with --allocate)")
        }
        self.descriptor = descriptor
        let header: NPYFormat.Header
        do {
            header = try NPYFormat.Header(try NPYRowReader.read(descriptor, offset: 0, count: min(Self.fileSize(descriptor), 12 + (1 << 20)), file: path),
                                          file: path, maxElements: Int.max)
        } catch {
            close(descriptor)
            throw error
        }
        guard header.descr == "<f4", !header.fortranOrder || header.shape.count < 2, header.shape == shape else {
            throw NumPyError(file: path, message: "holds \(header.descr) \(header.fortranOrder ? "Fortran-order " : "")shape \(header.shape); expected float32 <f4 of shape \(shape) for this output")
        }
        dataStart = header.dataStart
        guard Self.fileSize(descriptor) >= dataStart + shape.reduce(1, *) * 4 else {
            throw NumPyError(file: path, message: "is shorter than its header's shape \(shape) says")
        }
    }

    deinit { close(descriptor) }

    /// Writes the values of rows starting at `row` (whole rows, flattened).
    public func write(rows values: [Float], at row: Int) throws {
        precondition(values.count % max(rowSize, 1) == 0 && row >= 0 && row + values.count / max(rowSize, 1) <= (shape.first ?? 0))
        var littleEndian = values
        #if !_endian(little)
        littleEndian = values.map { Float(bitPattern: $0.bitPattern.littleEndian) }
        #endif
        try littleEndian.withUnsafeBytes { try write(Array($0), at: dataStart + row * rowSize * 4) }
    }

    /// Flushes the data to the disk.
    public func synchronize() throws {
        guard fsync(descriptor) == 0 else { throw NumPyError(file: path, message: "cannot be written (\(String(cString: strerror(errno))))") }
    }

    /// A float32 `.npy` of `shape` at `path`, all zeros (sparse where the file system allows),
    /// written atomically: what `--output-into` fills later.
    public static func allocate(_ path: String, shape: [Int]) throws {
        do {
            try SafeFiles.write(to: path) { temporary in
                let writer = try NPYRowWriter(creating: temporary, shape: shape)
                guard ftruncate(writer.descriptor, off_t(writer.dataStart + shape.reduce(1, *) * 4)) == 0 else {
                    throw NumPyError(file: path, message: "cannot be sized (\(String(cString: strerror(errno))))")
                }
                try writer.synchronize()
            }
        } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        }
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { throw NumPyError(file: path, message: "cannot be written (\(String(cString: strerror(errno))))") }
            done += wrote
        }
    }

    static func fileSize(_ descriptor: Int32) -> Int {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
    }
}
