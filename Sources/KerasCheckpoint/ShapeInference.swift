/// Output shapes worked out from configs alone (no weight data), as Keras reports them: `nil`
/// for the batch dimension unless the model fixes it. Each layer's own rule comes from the
/// catalog; this walks the graph.
public enum ShapeInference {
    /// Output shapes of every layer of `model` (a list per layer: several for `return_state`
    /// or `merge_mode=None`). Layers whose shape cannot be worked out are left out.
    /// - Throws: `LayerError` when a config cannot be right (zero strides, sizes that overflow).
    public static func outputShapes(of model: ModelDescription, version: KerasVersion?, catalog: any LayerCatalog) throws -> [String: [TensorShape]] {
        var shapes: [String: [TensorShape]] = [:]
        for layer in model.layers {
            guard let reading = catalog.reading(layer.className) else { continue }
            let context = LayerContext(version: version, catalog: catalog, layer: layer)
            let inputs: [TensorShape]?
            if layer.className == "InputLayer" {
                inputs = []
            } else if let node = layer.inboundNodes.first {
                let tensors = try reading.callArguments(node, of: layer, in: context).compactMap { argument -> TensorReference? in
                    if case .tensor(let reference) = argument { return reference }
                    return nil
                }
                let resolved = tensors.compactMap { reference in shapes[reference.layer]?[safe: reference.tensor] }
                inputs = resolved.count == tensors.count ? resolved : nil
            } else {
                inputs = nil
            }
            guard let inputs else { continue }
            if let outputs = try reading.outputShapes(of: layer, inputs: inputs, in: context) {
                for shape in outputs { try checkSize(shape, context) }
                shapes[layer.name] = outputs
            }
        }
        return shapes
    }

    /// More elements than this in one sample of one tensor is not a model anyone replays; it is a
    /// hostile config (a Flatten after `batch_shape` [null, 1e14, 1e14] would overflow).
    public static let maxElementsPerSample = 1 << 40

    static func checkSize(_ shape: TensorShape, _ context: LayerContext) throws {
        var product = 1
        for dimension in shape.dropFirst() {
            guard let dimension else { continue }
            guard dimension >= 0 else { throw context.fail("output shape \(formatShape(shape)) has a negative dimension") }
            let (next, overflow) = product.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow, next <= maxElementsPerSample else {
                throw context.fail("output shape \(formatShape(shape)) holds more than 2^40 values per sample")
            }
            product = next
        }
    }

    /// The input shape an InputLayer (or a Keras 1/2 first layer) declares, batch included.
    public static func declaredInputShape(_ config: JSONValue) -> TensorShape? {
        if let shape = config["batch_input_shape"]?.shape ?? config["batch_shape"]?.shape { return shape }
        if let shape = config["shape"]?.shape { return [nil] + shape }
        return nil
    }
}

extension Array {
    public subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// `(100, 80)`, `(80,)`, `()`: shapes as NumPy prints them.
public func formatShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// Shapes with unknown dimensions: `(None, 45, 100)`.
public func formatShape(_ shape: [Int?]) -> String {
    let parts = shape.map { $0.map(String.init) ?? "None" }
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}
