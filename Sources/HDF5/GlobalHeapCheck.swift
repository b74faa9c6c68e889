import Foundation

/// A guard in front of libhdf5's variable-length string reads. libhdf5 1.10's `H5HG_read` copies
/// a global-heap object by the size the heap collection records into a buffer sized by the
/// length the referring descriptor records, and trusts the descriptor's object index; its bounds
/// checks are assertions, compiled out. A file where the two disagree (a flipped bit is enough)
/// makes it write past the buffer, and a descriptor may claim gigabytes that libhdf5 allocates.
///
/// So before a variable-length attribute is read, its descriptors are found where libhdf5 will
/// find them: the object's header is located through libhdf5 (its address), its messages are
/// walked (continuation blocks included) to the attribute's message, and each descriptor in the
/// attribute's data must name an object that exists in a well-formed global heap collection, of
/// exactly the length it declares. Only the object header and the collections it names are read,
/// never the rest of the file, so weight data that happens to look like a heap address cannot
/// cause a false alarm. An attribute kept in dense storage (a fractal heap, which Keras never
/// writes) falls back to the containment of `LibraryFaults`.
enum GlobalHeapCheck {
    /// What a damaged variable-length attribute is, or nil when its descriptors are consistent
    /// (or cannot be located, see above).
    static func problem(attribute name: String, count: Int, headerAddress: UInt64, bytes: FileBytes) -> String? {
        guard let layout = superblock(bytes) else { return nil }
        guard let data = attributeData(named: name, headerAddress: headerAddress, layout: layout, bytes: bytes) else { return nil }
        let descriptorSize = 4 + layout.offsetSize + 4
        let (needed, overflow) = count.multipliedReportingOverflow(by: descriptorSize)
        guard !overflow, data.count >= needed else {
            return "attribute '\(name)' holds \(data.count) bytes of string descriptors, \(count) x \(descriptorSize) expected"
        }
        var collections: [UInt64: [Int: Int]?] = [:]
        for element in 0..<count {
            let at = element * descriptorSize
            let length = read(data, at, 4)
            let address = read(data, at + 4, layout.offsetSize)
            let index = Int(read(data, at + 4 + layout.offsetSize, 4))
            guard length > 0 else { continue }  // an empty string: nothing is read from the heap
            if collections[address] == nil { collections[address] = .some(collection(at: address, layout: layout, bytes: bytes)) }
            guard let objects = collections[address]!, !objects.isEmpty else {
                return "a variable-length string points to address \(address), where there is no readable global heap collection"
            }
            guard let size = objects[index] else {
                return "a variable-length string names global heap object \(index), which its collection does not hold"
            }
            guard UInt64(size) == length else {
                return "a variable-length value of \(length) bytes points to a global heap object of \(size) bytes"
            }
        }
        return nil
    }

    struct Layout {
        /// File offset of the superblock; file addresses are relative to it.
        var base: Int
        var offsetSize: Int
        var lengthSize: Int
    }

