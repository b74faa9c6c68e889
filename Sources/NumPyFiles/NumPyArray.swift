import Foundation

/// An array read from or written to a NumPy `.npy` file. Values are held as float32, the
/// precision Keras computes in; `storedType` records what the file held (`<f8`, `<i8`, ...).
public struct NumPyArray: Sendable, Equatable {
    public var shape: [Int]
    public var scalars: [Float]
    /// The NumPy type string of the file it came from (`<f4` for arrays we make).
    public var storedType: String

    public init(shape: [Int], scalars: [Float], storedType: String = "<f4") {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) values")
        self.shape = shape
        self.scalars = scalars
        self.storedType = storedType
    }

    public var count: Int { scalars.count }
}

/// A `.npy` or `.npz` that cannot be read, with the file named.
public struct NumPyError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
