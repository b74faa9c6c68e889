import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening files from elsewhere and writing outputs without surprises.
///
/// Reading: a path that names a FIFO, a device or a socket would block or stream forever in
/// `open`/`read`, so it is refused before it is opened. Writing: a regular (or new) file is
/// written to a temporary sibling and renamed into place, so an interrupted run never leaves
/// half a file; a device or FIFO (`/dev/null`, `/dev/stdout`) is written directly, never
/// replaced by a renamed file.
public enum SafeFiles {
    /// A file that cannot be read or written as asked, with the reason in words.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// What `path` names (symbolic links followed), in words, when it is not a regular file;
    /// nil for a regular file. A missing path is "no such file".
    public static func notRegularFile(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT ? "no such file" : "cannot be read (\(String(cString: strerror(errno))))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a file"
        case S_IFIFO: return "is a FIFO (named pipe), not a regular file; refused (reading it could block forever)"
        case S_IFCHR, S_IFBLK: return "is a device, not a regular file; refused"
        case S_IFSOCK: return "is a socket, not a regular file; refused"
        default: return "is not a regular file; refused"
        }
    }

    /// Throws `Failure` unless `path` names a readable regular file.
    public static func requireRegularFile(_ path: String) throws {
        if let problem = notRegularFile(path) { throw Failure(path: path, message: problem) }
        guard access(path, R_OK) == 0 else { throw Failure(path: path, message: "not readable (permission denied)") }
    }

    /// True when both paths name the same file (same device and inode: hard links, bind mounts
    /// and symbolic links included); false when either does not exist.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// True when `path` exists and is a character device, block device or FIFO: written in
    /// place, never replaced.
    static func isSpecialOutput(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFCHR || kind == S_IFBLK || kind == S_IFIFO
    }

    /// Writes `data` to `path`: atomically (temporary sibling, then rename) for a regular or new
    /// file, directly for a device or FIFO; `-` is standard output.
    public static func write(_ data: Data, to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        if isSpecialOutput(path) {
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw Failure(path: path, message: "cannot be opened for writing")
            }
            defer { try? handle.close() }
            do { try handle.write(contentsOf: data) } catch {
                throw Failure(path: path, message: "cannot write (\(error.localizedDescription))")
            }
            return
        }
        try write(to: path) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: data) else {
                throw Failure(path: path, message: "cannot write (is the folder writable?)")
            }
        }
    }

    /// Lets `body` create the output at a temporary path (an archive writer that needs a path),
    /// then puts it at `path`: renamed over a regular or new file, copied into a device or FIFO.
    public static func write(to path: String, _ body: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path == "-" ? "keras-replay-output" : path)
        let folder = path == "-" || isSpecialOutput(path) ? URL(fileURLWithPath: NSTemporaryDirectory()) : url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try body(temporary)
        if path == "-" || isSpecialOutput(path) {
            guard let data = FileManager.default.contents(atPath: temporary) else { throw Failure(path: path, message: "cannot write") }
            try write(data, to: path)
            return
        }
        guard rename(temporary, path) == 0 else {
            throw Failure(path: path, message: "cannot write (\(String(cString: strerror(errno))))")
        }
    }
}
