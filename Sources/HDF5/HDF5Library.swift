import CHDF5
import Foundation

/// The one lock around libhdf5. Debian's libhdf5 is built without thread safety, so every
/// call into it, from any thread, goes through here. Recursive, because public operations
/// compose (opening a group reads its attributes).
let libraryLock = NSRecursiveLock()

/// Runs `body` holding the libhdf5 lock. libhdf5's own error printing is switched off on first use.
@inline(__always)
func withLibrary<T>(_ body: () throws -> T) rethrows -> T {
    libraryLock.lock()
    libraryDepth += 1
    defer {
        libraryDepth -= 1
        libraryLock.unlock()
    }
    _ = silenced
    return try body()
}

/// Initialised once (Swift globals are lazy and thread-safe): opens the library and stops it
/// from printing error stacks on stderr.
private let silenced: Bool = {
    H5open()
    chdf5_silence_errors()
    return true
}()

/// An error from libhdf5 or from checking what a file declares.
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the error is about.
    public var file: String
    /// The object inside the file (`/model_weights/lstm_1`), when there is one.
    public var object: String?
    public var message: String

    public init(file: String, object: String? = nil, message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String {
        if let object { return "\(file): \(object): \(message)" }
        return "\(file): \(message)"
    }
}

/// Takes libhdf5's error stack (and clears it) as one short line.
func takeLibraryErrorMessage() -> String {
    var buffer = [CChar](repeating: 0, count: 512)
    buffer.withUnsafeMutableBufferPointer { chdf5_take_error_message($0.baseAddress, $0.count) }
    let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return message.isEmpty ? "libhdf5 reported an error" : message
}

/// Limits checked against what a file declares, before anything is allocated.
public struct ReadLimits: Sendable, Equatable {
    /// Largest number of elements one dataset may declare.
    public var maxDatasetElements: Int
    /// Largest number of bytes one attribute may declare.
    public var maxAttributeBytes: Int

    public init(maxDatasetElements: Int = 1 << 28, maxAttributeBytes: Int = 64 << 20) {
        self.maxDatasetElements = maxDatasetElements
        self.maxAttributeBytes = maxAttributeBytes
    }

    /// 2^28 elements (1 GiB of float32) per dataset, 64 MiB per attribute: far under 24 GiB.
    public static let standard = ReadLimits()
}