    /// Where the superblock is (0, 512, 1024, ...) and its sizes of offsets and lengths.
    static func superblock(_ bytes: FileBytes) -> Layout? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset = 0
        while offset + 16 <= bytes.size {
            if let head = bytes.read(offset, 16), Array(head[0..<8]) == signature {
                let version = head[8]
                let sizes = version < 2 ? (Int(head[13]), Int(head[14])) : (Int(head[9]), Int(head[10]))
                guard [2, 4, 8].contains(sizes.0), [2, 4, 8].contains(sizes.1) else { return nil }
                return Layout(base: offset, offsetSize: sizes.0, lengthSize: sizes.1)
            }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    /// The objects (index → size) of the global heap collection at `address`, or nil when there
    /// is none or it is not well formed.
    static func collection(at address: UInt64, layout: Layout, bytes: FileBytes) -> [Int: Int]? {
        let lengthSize = layout.lengthSize
        guard let start = fileOffset(address, layout), let head = bytes.read(start, 8 + lengthSize), Array(head[0..<4]) == Array("GCOL".utf8) else { return nil }
        let size = read(head, 8, lengthSize)
        guard size >= UInt64(8 + lengthSize), size <= UInt64(bytes.size - start), let body = bytes.read(start, Int(size)) else { return nil }
        let header = 8 + lengthSize  // index, references, reserved, size
        var objects: [Int: Int] = [:]
        var position = 8 + lengthSize
        while position + header <= body.count {
            let index = Int(read(body, position, 2))
            let objectSize = read(body, position + 8, lengthSize)
            if index == 0 {
                // Free space: its size counts its own header. libhdf5 steps over exactly that many
                // bytes, so a free-space object smaller than its header makes it loop forever.
                guard objectSize >= UInt64(header), objectSize <= UInt64(body.count - position) else { return nil }
                position += Int(objectSize)
                continue
            }
            // Bounded first: a size near 2^64 would overflow the alignment.
            guard objectSize <= UInt64(body.count) else { return nil }
            let aligned = (objectSize + 7) & ~7
            guard aligned <= UInt64(body.count - position - header) else { return nil }
            objects[index] = Int(objectSize)
            position += header + Int(aligned)
        }
        return objects
    }

    /// The raw data (the string descriptors) of attribute `name` in the object header at
    /// `headerAddress`: header version 1 or 2, continuation blocks followed. nil when it is not
    /// stored in the header (dense storage) or the header cannot be walked.
    static func attributeData(named name: String, headerAddress: UInt64, layout: Layout, bytes: FileBytes) -> [UInt8]? {
        headerMessage(headerAddress: headerAddress, layout: layout, bytes: bytes) { type, message in
            type == 0x0C ? attributeMessageData(message, named: name) : nil
        }
    }

    /// The first message of the object header at `headerAddress` (version 1 or 2, continuation
    /// blocks followed) for which `match(type, body)` gives a value, or nil.
    static func headerMessage(headerAddress: UInt64, layout: Layout, bytes: FileBytes,
                              _ match: (Int, [UInt8]) -> [UInt8]?) -> [UInt8]? {
        guard let start = fileOffset(headerAddress, layout), let prefix = bytes.read(start, 16) else { return nil }
        var blocks: [(offset: Int, length: Int, version: Int)] = []
        var creationOrder = false
        if Array(prefix[0..<4]) == Array("OHDR".utf8) {
            let flags = Int(prefix[5])
            creationOrder = flags & 0x04 != 0
            var at = 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
            let sizeBytes = 1 << (flags & 0x03)
            guard let field = bytes.read(start + at, sizeBytes) else { return nil }
            at += sizeBytes
            guard let length = Int(exactly: read(field, 0, sizeBytes)) else { return nil }
            blocks.append((start + at, length, 2))
        } else if prefix[0] == 1 {
            blocks.append((start + 16, Int(read(prefix, 8, 4)), 1))
        } else {
            return nil
        }
        var visited = 0
        while !blocks.isEmpty, visited < 4096 {
            let block = blocks.removeFirst()
            visited += 1
            guard block.length >= 0, block.length <= 1 << 26, let body = bytes.read(block.offset, block.length) else { return nil }
            var position = 0
            // Version 2 chunks end with a 4-byte checksum; continuation chunks start with "OCHK".
            var end = body.count
            if block.version == 2 { end -= 4 }
            if block.version == 3 { position = 4; end -= 4 }
            while position < end {
                let type: Int, size: Int, headerLength: Int
                if block.version == 1 {
                    guard position + 8 <= end else { break }
                    type = Int(read(body, position, 2)); size = Int(read(body, position + 2, 2)); headerLength = 8
                } else {
                    guard position + 4 <= end else { break }
                    type = Int(body[position]); size = Int(read(body, position + 1, 2)); headerLength = 4 + (creationOrder ? 2 : 0)
                }
                let dataStart = position + headerLength
                guard dataStart + size <= body.count else { return nil }
                let message = Array(body[dataStart..<(dataStart + size)])
                if type == 0x10, message.count >= layout.offsetSize + layout.lengthSize {
                    let address = read(message, 0, layout.offsetSize), length = read(message, layout.offsetSize, layout.lengthSize)
                    guard let offset = fileOffset(address, layout), let count = Int(exactly: length) else { return nil }
                    blocks.append((offset, count, block.version == 1 ? 1 : 3))
                } else if let data = match(type, message) {
                    return data
                }
                position = dataStart + size
            }
        }
        return nil
    }

    /// The data part of an attribute message when it is the attribute `name`.
    static func attributeMessageData(_ message: [UInt8], named name: String) -> [UInt8]? {
        guard message.count >= 8 else { return nil }
        let version = Int(message[0])
        let nameSize = Int(read(message, 2, 2)), typeSize = Int(read(message, 4, 2)), spaceSize = Int(read(message, 6, 2))
        func padded(_ value: Int) -> Int { version == 1 ? (value + 7) & ~7 : value }
        let nameStart = version == 3 ? 9 : 8
        guard nameSize >= 1, nameStart + nameSize <= message.count else { return nil }
        let stored = String(decoding: message[nameStart..<(nameStart + nameSize - 1)], as: UTF8.self)
        guard stored == name else { return nil }
        let dataStart = nameStart + padded(nameSize) + padded(typeSize) + padded(spaceSize)
        guard dataStart <= message.count else { return nil }
        return Array(message[dataStart...])
    }

    /// The file offset of a file address (relative to the superblock), or nil when a damaged
    /// address is so large that adding the superblock's offset would overflow.
    static func fileOffset(_ address: UInt64, _ layout: Layout) -> Int? {
        guard address < UInt64(Int.max / 2) else { return nil }
        return Int(address) + layout.base
    }

    static func read(_ bytes: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for byte in 0..<size where at + byte < bytes.count { value |= UInt64(bytes[at + byte]) << (8 * UInt64(byte)) }
        return value
    }
}

/// Reads byte ranges of an HDF5 file: on disk (`pread`, nothing kept in memory) or an
/// in-memory image (a `.keras` member).
struct FileBytes {
    let size: Int
    private let descriptor: Int32
    private let image: [UInt8]?

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { _ = Glibc.close(descriptor); return nil }
        self.descriptor = descriptor
        size = Int(info.st_size)
        image = nil
    }

    init(image: [UInt8]) {
        descriptor = -1
        size = image.count
        self.image = image
    }

    /// `count` bytes at `offset`, or nil when the range is outside the file.
    func read(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= size - count else { return nil }
        if let image { return Array(image[offset..<(offset + count)]) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        return got == count ? buffer : nil
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }
}
