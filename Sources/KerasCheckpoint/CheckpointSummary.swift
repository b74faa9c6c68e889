import HDF5

/// Everything `inspect` shows, built from metadata alone (no weight data is read).
public struct CheckpointSummary: Sendable, Encodable {
    public struct Weight: Sendable, Encodable {
        /// As stored in `weight_names` (Keras 1's per-gate arrays: the first of them).
        public var name: String
        public var role: String
        /// The cell of a stacked RNN, or the layer inside a nested model, the weight belongs to.
        public var sublayer: String?
        public var direction: String?
        public var dtype: String
        public var shape: [Int]
        /// `100 inputs x 4 gates x 20 units`.
        public var meaning: String?
        public var gates: [GateColumns]
        public var storedAs: [String]
        /// NaN and infinite values, counted only when the data was scanned (`inspect --scan`).
        public var nanCount: Int?
        public var infinityCount: Int?

        enum CodingKeys: String, CodingKey {
            case name, role, sublayer, direction, dtype, shape, meaning, gates, storedAs = "stored_as", nanCount = "nan_count", infinityCount = "inf_count"
        }
    }

    public struct GateColumns: Sendable, Encodable {
        public var gate: String
        public var start: Int
        public var end: Int
    }

    public struct Layer: Sendable, Encodable {
        public var name: String
        public var className: String?
        public var outputShapes: [[Int?]]?
        public var activations: [String: String]
        /// Units, return_sequences, stateful, merge_mode ... as configured (JSON values as written).
        public var settings: [String: JSONValue]
        /// Facts worth a line of their own (e.g. a call saved with `training: true`).
        public var notes: [String]
        /// What its calls read, as Keras' `summary()` prints it: `encoder_lstm[0][0]` (one entry
        /// per tensor of each call; empty for input layers and files without an architecture).
        public var connectedTo: [String]
        public var parameters: Int
        public var weights: [Weight]

        enum CodingKeys: String, CodingKey {
            case name, className = "class_name", outputShapes = "output_shapes", activations, settings, notes
            case connectedTo = "connected_to", parameters, weights
        }
    }

    public var file: String
    public var format: String
    public var kerasVersion: String?
    public var generation: String?
    public var backend: String?
    public var modelClass: String?
    public var modelName: String?
    public var inputs: [String]
    public var outputs: [String]
    public var layers: [Layer]
    public var totalParameters: Int
    public var hardSigmoid: String?
    public var stringEncodings: [String: String]
    public var chunkedAttributes: [String]
    /// What `--scan` read: arrays, values, and how many were NaN or infinite (nil without a scan).
    public var scanned: Scan?

    public struct Scan: Sendable, Encodable {
        public var arrays: Int
        public var values: Int
        public var nanCount: Int
        public var infinityCount: Int
        enum CodingKeys: String, CodingKey { case arrays, values, nanCount = "nan_count", infinityCount = "inf_count" }
    }

    enum CodingKeys: String, CodingKey {
        case file, format, kerasVersion = "keras_version", generation, backend, modelClass = "model_class", modelName = "model_name"
        case inputs, outputs, layers, totalParameters = "total_parameters", hardSigmoid = "hard_sigmoid"
        case stringEncodings = "string_encodings", chunkedAttributes = "chunked_attributes", scanned
    }

    /// - Parameter scanningData: also read every weight and count NaN and infinite values
    ///   (otherwise only metadata is read).
    public init(_ checkpoint: KerasCheckpoint, scanningData: Bool = false) throws {
        let version = checkpoint.kerasVersion
        file = checkpoint.path
        format = checkpoint.format.rawValue
        kerasVersion = version?.text
        generation = version?.generation.rawValue
        backend = version?.backend
        modelClass = checkpoint.model?.className
        modelName = checkpoint.model?.name
        inputs = checkpoint.model?.inputs.map(\.description) ?? []
        outputs = checkpoint.model?.outputs.map(\.description) ?? []
        totalParameters = checkpoint.parameterCount
        hardSigmoid = version.map { $0.usesKeras3HardSigmoid ? "clip(x/6 + 0.5, 0, 1) (Keras 3)" : "clip(0.2x + 0.5, 0, 1) (Keras 1/2, tf-keras)" }
        stringEncodings = checkpoint.stringEncodings.mapValues(\.rawValue)
        chunkedAttributes = checkpoint.chunkedAttributes

        var layers: [Layer] = []
        var scan = Scan(arrays: 0, values: 0, nanCount: 0, infinityCount: 0)
        let weightsByLayer = Dictionary(checkpoint.layers.map { ($0.layerName, $0) }, uniquingKeysWith: { first, _ in first })
        let described = checkpoint.model?.layers.map(\.name) ?? checkpoint.layers.map(\.layerName)
        for name in described {
            let description = checkpoint.model?.layer(named: name)
            let stored = weightsByLayer[name]
            var weights: [Weight] = []
            for bound in stored?.bound ?? [] {
                var weight = Self.weight(bound)
                if scanningData {
                    let values = try checkpoint.tensorData(for: bound)
                    weight.nanCount = values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
                    weight.infinityCount = values.reduce(0) { $0 + ($1.isInfinite ? 1 : 0) }
                    scan.arrays += 1
                    scan.values += values.count
                    scan.nanCount += weight.nanCount!
                    scan.infinityCount += weight.infinityCount!
                }
                weights.append(weight)
            }
            let details = checkpoint.layerDetails[name] ?? LayerDetails()
            var activations: [String: String] = [:]
            for (key, value) in details.activations { activations[key] = value }
            layers.append(Layer(name: name, className: description?.className ?? stored?.className,
                                outputShapes: checkpoint.outputShapes[name], activations: activations,
                                settings: details.settings, notes: details.notes,
                                connectedTo: description.map(Self.connections) ?? [],
                                parameters: stored?.parameterCount ?? 0, weights: weights))
        }
        self.layers = layers
        scanned = scanningData ? scan : nil
    }

    /// `layer[node][tensor]` for every tensor each call of `layer` reads (positional, then by keyword).
    static func connections(_ layer: LayerDescription) -> [String] {
        layer.inboundNodes.flatMap { node in
            (node.tensorArguments + node.keywordTensors.keys.sorted().map { node.keywordTensors[$0]! }).map {
                "\($0.layer)[\($0.node)][\($0.tensor)]"
            }
        }
    }

    static func weight(_ weight: BoundWeight) -> Weight {
        Weight(name: weight.sources[0].storedName, role: "\(weight.role)", sublayer: weight.sublayer, direction: weight.direction?.rawValue,
               dtype: weight.elementType.description, shape: weight.shape, meaning: weight.meaning,
               gates: weight.gates.map { GateColumns(gate: $0.gate.rawValue, start: $0.columns.lowerBound, end: $0.columns.upperBound) },
               storedAs: weight.sources.map(\.storedName))
    }
}
