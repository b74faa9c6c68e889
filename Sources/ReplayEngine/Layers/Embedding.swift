/// Looks up a vector per integer id (Keras `Embedding`).
///
/// `ids (batch, ...) → embeddings[ids] (batch, ..., dim)`, ids given as floats holding integers.
/// With `maskZero` the output mask is `ids != 0` (Keras `mask_zero`).
public final class Embedding: Layer {
    public let name: String
    public var kindName: String { "Embedding" }
    public let vocabularySize: Int
    public let dimension: Int
    public let maskZero: Bool
    let embeddings: [Float]

    public init(name: String, embeddings: Tensor, maskZero: Bool = false) throws {
        self.name = name
        guard embeddings.rank == 2 else {
            throw EngineError(layer: name, kind: "Embedding", message: "expected embeddings (input_dim, output_dim), found \(embeddings.shapeDescription)")
        }
        vocabularySize = embeddings.shape[0]
        dimension = embeddings.shape[1]
        self.maskZero = maskZero
        self.embeddings = embeddings.scalars
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let ids = try single(inputs)
        var out = [Float](repeating: 0, count: ids.count * dimension)
        for (position, value) in ids.scalars.enumerated() {
            // Keras casts ids to int32 (truncation toward zero).
            guard value.isFinite, let id = Int(exactly: value.rounded(.towardZero)), id >= 0, id < vocabularySize else {
                let shown = value.isFinite && value == value.rounded() && abs(value) < 9.3e18 ? String(Int64(value)) : "\(value)"
                throw error("expected ids in 0..<\(vocabularySize), found \(shown) at flat position \(position)")
            }
            for j in 0..<dimension { out[position * dimension + j] = embeddings[id * dimension + j] }
        }
        let mask = maskZero ? Tensor(shape: ids.shape, scalars: ids.scalars.map { $0.rounded(.towardZero) != 0 ? 1 : 0 }) : nil
        return LayerOutput(Tensor(shape: ids.shape + [dimension], scalars: out), mask: mask)
    }
}
