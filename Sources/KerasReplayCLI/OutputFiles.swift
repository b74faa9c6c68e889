import ArgumentParser
import Foundation

/// The one rule for every output file of every command, checked before any work is done:
/// the file's extension names the format written (`.npy`/`.npz` arrays, `.svg` figures,
/// `.csv`/`.json` tables), its folder must exist and be writable, and it must not be a folder.
/// `-` writes to standard output and an existing device or FIFO (`/dev/null`) is written in
/// place, whatever the format.
enum OutputFile {
    static func check(_ path: String, option: String, formats: [String]) throws {
        if path == "-" { return }
        var info = stat()
        if stat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFCHR || kind == S_IFBLK || kind == S_IFIFO { return }
            if kind == S_IFDIR { throw ValidationError("\(option) \(path): is a folder; name a file") }
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ValidationError("\(option) \(path): the folder \(folder) is not writable")
        }
        let suffix = url.pathExtension.lowercased()
        guard formats.contains(suffix) else {
            let names = formats.map { ".\($0)" }.joined(separator: " or ")
            throw ValidationError("\(option) \(path): writes \(names); name the file so (found '\(suffix.isEmpty ? "no extension" : "." + suffix)')")
        }
    }

    /// The format an output's extension names (`npz`, `csv`), lowercased.
    static func format(of path: String) -> String { URL(fileURLWithPath: path).pathExtension.lowercased() }
}
