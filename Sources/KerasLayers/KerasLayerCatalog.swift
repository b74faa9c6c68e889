import HDF5
import ReplayEngine
import KerasCheckpoint

/// Every Keras layer family keras-replay reads and replays, by class name.
public struct KerasLayerCatalog: LayerCatalog {
    /// The adapters of every layer family keras-replay knows. A new family is added here.
    public static let standard = KerasLayerCatalog(adapters: [
        InputLayerAdapter(),
        DenseAdapter(),
        ActivationAdapter(),
        RecurrentAdapter(),
        RNNAdapter(),
        ConvLSTMAdapter(),
        BidirectionalAdapter(),
        TimeDistributedAdapter(),
        EmbeddingAdapter(),
        MaskingAdapter(),
        ConvolutionAdapter(),
        PoolingAdapter(),
        AdaptivePoolingAdapter(),
        GlobalPoolingAdapter(),
        ZeroPaddingAdapter(),
        CroppingAdapter(),
        UpSamplingAdapter(),
        BatchNormalizationAdapter(),
        LayerNormalizationAdapter(),
        MergeAdapter(),
        FlattenAdapter(),
        ReshapeAdapter(),
        PermuteAdapter(),
        RepeatVectorAdapter(),
        InferenceIdentityAdapter(),
        NotEqualAdapter(),
        AnyAdapter(),
        PythonCodeAdapter(),
        RectifierAdapter(),
        ELUAdapter(),
        PReLUAdapter(),
        SoftmaxAdapter(),
        RMSNormalizationAdapter(),
        GroupNormalizationAdapter(),
        UnitNormalizationAdapter(),
        FeatureNormalizationAdapter(),
        RescalingAdapter(),
        EinsumDenseAdapter(),
        DotAdapter(),
        ScoreAttentionAdapter(),
        MultiHeadAttentionAdapter(),
        NestedModelAdapter(),
        Keras1MergeAdapter(),
        KerasOperationAdapter(),
        TFOpLambdaAdapter(),
    ])

    private let adapters: [String: any LayerAdapter]

    /// - Precondition: no two adapters claim one class name.
    public init(adapters list: [any LayerAdapter]) {
        var adapters: [String: any LayerAdapter] = [:]
        for adapter in list {
            for name in adapter.classNames {
                precondition(adapters[name] == nil, "two adapters claim the Keras class \(name)")
                adapters[name] = adapter
            }
        }
        self.adapters = adapters
    }

    public func reading(_ className: String) -> (any LayerReading)? { adapters[className] }

    public func adapter(_ className: String) -> (any LayerAdapter)? { adapters[className] }

    /// Every class name known, sorted.
    public var classNames: [String] { adapters.keys.sorted() }
}

extension KerasCheckpoint {
    /// Opens the checkpoint at `path` with every layer family keras-replay knows
    /// (`KerasLayerCatalog.standard`); see `init(path:limits:architecture:catalog:)`.
    public convenience init(path: String, limits: ReadLimits = .standard, architecture: Architecture? = nil) throws {
        try self.init(path: path, limits: limits, architecture: architecture, catalog: KerasLayerCatalog.standard)
    }
}

