import CHDF5

/// The value of an HDF5 attribute, as read: strings (of either encoding) or numbers.
public enum AttributeValue: Sendable, Equatable {
    /// String elements with the attribute's shape (`[]` for a scalar).
    case strings([String], shape: [Int])
    /// Numeric elements (any float or integer type, widened to Double) with their shape.
    case numbers([Double], shape: [Int])

    /// The single string of a scalar or one-element string attribute.
    public var string: String? {
        if case .strings(let values, _) = self, values.count == 1 { return values[0] }
        return nil
    }

    /// The elements of a string attribute; an empty numeric array counts as no strings (Keras
    /// writes `weight_names` of a weightless layer as an empty float64 array).
    public var stringArray: [String]? {
        switch self {
        case .strings(let values, _): return values
        case .numbers(let values, _): return values.isEmpty ? [] : nil
        }
    }

    public var shape: [Int] {
        switch self {
        case .strings(_, let shape), .numbers(_, let shape): return shape
        }
    }
}

/// How a string attribute is stored.
public enum StringEncoding: String, Sendable, Equatable {
    /// h5py 3's default: variable-length strings.
    case variableLength = "vlen"
    /// h5py 2 era / NumPy `S` arrays: fixed-length, null-padded.
    case fixedLength = "fixed"
}

/// What an attribute declares, without reading its data.
public struct AttributeInfo: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// nil for non-string attributes.
    public var stringEncoding: StringEncoding?
}

/// Attribute reading shared by groups and datasets. Callers hold the library lock.
enum AttributeReader {
    static func exists(_ object: hid_t, _ name: String) -> Bool {
        H5Aexists(object, name) > 0
    }

