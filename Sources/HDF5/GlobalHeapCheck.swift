import Foundation

/// A guard in front of libhdf5's variable-length reads. libhdf5 1.10's `H5HG_read` copies a
/// global-heap object by the size the heap collection records into a buffer sized by the length
/// the referring descriptor records, and trusts the descriptor's object index; its bounds checks
/// are assertions, compiled out. A file where the two disagree (a flipped bit is enough) makes
/// it write past the buffer. So before any variable-length string is read, the file's global heap
/// collections ("GCOL") are parsed here, and every descriptor that points into one must name an
/// object that exists, whose size is no larger than the descriptor's length.
enum GlobalHeapCheck {
    /// nil when the heap is consistent, else what is wrong.
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let layout = superblock(bytes) else { return nil }  // libhdf5 opened it; nothing to check against
        let lengthSize = layout.lengthSize, offsetSize = layout.offsetSize
        var collections: [UInt64: [Int: Int]] = [:]  // address → object index → size
        for start in occurrences(of: Array("GCOL".utf8), in: bytes) {
            guard start + 8 + lengthSize <= bytes.count else { continue }
            let size = read(bytes, start + 8, lengthSize)
            guard size <= UInt64(bytes.count - start), size >= UInt64(8 + lengthSize) else {
                return "global heap collection at \(start) declares \(size) bytes, past the end of the file"
            }
            let end = start + Int(size)
            let header = 8 + lengthSize  // index, references, reserved, size
            var objects: [Int: Int] = [:]
            var position = start + 8 + lengthSize
            while position < end {
                if position + header > end { break }  // a tail too small for an object: free space
                let index = Int(read(bytes, position, 2))
                let objectSize = read(bytes, position + 8, lengthSize)
                guard objectSize <= UInt64(end - position) else {
                    return "global heap object \(index) at \(position) declares \(objectSize) bytes, past its collection"
                }
                if index == 0 {
                    guard objectSize > 0 else { return "global heap collection at \(start) has an empty free-space object" }
                    position += Int(objectSize)
                } else {
                    let aligned = (Int(objectSize) + 7) & ~7
                    guard position + header + aligned <= end else {
                        return "global heap object \(index) at \(position) runs past its collection"
                    }
                    objects[index] = Int(objectSize)
                    position += header + aligned
                }
            }
            collections[UInt64(start - layout.base)] = objects
        }
        // Descriptors: a 4-byte length, the collection's address, a 4-byte object index. The
        // address's bytes also turn up elsewhere; a descriptor libhdf5 would follow has a length
        // between 1 and the collection's size (an 8-byte field of a small value elsewhere has
        // zero high bytes where a descriptor has its length) and an index near the ones in use.
        // An index far out of range can still slip through: this narrows libhdf5's hole, it
        // cannot close it.
        for (address, objects) in collections {
            var pattern: [UInt8] = []
            for byte in 0..<offsetSize { pattern.append(UInt8(truncatingIfNeeded: address >> (8 * UInt64(byte)))) }
            let collectionSize = read(bytes, layout.base + Int(address) + 8, lengthSize)
            for at in occurrences(of: pattern, in: bytes) where at >= 4 && at + offsetSize + 4 <= bytes.count {
                let length = read(bytes, at - 4, 4), index = Int(read(bytes, at + offsetSize, 4))
                if let size = objects[index] {
                    // libhdf5 allocates the descriptor's length and copies the object's size.
                    guard length == 0 || UInt64(size) == length else {
                        return "a variable-length value of \(length) bytes points to a global heap object of \(size) bytes"
                    }
                } else if length >= 1, length <= collectionSize, index <= (objects.keys.max() ?? 0) + 64 {
                    return "a variable-length value names global heap object \(index), which its collection does not hold"
                }
            }
        }
        return nil
    }

    struct Layout {
        var base: Int
        var offsetSize: Int
        var lengthSize: Int
    }

    /// Where the superblock is (0, 512, 1024, ...) and its sizes of offsets and lengths.
    static func superblock(_ bytes: UnsafeRawBufferPointer) -> Layout? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset = 0
        while offset + 16 <= bytes.count {
            if (0..<8).allSatisfy({ bytes[offset + $0] == signature[$0] }) {
                let version = bytes[offset + 8]
                let sizes = version < 2 ? (Int(bytes[offset + 13]), Int(bytes[offset + 14])) : (Int(bytes[offset + 9]), Int(bytes[offset + 10]))
                guard [2, 4, 8].contains(sizes.0), [2, 4, 8].contains(sizes.1) else { return nil }
                return Layout(base: offset, offsetSize: sizes.0, lengthSize: sizes.1)
            }
            offset = offset == 0 ? 512 : offset * 2
        }
        return nil
    }

    static func read(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for byte in 0..<size { value |= UInt64(bytes[at + byte]) << (8 * UInt64(byte)) }
        return value
    }

    static func occurrences(of pattern: [UInt8], in bytes: UnsafeRawBufferPointer) -> [Int] {
        guard let base = bytes.baseAddress, bytes.count >= pattern.count, let first = pattern.first else { return [] }
        var found: [Int] = []
        var position = 0
        while position <= bytes.count - pattern.count {
            guard let hit = memchr(base + position, Int32(first), bytes.count - pattern.count + 1 - position) else { break }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, pattern, pattern.count) == 0 { found.append(at) }
            position = at + 1
        }
        return found
    }
}
