/// A guard in front of libhdf5's group lookups. An old-style group (a symbol table, as h5py and
/// Keras write them) keeps its member names in a local heap; libhdf5 1.10 sizes its buffers from
/// the heap's recorded data-segment size and walks its free list with too few checks, so a damaged
/// size (2^64 - 1 in a fuzzed file) corrupts the process heap before any error is returned.
///
/// So before anything is looked up in a group, its header's symbol-table message is found (as
/// `GlobalHeapCheck` walks headers) and its local heap checked where libhdf5 will read it: the
/// `HEAP` signature, a data segment inside the file, and a free list whose blocks lie inside the
/// segment and end. A group without a symbol table (link messages, new-style) has no local heap.
enum LocalHeapCheck {
    /// What is wrong with the local heap of the group whose object header is at `headerAddress`,
    /// or nil when it is sound (or the group keeps its links another way).
    static func problem(groupHeaderAddress headerAddress: UInt64, bytes: FileBytes) -> String? {
        typealias Check = GlobalHeapCheck
        guard let layout = Check.superblock(bytes) else { return nil }
        let offsetSize = layout.offsetSize, lengthSize = layout.lengthSize
        guard let table = Check.headerMessage(headerAddress: headerAddress, layout: layout, bytes: bytes, { type, message in
            type == 0x11 ? message : nil
        }) else { return nil }
        guard table.count >= 2 * offsetSize else { return "the group's symbol table message is truncated" }
        let heapAddress = Check.read(table, offsetSize, offsetSize)
        let headerSize = 8 + 2 * lengthSize + offsetSize
        guard let start = Check.fileOffset(heapAddress, layout), let head = bytes.read(start, headerSize),
              Array(head[0..<4]) == Array("HEAP".utf8) else {
            return "the group's local heap (address \(heapAddress)) is missing"
        }
        let size = Check.read(head, 8, lengthSize), freeList = Check.read(head, 8 + lengthSize, lengthSize)
        let dataAddress = Check.read(head, 8 + 2 * lengthSize, offsetSize)
        guard size <= UInt64(bytes.size), let dataStart = Check.fileOffset(dataAddress, layout),
              dataStart <= bytes.size - Int(size) else {
            return "the group's local heap claims \(size) bytes at address \(dataAddress), beyond the file's \(bytes.size) bytes"
        }
        // The free list ends at libhdf5's H5HL_FREE_NULL (1) or the undefined address.
        let undefined: UInt64 = lengthSize == 8 ? .max : (1 << UInt64(8 * lengthSize)) - 1
        var offset = freeList, blocks = 0
        let record = UInt64(2 * lengthSize)
        while offset != 1 && offset != undefined {
            blocks += 1
            guard offset < size, size - offset >= record, blocks <= Int(size / record) + 1,
                  let block = bytes.read(dataStart + Int(offset), Int(record)) else {
                return "the group's local heap has a damaged free list (a block at offset \(offset) of \(size))"
            }
            let next = Check.read(block, 0, lengthSize), blockSize = Check.read(block, lengthSize, lengthSize)
            // libhdf5 refuses a next offset of 0 and a block running past the segment itself; a
            // block of size 0 it accepts, and so does this check.
            guard next != 0, blockSize <= size - offset else {
                return "the group's local heap has a damaged free list (a block of \(blockSize) bytes at offset \(offset) of \(size))"
            }
            offset = next
        }
        return nil
    }
}
