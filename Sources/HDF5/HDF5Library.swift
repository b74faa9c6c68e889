import CHDF5
import Foundation

/// The one lock around libhdf5. libhdf5 is thread-safe only when built so (Debian 12's is,
/// many others are not), so every call into it, from any thread, goes through here; the fault
/// containment and the data limit (`FaultContainment.swift`) also rely on one call at a time.
/// Recursive, because public operations compose (opening a group reads its attributes).
let libraryLock = NSRecursiveLock()

/// Runs `body` holding the libhdf5 lock, with libhdf5's own error printing switched off.
@inline(__always)
func withLibrary<T>(_ body: () throws -> T) rethrows -> T {
    libraryLock.lock()
    libraryDepth += 1
    defer {
        libraryDepth -= 1
        libraryLock.unlock()
    }
    _ = opened
    // Debian builds libhdf5 thread-safe, which keeps the error-printing switch per thread: a
    // thread's first call would print error stacks on stderr unless switched off on that thread.
    if libraryDepth == 1 { chdf5_silence_errors() }
    return try body()
}

/// Initialised once (Swift globals are lazy and thread-safe).
private let opened: Bool = {
    H5open()
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
    /// Largest number of elements one tensor of a replay may hold (a config saying
    /// `RepeatVector(n=1e9)` declares a layer output no weight bounds).
    public var maxTensorElements: Int

    public init(maxDatasetElements: Int = 1 << 28, maxAttributeBytes: Int = 64 << 20, maxTensorElements: Int = 1 << 30) {
        self.maxDatasetElements = maxDatasetElements
        self.maxAttributeBytes = maxAttributeBytes
        self.maxTensorElements = maxTensorElements
    }

    /// 2^28 elements (1 GiB of float32) per dataset, 64 MiB per attribute, 2^30 elements (4 GiB
    /// of float32) per replayed tensor: far under 24 GiB.
    public static let standard = ReadLimits()
}
