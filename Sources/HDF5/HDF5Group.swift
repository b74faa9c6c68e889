import CHDF5

/// What a link inside a group points to.
public enum ObjectKind: String, Sendable, Equatable {
    case group, dataset, other
    /// A soft or external link; never followed, so a file cannot make us read elsewhere.
    case link
}

/// An open HDF5 group. Paths below it are walked one hard link at a time: soft and external
/// links are refused rather than followed.
public final class HDF5Group: @unchecked Sendable {
    public let file: HDF5File
    /// Absolute path inside the file, e.g. `/model_weights/lstm_1`.
    public let path: String
    let identifier: hid_t

    init(file: HDF5File, path: String) throws {
        self.file = file
        self.path = path
        let components = path.split(separator: "/").map(String.init)
        identifier = try withLibrary {
            var current = H5Gopen2(file.identifier, "/", chdf5_p_default())
            guard current >= 0 else {
                throw HDF5Error(file: file.path, message: "cannot open the root group (\(takeLibraryErrorMessage()))")
            }
            var walked = ""
            for component in components {
                walked += "/" + component
                let next: hid_t
                do {
                    try Self.requireHardLink(current, component, file: file, path: walked)
                    next = H5Gopen2(current, component, chdf5_p_default())
                } catch {
                    H5Gclose(current)
                    throw error
                }
                H5Gclose(current)
                guard next >= 0 else {
                    throw HDF5Error(file: file.path, object: walked, message: "is not a readable group (\(takeLibraryErrorMessage()))")
                }
                current = next
            }
            return current
        }
    }

    deinit {
        withLibrary { _ = H5Gclose(identifier) }
    }

    static func requireHardLink(_ parent: hid_t, _ name: String, file: HDF5File, path: String) throws {
        guard !name.isEmpty, name != ".", name != ".." else {
            throw HDF5Error(file: file.path, object: path, message: "invalid path component '\(name)'")
        }
        // A group's local heap is checked right before something is looked up in it (not when
        // the group is opened: Keras never looks inside the group of a layer without weights,
        // and neither do we, so damage there is not our business).
        try file.requireConsistentLocalHeap(parent, described: parentPath(of: path))
        guard H5Lexists(parent, name, chdf5_p_default()) > 0 else {
            H5Eclear2(chdf5_e_default())
            throw HDF5Error(file: file.path, object: path, message: "does not exist")
        }
        let type = chdf5_link_type(parent, name)
        guard type == Int32(H5L_TYPE_HARD.rawValue) else {
            let kind = type == Int32(H5L_TYPE_EXTERNAL.rawValue) ? "an external link" : type == Int32(H5L_TYPE_SOFT.rawValue) ? "a soft link" : "an unreadable link"
            throw HDF5Error(file: file.path, object: path, message: "is \(kind); links are not followed")
        }
    }

    /// `/a/b` for `/a/b/c`, `/` for `/a`.
    static func parentPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    private func childPath(_ relative: String) -> String {
        path == "/" ? "/" + relative : path + "/" + relative
    }

    /// The group's identity in the file (its object address): two hard links to one group give
    /// the same, so a walk can tell a group that links back to an ancestor.
    public func identity() throws -> String {
        try withLibrary {
            var buffer = [CChar](repeating: 0, count: 128)
            guard chdf5_object_identity(identifier, &buffer, buffer.count) == 0 else {
                throw HDF5Error(file: file.path, object: path, message: "cannot read its object address (\(takeLibraryErrorMessage()))")
            }
            return AttributeReader.string(from: buffer)
        }
    }

    /// Names of the links in this group, in name order.
    public func childNames() throws -> [String] {
        try withLibrary {
            try file.requireConsistentLocalHeap(identifier, described: path)
            var info = H5G_info_t()
            guard H5Gget_info(identifier, &info) >= 0 else {
                throw HDF5Error(file: file.path, object: path, message: "cannot list members (\(takeLibraryErrorMessage()))")
            }
            guard info.nlinks < 1_000_000 else {
                throw HDF5Error(file: file.path, object: path, message: "declares \(info.nlinks) members, over the limit")
            }
            var names: [String] = []
            for index in 0..<info.nlinks {
                let size = H5Lget_name_by_idx(identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_p_default())
                guard size >= 0 else {
                    throw HDF5Error(file: file.path, object: path, message: "cannot read member names (\(takeLibraryErrorMessage()))")
                }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                guard H5Lget_name_by_idx(identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_p_default()) >= 0 else {
                    throw HDF5Error(file: file.path, object: path, message: "cannot read member names (\(takeLibraryErrorMessage()))")
                }
                names.append(AttributeReader.string(from: buffer))
            }
            return names
        }
    }

    /// Whether a relative path exists below this group (through hard links only).
    public func contains(_ relative: String) -> Bool {
        (try? kind(of: relative)) != nil
    }

    /// What the relative path points to. Throws when it does not exist.
    public func kind(of relative: String) throws -> ObjectKind {
        try withLibrary {
            let components = relative.split(separator: "/").map(String.init)
            guard let last = components.last else { return .group }
            let parent = components.dropLast().joined(separator: "/")
            let parentGroup = parent.isEmpty ? self : try HDF5Group(file: file, path: childPath(parent))
            try file.requireConsistentLocalHeap(parentGroup.identifier, described: parentGroup.path)
            guard H5Lexists(parentGroup.identifier, last, chdf5_p_default()) > 0 else {
                H5Eclear2(chdf5_e_default())
                throw HDF5Error(file: file.path, object: childPath(relative), message: "does not exist")
            }
            guard chdf5_link_type(parentGroup.identifier, last) == Int32(H5L_TYPE_HARD.rawValue) else { return .link }
            let object = H5Oopen(parentGroup.identifier, last, chdf5_p_default())
            guard object >= 0 else {
                throw HDF5Error(file: file.path, object: childPath(relative), message: "cannot be opened (\(takeLibraryErrorMessage()))")
            }
            defer { H5Oclose(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// Opens a group below this one.
    public func group(_ relative: String) throws -> HDF5Group {
        try HDF5Group(file: file, path: childPath(relative))
    }

    /// Opens a dataset below this one (the path may have several components, as Keras weight names do).
    public func dataset(_ relative: String) throws -> HDF5Dataset {
        try withLibrary {
            let components = relative.split(separator: "/").map(String.init)
            guard let last = components.last else {
                throw HDF5Error(file: file.path, object: path, message: "empty dataset path")
            }
            let parent = components.dropLast().joined(separator: "/")
            let parentGroup = parent.isEmpty ? self : try HDF5Group(file: file, path: childPath(parent))
            try file.requireConsistentLocalHeap(parentGroup.identifier, described: parentGroup.path)
            return try HDF5Dataset(parent: parentGroup, name: last, path: childPath(relative))
        }
    }

    public func hasAttribute(_ name: String) -> Bool {
        withLibrary { AttributeReader.exists(identifier, name) }
    }

    public func attributeNames() throws -> [String] {
        try withLibrary { try AttributeReader.names(identifier, file: file, path: path) }
    }

    public func attribute(_ name: String) throws -> AttributeValue {
        try withLibrary { try AttributeReader.read(identifier, name, file: file, path: path) }
    }

    public func attributeInfo(_ name: String) throws -> AttributeInfo {
        try withLibrary { try AttributeReader.info(identifier, name, file: file, path: path) }
    }
}
