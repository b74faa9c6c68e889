import Foundation
import SafeFiles
import ZIPFoundation

/// Reading and writing `.npy` and `.npz` files. Writes go to a temporary file in the same
/// folder and are renamed into place, so an interrupted run never leaves half a file.
public enum NumPyFile {
    public static func read(_ path: String) throws -> NumPyArray {
        try requireRegularFile(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NumPyError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        return try NPYFormat.decode(data, file: path)
    }

    public static func write(_ array: NumPyArray, to path: String) throws {
        try writeAtomically(NPYFormat.encode(array), to: path)
    }

    /// Reads every array of an `.npz`, in archive order, named without the `.npy` suffix.
    public static func readArchive(_ path: String) throws -> [(name: String, array: NumPyArray)] {
        try requireRegularFile(path)
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw NumPyError(file: path, message: "not a readable .npz (zip) archive")
        }
        var arrays: [(String, NumPyArray)] = []
        for entry in archive where entry.type == .file {
            guard entry.uncompressedSize <= UInt64(NPYFormat.maxElements) * 8 else {
                throw NumPyError(file: path, message: "member '\(entry.path)' declares \(entry.uncompressedSize) bytes, over the limit")
            }
            var data = Data()
            do { _ = try archive.extract(entry, skipCRC32: false) { data.append($0) } } catch {
                throw NumPyError(file: path, message: "member '\(entry.path)' cannot be extracted (\(error))")
            }
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            arrays.append((name, try NPYFormat.decode(data, file: "\(path):\(entry.path)")))
        }
        return arrays
    }

    /// Writes arrays as an uncompressed `.npz` (what `numpy.savez` writes), in the given order.
    /// Atomically for a regular file, directly into a device or FIFO (see `SafeFiles`).
    public static func writeArchive(_ arrays: [(name: String, array: NumPyArray)], to path: String) throws {
        do {
            try SafeFiles.write(to: path) { temporary in
                let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
                for (name, array) in arrays {
                    let data = NPYFormat.encode(array)
                    try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none) { position, size in
                        data.subdata(in: Int(position)..<(Int(position) + size))
                    }
                }
            }
        } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        } catch {
            throw NumPyError(file: path, message: "cannot write (\(error))")
        }
    }

    /// Writes `data` to `path`: a temporary sibling renamed over it (so an interrupted run never
    /// leaves half a file), or directly for a device or FIFO.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        do { try SafeFiles.write(data, to: path) } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        }
    }

    static func requireRegularFile(_ path: String) throws {
        do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
            throw NumPyError(file: path, message: failure.message)
        }
    }
}