    static func names(_ object: hid_t, file: HDF5File, path: String) throws -> [String] {
        let count = chdf5_attribute_count(object)
        guard count >= 0 else {
            throw HDF5Error(file: file.path, object: path, message: "cannot list attributes (\(takeLibraryErrorMessage()))")
        }
        var names: [String] = []
        for index in 0..<Int(count) {
            let length = H5Aget_name_by_idx(object, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, hsize_t(index), nil, 0, chdf5_p_default())
            let size = length >= 0 ? length
                : H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, chdf5_p_default())
            guard size >= 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            var written = H5Aget_name_by_idx(object, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, chdf5_p_default())
            if written < 0 {
                written = H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, chdf5_p_default())
            }
            guard written >= 0 else { continue }
            names.append(string(from: buffer))
        }
        H5Eclear2(chdf5_e_default())
        return names.sorted()
    }

    static func info(_ object: hid_t, _ name: String, file: HDF5File, path: String) throws -> AttributeInfo {
        try withOpenAttribute(object, name, file: file, path: path) { attribute, type, space in
            let shape = try extent(space, file: file, object: "\(path)@\(name)")
            var encoding: StringEncoding?
            if H5Tget_class(type) == H5T_STRING {
                encoding = H5Tis_variable_str(type) > 0 ? .variableLength : .fixedLength
            }
            _ = attribute
            return AttributeInfo(name: name, shape: shape, stringEncoding: encoding)
        }
    }

    static func read(_ object: hid_t, _ name: String, file: HDF5File, path: String) throws -> AttributeValue {
        let where_ = "\(path) attribute '\(name)'"
        return try withOpenAttribute(object, name, file: file, path: path) { attribute, type, space in
            let shape = try extent(space, file: file, object: where_)
            let count = shape.reduce(1, *)
            let typeClass = H5Tget_class(type)
            if typeClass == H5T_STRING {
                return .strings(try readStrings(attribute, type: type, space: space, count: count, file: file, object: where_,
                                                owner: object, name: name), shape: shape)
            }
            if typeClass == H5T_FLOAT || typeClass == H5T_INTEGER {
                guard count * 8 <= file.limits.maxAttributeBytes else {
                    throw HDF5Error(file: file.path, object: where_, message: "declares \(count) numbers, over the limit")
                }
                if count == 0 { return .numbers([], shape: shape) }
                var values = [Double](repeating: 0, count: count)
                let status = values.withUnsafeMutableBytes { H5Aread(attribute, chdf5_native_double(), $0.baseAddress) }
                guard status >= 0 else {
                    throw HDF5Error(file: file.path, object: where_, message: "cannot read (\(takeLibraryErrorMessage()))")
                }
                return .numbers(values, shape: shape)
            }
            throw HDF5Error(file: file.path, object: where_, message: "unsupported attribute type (class \(typeClass.rawValue))")
        }
    }

    private static func withOpenAttribute<T>(
        _ object: hid_t, _ name: String, file: HDF5File, path: String,
        _ body: (hid_t, hid_t, hid_t) throws -> T
    ) throws -> T {
        guard H5Aexists(object, name) > 0 else {
            H5Eclear2(chdf5_e_default())
            throw HDF5Error(file: file.path, object: path, message: "has no attribute '\(name)'")
        }
        let attribute = H5Aopen(object, name, chdf5_p_default())
        guard attribute >= 0 else {
            throw HDF5Error(file: file.path, object: path, message: "cannot open attribute '\(name)' (\(takeLibraryErrorMessage()))")
        }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else {
            throw HDF5Error(file: file.path, object: path, message: "attribute '\(name)' has an unreadable type (\(takeLibraryErrorMessage()))")
        }
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else {
            throw HDF5Error(file: file.path, object: path, message: "attribute '\(name)' has an unreadable shape (\(takeLibraryErrorMessage()))")
        }
        defer { H5Sclose(space) }
        return try body(attribute, type, space)
    }

    private static func readStrings(_ attribute: hid_t, type: hid_t, space: hid_t, count: Int, file: HDF5File, object: String,
                                    owner: hid_t, name: String) throws -> [String] {
        if count == 0 { return [] }
        let memoryType = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(memoryType) }
        H5Tset_cset(memoryType, H5Tget_cset(type))
        if H5Tis_variable_str(type) > 0 {
            guard count * 8 <= file.limits.maxAttributeBytes else {
                throw HDF5Error(file: file.path, object: object, message: "declares \(count) strings, over the limit")
            }
            try file.requireConsistentStrings(attribute: name, count: count, on: owner, described: object)
            H5Tset_size(memoryType, chdf5_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            // The strings' lengths come from the file; libhdf5 allocates what they claim. Reading
            // a legitimate string takes a few copies of it (the heap collection, the conversion
            // buffer, the result): a 24 MB model_config needs ~100 MB, so the headroom is four
            // times the attribute limit, still far below the gigabytes a damaged length claims.
            let headroom = file.limits.maxAttributeBytes * 4 + (64 << 20)
            try withDataHeadroom(headroom) { capped in
                let status = pointers.withUnsafeMutableBytes { H5Aread(attribute, memoryType, $0.baseAddress) }
                guard status >= 0 else {
                    let reason = takeLibraryErrorMessage()
                    if capped, reason.contains("alloc") {
                        throw HDF5Error(file: file.path, object: object, message: "the file is damaged: a variable-length string claims more than the \(file.limits.maxAttributeBytes >> 20) MiB attribute limit")
                    }
                    throw HDF5Error(file: file.path, object: object, message: "cannot read strings (\(reason))")
                }
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { chdf5_reclaim(memoryType, space, $0.baseAddress) }
            // The lengths are only known once read (the data limit bounds the read itself).
            let bytes = strings.reduce(0) { $0 + $1.utf8.count }
            guard bytes <= file.limits.maxAttributeBytes else {
                throw HDF5Error(file: file.path, object: object, message: "holds \(bytes) bytes of strings, over the limit of \(file.limits.maxAttributeBytes)")
            }
            return strings
        }
        let size = H5Tget_size(type)
        guard size > 0, count <= file.limits.maxAttributeBytes / size else {
            throw HDF5Error(file: file.path, object: object, message: "declares \(count) strings of \(size) bytes, over the limit")
        }
        H5Tset_size(memoryType, size)
        H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: count * size)
        let status = bytes.withUnsafeMutableBytes { H5Aread(attribute, memoryType, $0.baseAddress) }
        guard status >= 0 else {
            throw HDF5Error(file: file.path, object: object, message: "cannot read strings (\(takeLibraryErrorMessage()))")
        }
        return (0..<count).map { index in
            let element = bytes[(index * size)..<((index + 1) * size)]
            return String(decoding: element.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func string(from buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The dimensions of a dataspace; `[]` for a scalar, `[0]` for a null space.
func extent(_ space: hid_t, file: HDF5File, object: String) throws -> [Int] {
    let kind = H5Sget_simple_extent_type(space)
    if kind == H5S_NULL { return [0] }
    if kind == H5S_SCALAR { return [] }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0, rank <= 32 else {
        throw HDF5Error(file: file.path, object: object, message: "has an unreadable rank")
    }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else {
        throw HDF5Error(file: file.path, object: object, message: "has unreadable dimensions (\(takeLibraryErrorMessage()))")
    }
    var shape: [Int] = []
    var total = 1
    for dim in dims {
        guard dim <= hsize_t(Int32.max) else {
            throw HDF5Error(file: file.path, object: object, message: "declares a dimension of \(dim), over the limit")
        }
        let (product, overflow) = total.multipliedReportingOverflow(by: Int(dim))
        guard !overflow else {
            throw HDF5Error(file: file.path, object: object, message: "declares dimensions \(dims) whose product overflows")
        }
        total = product
        shape.append(Int(dim))
    }
    return shape
}
