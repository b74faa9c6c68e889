/// Max or average pooling over time (Keras `MaxPooling1D` / `AveragePooling1D`, channels last).
///
/// `(batch, steps, channels) → (batch, outSteps, channels)`; window `poolSize`, step `strides`.
/// `valid`: `outSteps = (steps - poolSize)/strides + 1`. `same`: `outSteps = ceil(steps/strides)`,
/// padding split floor left / rest right; padded positions are ignored — max over the real
/// values, and the average divides by the number of real values (TensorFlow's avg_pool). Drops the mask.
public final class Pooling1D: Layer {
    public enum Kind: Sendable { case max, average }
    public enum Padding: String, Sendable { case valid, same }

    public let name: String
    public let kind: Kind
    public let poolSize: Int
    public let strides: Int
    public let padding: Padding
    public var kindName: String { kind == .max ? "MaxPooling1D" : "AveragePooling1D" }

    public init(name: String, kind: Kind, poolSize: Int, strides: Int? = nil, padding: Padding = .valid) {
        self.name = name
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank == 3 else { throw error("expected input (batch, steps, channels), found \(x.shapeDescription)") }
        guard poolSize >= 1, strides >= 1 else { throw error("expected pool_size and strides ≥ 1, found \(poolSize), \(strides)") }
        let batch = x.shape[0], steps = x.shape[1], channels = x.shape[2]
        let outSteps: Int, padLeft: Int
        switch padding {
        case .valid:
            outSteps = steps >= poolSize ? (steps - poolSize) / strides + 1 : 0
            padLeft = 0
        case .same:
            outSteps = (steps + strides - 1) / strides
            padLeft = max((outSteps - 1) * strides + poolSize - steps, 0) / 2
        }
        guard outSteps > 0 else { throw error("input of \(steps) steps is shorter than pool_size \(poolSize)") }
        var out = [Float](repeating: 0, count: batch * outSteps * channels)
        for b in 0..<batch {
            for t in 0..<outSteps {
                let start = max(t * strides - padLeft, 0), end = min(t * strides - padLeft + poolSize, steps)
                for c in 0..<channels {
                    var value: Float = kind == .max ? -.infinity : 0
                    for s in start..<end {
                        let v = x.scalars[(b * steps + s) * channels + c]
                        value = kind == .max ? max(value, v) : value + v
                    }
                    out[(b * outSteps + t) * channels + c] = kind == .max ? value : value / Float(end - start)
                }
            }
        }
        return LayerOutput(Tensor(shape: [batch, outSteps, channels], scalars: out))
    }
}

/// Max or average over all timesteps (Keras `GlobalMaxPooling1D` / `GlobalAveragePooling1D`).
///
/// `(batch, steps, channels) → (batch, channels)` (or `(batch, 1, channels)` with `keepdims`).
/// With a mask the average is `Σ x·mask / Σ mask` over the kept steps (Keras); max ignores the mask,
/// as Keras does. The output has no mask.
public final class GlobalPooling1D: Layer {
    public enum Kind: Sendable { case max, average }

    public let name: String
    public let kind: Kind
    public let keepdims: Bool
    public var kindName: String { kind == .max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D" }

    public init(name: String, kind: Kind, keepdims: Bool = false) {
        self.name = name
        self.kind = kind
        self.keepdims = keepdims
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank == 3 else { throw error("expected input (batch, steps, channels), found \(x.shapeDescription)") }
        let batch = x.shape[0], steps = x.shape[1], channels = x.shape[2]
        let mask = kind == .average ? (masks.first ?? nil) : nil
        if let mask, mask.shape != [batch, steps] { throw error("expected mask (\(batch), \(steps)), found \(mask.shapeDescription)") }
        var out = [Float](repeating: 0, count: batch * channels)
        for b in 0..<batch {
            var kept: Float = 0
            if let mask { for s in 0..<steps { kept += mask.scalars[b * steps + s] } }
            for c in 0..<channels {
                var value: Float = kind == .max ? -.infinity : 0
                for s in 0..<steps {
                    let v = x.scalars[(b * steps + s) * channels + c]
                    switch kind {
                    case .max: value = max(value, v)
                    case .average: value += mask.map { v * $0.scalars[b * steps + s] } ?? v
                    }
                }
                out[b * channels + c] = kind == .max ? value : value / (mask == nil ? Float(steps) : kept)
            }
        }
        return LayerOutput(Tensor(shape: keepdims ? [batch, 1, channels] : [batch, channels], scalars: out))
    }
}
