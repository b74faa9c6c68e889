#if canImport(Glibc)
import Glibc
#endif

/// Allocator settings for a program that calls `ReplayModel.predict` many times.
public enum ProcessMemory {
    /// glibc hands freed blocks over 128 KiB straight back to the kernel, so every predict call's
    /// layer outputs are fresh pages to fault in and zero again: 15-22 % of the seed
    /// autoencoder's time at batch 32 and 256 here. This keeps freed memory for reuse instead
    /// (`mallopt`: mmap threshold 32 MiB, its maximum; trim threshold 512 MiB), as onnxruntime
    /// keeps its own arena. Process-wide, so the library never does it by itself; `keras-replay
    /// predict` and `bench` do. Returns whether the allocator took both settings (glibc's does;
    /// AddressSanitizer's, for one, does not).
    @discardableResult
    public static func keepFreedMemoryForReuse() -> Bool {
        #if os(Linux)
        let mmap = glibcMallopt(-3, 32 << 20)   // M_MMAP_THRESHOLD
        let trim = glibcMallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
        return mmap == 1 && trim == 1
        #else
        return false
        #endif
    }
}

#if os(Linux)
/// glibc's `mallopt` (<malloc.h> is not in Swift's Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
