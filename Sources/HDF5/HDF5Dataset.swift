import CHDF5

/// The element type a dataset declares.
public enum ElementType: Sendable, Equatable, CustomStringConvertible {
    case float(bits: Int)
    case integer(bits: Int, signed: Bool)
    case string
    case other

    public var description: String {
        switch self {
        case .float(let bits): return "float\(bits)"
        case .integer(let bits, let signed): return (signed ? "int" : "uint") + "\(bits)"
        case .string: return "string"
        case .other: return "unsupported"
        }
    }
}

/// An open dataset. Opening reads only its metadata (type, shape, storage); data is read on request.
/// Datasets whose data lives outside the file (external raw storage, virtual datasets) are refused.
public final class HDF5Dataset: @unchecked Sendable {
    public let file: HDF5File
    public let path: String
    public let shape: [Int]
    public let elementType: ElementType
    let identifier: hid_t

    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    init(parent: HDF5Group, name: String, path: String) throws {
        let file = parent.file
        self.file = file
        self.path = path
        try HDF5Group.requireHardLink(parent.identifier, name, file: file, path: path)
        let id = H5Dopen2(parent.identifier, name, chdf5_p_default())
        guard id >= 0 else {
            throw HDF5Error(file: file.path, object: path, message: "is not a readable dataset (\(takeLibraryErrorMessage()))")
        }
        do {
            let creationList = H5Dget_create_plist(id)
            guard creationList >= 0 else {
                throw HDF5Error(file: file.path, object: path, message: "has unreadable storage properties (\(takeLibraryErrorMessage()))")
            }
            defer { H5Pclose(creationList) }
            if H5Pget_layout(creationList) == H5D_VIRTUAL {
                throw HDF5Error(file: file.path, object: path, message: "is a virtual dataset; data outside the file is not read")
            }
            if H5Pget_external_count(creationList) > 0 {
                throw HDF5Error(file: file.path, object: path, message: "stores its data in an external file; data outside the file is not read")
            }
            let space = H5Dget_space(id)
            guard space >= 0 else {
                throw HDF5Error(file: file.path, object: path, message: "has an unreadable shape (\(takeLibraryErrorMessage()))")
            }
            defer { H5Sclose(space) }
            shape = try extent(space, file: file, object: path)
            let type = H5Dget_type(id)
            guard type >= 0 else {
                throw HDF5Error(file: file.path, object: path, message: "has an unreadable type (\(takeLibraryErrorMessage()))")
            }
            defer { H5Tclose(type) }
            let bits = Int(H5Tget_size(type)) * 8
            switch H5Tget_class(type) {
            case H5T_FLOAT: elementType = .float(bits: bits)
            case H5T_INTEGER: elementType = .integer(bits: bits, signed: H5Tget_sign(type) != H5T_SGN_NONE)
            case H5T_STRING: elementType = .string
            default: elementType = .other
            }
        } catch {
            H5Dclose(id)
            throw error
        }
        identifier = id
    }

    deinit {
        withLibrary { _ = H5Dclose(identifier) }
    }

    /// Reads every element converted to Float (libhdf5 converts float16/64 and integers).
    /// Checks the declared size against the file's limits before allocating.
    public func readFloats() throws -> [Float] {
        // The type is fetched inside the lock: H5T_NATIVE_* calls H5open(), which must not run
        // beside another thread's libhdf5 call (that race once re-enabled error printing).
        try read(as: Float.self, memoryType: { chdf5_native_float() })
    }

    /// Reads every element converted to Double.
    public func readDoubles() throws -> [Double] {
        try read(as: Double.self, memoryType: { chdf5_native_double() })
    }

    private func read<T: Numeric>(as: T.Type, memoryType: () -> hid_t) throws -> [T] {
        switch elementType {
        case .float, .integer: break
        default:
            throw HDF5Error(file: file.path, object: path, message: "holds \(elementType) data, expected numbers")
        }
        let count = self.count
        guard count <= file.limits.maxDatasetElements else {
            throw HDF5Error(file: file.path, object: path, message: "declares \(count) elements \(shape), over the limit of \(file.limits.maxDatasetElements)")
        }
        if count == 0 { return [] }
        return try withLibrary {
            var values = [T](repeating: 0, count: count)
            // libhdf5 sizes some buffers by what the storage declares, not by the dataspace (a
            // fuzzed layout claiming 2 GB took 4.6 s to fail): under containment, the read gets
            // 256 MiB beyond the values already allocated.
            try withDataHeadroom(256 << 20) { capped in
                let status = values.withUnsafeMutableBytes {
                    H5Dread(identifier, memoryType(), chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress)
                }
                guard status >= 0 else {
                    let reason = takeLibraryErrorMessage()
                    if capped, reason.contains("alloc") {
                        throw HDF5Error(file: file.path, object: path, message: "the file is damaged: reading it would take more than 256 MiB beyond its \(count) values (\(reason))")
                    }
                    throw HDF5Error(file: file.path, object: path, message: "cannot read data; the file may be truncated (\(reason))")
                }
            }
            return values
        }
    }

    public func hasAttribute(_ name: String) -> Bool {
        withLibrary { AttributeReader.exists(identifier, name) }
    }

    public func attribute(_ name: String) throws -> AttributeValue {
        try withLibrary { try AttributeReader.read(identifier, name, file: file, path: path) }
    }
}
