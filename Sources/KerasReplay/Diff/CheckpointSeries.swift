import Foundation
import KerasCheckpoint

/// An ordered list of checkpoint files, such as `ModelCheckpoint('checkpoint/{epoch}.hdf5')` writes.
public struct CheckpointSeries: Sendable, Equatable {
    /// The files, earliest first.
    public var paths: [String]

    /// The kinds of checkpoint file taken from a folder, in order of preference: a folder holding
    /// several kinds (`1.keras` next to `1.weights.h5`, as `ModelCheckpoint` may leave) gives the
    /// first kind present, so the same epoch is never compared with itself.
    public enum FileKind: CaseIterable, Sendable {
        /// `.h5` / `.hdf5` written by `model.save` or `ModelCheckpoint` (legacy HDF5).
        case legacyHDF5
        /// Keras 3 `.keras` archive.
        case kerasArchive
        /// Keras 3 `.weights.h5` (`save_weights_only=True`).
        case kerasWeights

        public init?(fileName: String) {
            let name = fileName.lowercased()
            if name.hasSuffix(".weights.h5") { self = .kerasWeights }
            else if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") { self = .legacyHDF5 }
            else if name.hasSuffix(".keras") { self = .kerasArchive }
            else { return nil }
        }
    }

    public init(orderedPaths: [String]) {
        paths = orderedPaths
    }

    /// Expands folders (their checkpoint files of one kind, see `FileKind`; not recursing) and orders
    /// everything by file name in natural order, so the epoch numbers sort as numbers: `2.hdf5`
    /// before `10.hdf5`, `weights.02-0.53.hdf5` before `weights.10-0.41.hdf5`. Ties fall back to
    /// the full path. Files named explicitly are all kept.
    public init(expanding inputs: [String]) throws {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw CheckpointError(file: input, message: "no such file or folder")
            }
            if isDirectory.boolValue {
                let folder = URL(fileURLWithPath: input)
                let names = try FileManager.default.contentsOfDirectory(atPath: input)
                let byKind = Dictionary(grouping: names.filter { FileKind(fileName: $0) != nil }) { FileKind(fileName: $0)! }
                let chosen = FileKind.allCases.lazy.compactMap { byKind[$0] }.first ?? []
                files += chosen.map { folder.appendingPathComponent($0).path }
            } else {
                files.append(input)
            }
        }
        paths = files.sorted(by: Self.naturalOrder)
    }

    /// Natural order of file names: runs of digits compare as numbers.
    public static func naturalOrder(_ left: String, _ right: String) -> Bool {
        let nameLeft = (left as NSString).lastPathComponent
        let nameRight = (right as NSString).lastPathComponent
        let chunksLeft = chunks(nameLeft), chunksRight = chunks(nameRight)
        for (x, y) in zip(chunksLeft, chunksRight) where x != y {
            switch (x, y) {
            case let (.number(p, pText), .number(q, qText)):
                return p != q ? p < q : pText < qText
            case let (.text(p), .text(q)):
                return p < q
            case (.number, .text):
                return true
            case (.text, .number):
                return false
            }
        }
        if chunksLeft.count != chunksRight.count { return chunksLeft.count < chunksRight.count }
        return left < right
    }

    /// The epoch a file name carries, extension aside: the number after `epoch` when the name says
    /// so (`run3_epoch10.h5` → 10), else its first run of digits (`10.hdf5` → 10,
    /// `weights.02-0.53.hdf5` → 2, Keras' `weights.{epoch:02d}-{val_loss:.2f}.hdf5` pattern).
    public static func epoch(of path: String) -> Int? {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let parts = chunks(stem)
        for (index, chunk) in parts.enumerated() {
            if case .text(let text) = chunk, text.lowercased().hasSuffix("epoch") || text.lowercased().hasSuffix("epoch_") || text.lowercased().hasSuffix("epoch-"),
               index + 1 < parts.count, case .number(let value, _) = parts[index + 1] {
                return value
            }
        }
        for chunk in parts {
            if case .number(let value, _) = chunk { return value }
        }
        return nil
    }

    /// A short label for plots and tables: `epoch 10`, or the file name when it carries no number.
    public static func label(of path: String) -> String {
        epoch(of: path).map { "epoch \($0)" } ?? (path as NSString).lastPathComponent
    }

    enum Chunk: Equatable {
        case text(String)
        /// The value (saturating for absurdly long digit runs) and the digits as written.
        case number(Int, String)
    }

    static func chunks(_ name: String) -> [Chunk] {
        var result: [Chunk] = []
        var current = ""
        var inDigits = false
        func flush() {
            guard !current.isEmpty else { return }
            result.append(inDigits ? .number(Int(current.prefix(18)) ?? Int.max, current) : .text(current))
            current = ""
        }
        for character in name {
            let isDigit = character.isASCII && character.isNumber
            if isDigit != inDigits { flush(); inDigits = isDigit }
            current.append(character)
        }
        flush()
        return result
    }
}
