import CHDF5
import Foundation
import Synchronization
import SafeFiles

/// An HDF5 file opened read-only. Nothing in this module can write to it.
public final class HDF5File: @unchecked Sendable {
    /// The path as given.
    public let path: String
    public let limits: ReadLimits
    let identifier: hid_t
    /// The bytes of a file opened from memory (for `GlobalHeapCheck`).
    private let image: [UInt8]?
    /// Header addresses of the groups whose local heap `LocalHeapCheck` found sound.
    private let checkedLocalHeaps = Mutex<Set<UInt64>>([])

    /// Opens `path` read-only.
    /// - Throws: `HDF5Error` when the file is missing, unreadable or not HDF5.
    public init(path: String, limits: ReadLimits = .standard) throws {
        self.path = path
        self.limits = limits
        image = nil
        // A FIFO or device would block libhdf5's open: refuse anything but a regular file first.
        do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
            throw HDF5Error(file: path, message: failure.message)
        }
        identifier = try withLibrary {
            let accessList = chdf5_fapl_create()
            defer { H5Pclose(accessList) }
            // Close every object when the file closes, so nothing outlives a failed read.
            H5Pset_fclose_degree(accessList, H5F_CLOSE_STRONG)
            let id = H5Fopen(path, chdf5_acc_rdonly(), accessList)
            guard id >= 0 else {
                let detail = takeLibraryErrorMessage()
                if Self.hasHDF5Signature(path) {
                    throw HDF5Error(file: path, message: "HDF5 file is damaged or truncated (\(detail))")
                }
                throw HDF5Error(file: path, message: "not an HDF5 file (no HDF5 signature)")
            }
            return id
        }
    }

    /// Opens an HDF5 file image held in memory (a member of a `.keras` zip archive), read-only,
    /// without writing it to disk. `name` is used in messages.
    public init(image: [UInt8], name: String, limits: ReadLimits = .standard) throws {
        path = name
        self.limits = limits
        self.image = image
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        guard image.count >= 8, Array(image[0..<8]) == signature else {
            throw HDF5Error(file: name, message: "not an HDF5 file (no HDF5 signature)")
        }
        identifier = try withLibrary {
            let accessList = chdf5_fapl_create()
            defer { H5Pclose(accessList) }
            H5Pset_fclose_degree(accessList, H5F_CLOSE_STRONG)
            // The core driver without a backing store never touches the disk; the image is copied.
            H5Pset_fapl_core(accessList, 1 << 16, false)
            let status = image.withUnsafeBytes { H5Pset_file_image(accessList, UnsafeMutableRawPointer(mutating: $0.baseAddress), image.count) }
            guard status >= 0 else {
                throw HDF5Error(file: name, message: "cannot take the file image (\(takeLibraryErrorMessage()))")
            }
            let id = H5Fopen(name, chdf5_acc_rdonly(), accessList)
            guard id >= 0 else {
                throw HDF5Error(file: name, message: "HDF5 image is damaged or truncated (\(takeLibraryErrorMessage()))")
            }
            return id
        }
    }

    /// Throws when libhdf5 must not read the variable-length strings of attribute `name` on
    /// `object` (see `GlobalHeapCheck`): only that object's header and the heap collections its
    /// descriptors name are read. Callers hold the library lock.
    func requireConsistentStrings(attribute name: String, count: Int, on object: hid_t, described path: String) throws {
        let address = try headerAddress(of: object, described: path)
        try requireSound(described: path, reading: "its string descriptors") { bytes in
            GlobalHeapCheck.problem(attribute: name, count: count, headerAddress: address, bytes: bytes)
        }
    }

    /// Throws when libhdf5 must not look anything up in `group` (see `LocalHeapCheck`): only the
    /// group's header and its local heap are read, once per group. Callers hold the library lock.
    func requireConsistentLocalHeap(_ group: hid_t, described path: String) throws {
        let address = try headerAddress(of: group, described: path)
        guard !checkedLocalHeaps.withLock({ $0.contains(address) }) else { return }
        try requireSound(described: path, reading: "its local heap") { bytes in
            LocalHeapCheck.problem(groupHeaderAddress: address, bytes: bytes)
        }
        checkedLocalHeaps.withLock { _ = $0.insert(address) }
    }

    /// The file address of `object`'s header, as libhdf5 located it.
    private func headerAddress(of object: hid_t, described path: String) throws -> UInt64 {
        var address: UInt64 = 0
        guard chdf5_object_address(object, &address) == 0 else {
            throw HDF5Error(file: self.path, object: path, message: "cannot locate its object header (\(takeLibraryErrorMessage()))")
        }
        return address
    }

    /// Runs `problem` on the file's bytes (on disk, or the in-memory image); a problem found is
    /// thrown as a damaged file.
    private func requireSound(described path: String, reading what: String, _ problem: (FileBytes) -> String?) throws {
        let bytes: FileBytes?
        if let image { bytes = FileBytes(image: image) } else { bytes = FileBytes(path: self.path) }
        guard let bytes else { throw HDF5Error(file: self.path, object: path, message: "cannot be read to check \(what)") }
        defer { bytes.close() }
        if let problem = problem(bytes) {
            throw HDF5Error(file: self.path, object: path, message: "the file is damaged: \(problem)")
        }
    }

    deinit {
        withLibrary { _ = H5Fclose(identifier) }
    }

    /// The root group `/`.
    public func root() throws -> HDF5Group {
        let root = try HDF5Group(file: self, path: "/")
        // Everything is looked up in the root, so its local heap is checked up front: a damaged
        // one reads "damaged", not "no model_weights group" from a probe that swallowed it.
        try withLibrary { try requireConsistentLocalHeap(root.identifier, described: "/") }
        return root
    }

    /// Opens the group at an absolute path.
    public func group(_ path: String) throws -> HDF5Group {
        try HDF5Group(file: self, path: path)
    }

    /// Whether the first bytes at offset 0, 512, 1024, ... carry the HDF5 superblock signature.
    static func hasHDF5Signature(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset: UInt64 = 0
        while offset <= 1 << 20 {
            do {
                try handle.seek(toOffset: offset)
                guard let bytes = try handle.read(upToCount: 8), bytes.count == 8 else { return false }
                if Array(bytes) == signature { return true }
            } catch { return false }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }
}
