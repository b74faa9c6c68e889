import Foundation
import HDF5
import ZIPFoundation

/// A Keras 3 `.keras` archive: a zip of `config.json`, `metadata.json` and `model.weights.h5`,
/// read in memory (the weights are never written to disk). Declared sizes are checked before
/// extracting, so a zip bomb is refused rather than inflated.
struct KerasArchive {
    var configText: String
    var kerasVersion: KerasVersion?
    var weightsImage: [UInt8]

    static func isArchive(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let bytes = try? handle.read(upToCount: 4) else { return false }
        return Array(bytes) == [0x50, 0x4B, 0x03, 0x04]
    }

    init(path: String, limits: ReadLimits) throws {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw CheckpointError(file: path, message: "a damaged .keras archive (the zip directory cannot be read)")
        }
        func member(_ name: String, limit: Int) throws -> [UInt8] {
            guard let entry = archive[name] else {
                throw CheckpointError(file: path, message: ".keras archive: expected member '\(name)', found \(archive.map(\.path).sorted().joined(separator: ", "))")
            }
            guard entry.uncompressedSize <= UInt64(limit) else {
                throw CheckpointError(file: path, message: ".keras archive: member '\(name)' declares \(entry.uncompressedSize) bytes, over the limit of \(limit)")
            }
            var bytes: [UInt8] = []
            let declared = Int(entry.uncompressedSize)
            bytes.reserveCapacity(declared)
            let checksum: CRC32
            do {
                // Stop at the size the member declares: a member that lies about it is refused
                // before it inflates further.
                checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard bytes.count + chunk.count <= declared else { throw ArchiveOverflow() }
                    bytes.append(contentsOf: chunk)
                }
            } catch is ArchiveOverflow {
                throw CheckpointError(file: path, message: ".keras archive: member '\(name)' inflates past the \(declared) bytes it declares")
            } catch {
                throw CheckpointError(file: path, message: ".keras archive: member '\(name)' is damaged (\(error))")
            }
            guard bytes.count == declared else {
                throw CheckpointError(file: path, message: ".keras archive: member '\(name)' declares \(declared) bytes, found \(bytes.count)")
            }
            // Keras refuses a member whose CRC-32 does not match ("Bad CRC-32"); so do we: one
            // flipped bit in a kernel would otherwise replay with wrong numbers.
            guard checksum == entry.checksum else {
                throw CheckpointError(file: path, message: ".keras archive: member '\(name)' expected CRC-32 \(String(entry.checksum, radix: 16)), found \(String(checksum, radix: 16)) (the member is damaged)")
            }
            return bytes
        }
        let configBytes = try member("config.json", limit: limits.maxAttributeBytes)
        configText = String(decoding: configBytes, as: UTF8.self)
        if archive["metadata.json"] != nil {
            let metadata = try? JSONValue.parse(String(decoding: try member("metadata.json", limit: 1 << 20), as: UTF8.self))
            kerasVersion = metadata?["keras_version"]?.string.flatMap { KerasVersion($0) }
        }
        weightsImage = try member("model.weights.h5", limit: limits.maxDatasetElements * 4 + (64 << 20))
    }

    private struct ArchiveOverflow: Error {}
}
