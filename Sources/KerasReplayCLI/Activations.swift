import ArgumentParser
import Foundation
import KerasReplay
import NumPyFiles

struct Activations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the output of every layer (or the named ones) for an input, as NumPy arrays.",
        discussion: """
        What keract's get_activations gives, from the same graph run as predict: one float32 \
        array per layer output in the .npz, named after the layer ('lstm'), with ':1', ':2' for a \
        layer's further outputs (return_state, merge_mode None, return_attention_scores). Input \
        layers are left out unless named. Stateful models walk their fixed batch size, carrying \
        state, as predict does. Without --output, a short summary of each array is printed.
        """
    )

    @Argument(help: "A Keras checkpoint (.h5, .hdf5, .keras, or .weights.h5 with --config/--architecture).")
    var checkpoint: String

    @Option(name: .long, help: "An input .npy; NAME=PATH for a model with several inputs.")
    var input: [String] = []

    @Option(name: .long, help: "A layer to record (repeat for several; default: every layer).")
    var layer: [String] = []

    @Option(name: .long, help: "Where to write the arrays: an .npz file.")
    var output: String?

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let output { try OutputFile.check(output, option: "--output", formats: ["npz"]) }
        if let output { try refuseOverwriting(output, inputs: input.map(\.inputPath) + [checkpoint]) }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        ProcessMemory.keepFreedMemoryForReuse()
        try reportingFailures {
            let model = try ReplayModel(path: checkpoint, architecture: architectureOptions.load(limits: limits), limits: limits)
            let inputs = try PredictInputs.load(input, model: model)
            let result = try model.activations(inputs: inputs, layers: layer.isEmpty ? nil : layer)
            warnAboutReplay(model, checkpoint: checkpoint)
            if let output {
                try NumPyFile.writeArchive(result.arrays.map { (name: $0.name, array: NumPyArray(shape: $0.tensor.shape, scalars: $0.tensor.scalars)) }, to: output)
            } else {
                for (name, tensor) in result.arrays { emit(OutputSummary.render(name: name, tensor)) }
            }
        }
    }
}

/// Warnings about a replay that succeeded: weights holding NaN or infinity, and calls Keras
/// saved with training=True (replayed in inference mode). Printed only after a successful run,
/// so a failing run still prints exactly one line.
func warnAboutReplay(_ model: ReplayModel, checkpoint: String) {
    for weight in model.nonFiniteWeights { StandardError.write("keras-replay: warning: \(checkpoint): \(weight)") }
    if !model.trainingModeLayers.isEmpty {
        let layers = model.trainingModeLayers.map { "'\($0)'" }.joined(separator: ", ")
        StandardError.write("keras-replay: warning: \(checkpoint): layer\(model.trainingModeLayers.count == 1 ? "" : "s") \(layers) \(model.trainingModeLayers.count == 1 ? "was" : "were") saved called with training=True (Keras' predict then applies dropout/noise at random); replayed in inference mode")
    }
}
