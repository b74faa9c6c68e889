import Foundation
import HDF5

/// One starting point: a checkpoint, the arguments `predict` needs, and what it is.
struct Seed {
    enum Format: String { case hdf5, keras }

    /// Path of the checkpoint.
    var checkpoint: String
    /// `predict` inputs as (name or nil, path).
    var inputs: [(name: String?, path: String)]
    /// `--config` for weights-only files.
    var config: String?
    var format: Format
    /// From SampleCheckpoints/fuzz-corpus (already hostile: also run unmutated).
    var structured: Bool
    /// The original bytes, and strings worth corrupting in them (layer names, config fragments).
    var bytes: [UInt8]
    var names: [String]

    var label: String {
        URL(fileURLWithPath: checkpoint).deletingLastPathComponent().lastPathComponent + "/" + URL(fileURLWithPath: checkpoint).lastPathComponent
    }
}

enum SeedCatalog {
    /// Checkpoints bigger than this are left out, to keep each child run cheap.
    static let maxCheckpointBytes = 80_000
    static let generations = ["keras1.2.2", "keras2.2.4", "keras3", "tf-keras"]

    static func load(samples: String) throws -> [Seed] {
        let fm = FileManager.default
        var seeds: [Seed] = []
        func add(_ checkpoint: String, inputs: [(String?, String)], config: String? = nil, structured: Bool) {
            guard let data = fm.contents(atPath: checkpoint), data.count <= maxCheckpointBytes else { return }
            let format: Seed.Format = data.starts(with: [0x50, 0x4B, 0x03, 0x04]) ? .keras : .hdf5
            seeds.append(Seed(checkpoint: checkpoint, inputs: inputs.map { (name: $0.0, path: $0.1) }, config: config, format: format,
                              structured: structured, bytes: [UInt8](data), names: format == .keras ? [] : structured ? ["lstm", "dense", "kernel", "bias", "in_a"] : interestingNames(checkpoint)))
        }
        for generation in generations {
            let folder = (samples as NSString).appendingPathComponent(generation)
            for model in ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted() {
                let directory = (folder as NSString).appendingPathComponent(model)
                let files = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
                var inputs: [(String?, String)] = []
                if files.contains("input.npy") {
                    inputs = [(nil, (directory as NSString).appendingPathComponent("input.npy"))]
                } else {
                    for file in files where file.hasPrefix("input_") && file.hasSuffix(".npy") {
                        inputs.append((String(file.dropFirst(6).dropLast(4)), (directory as NSString).appendingPathComponent(file)))
                    }
                }
                let json = files.contains("model.json") ? (directory as NSString).appendingPathComponent("model.json") : nil
                for file in ["model.h5", "model.keras"] where files.contains(file) {
                    add((directory as NSString).appendingPathComponent(file), inputs: inputs, structured: false)
                }
                for file in ["model.weights.h5", "weights.h5"] where files.contains(file) && json != nil {
                    add((directory as NSString).appendingPathComponent(file), inputs: inputs, config: json, structured: false)
                }
            }
        }
        let bad = (samples as NSString).appendingPathComponent("bad")
        let lstmInput = (samples as NSString).appendingPathComponent("keras3/seed_lstm8_tanh_sigmoid/input.npy")
        for file in ((try? fm.contentsOfDirectory(atPath: bad)) ?? []).sorted() {
            add((bad as NSString).appendingPathComponent(file), inputs: [(nil, lstmInput)], structured: true)
        }
        // The hostile-structure corpus (files built one idea at a time): structured seeds too.
        let hostile = (samples as NSString).appendingPathComponent("hostile-structures")
        for file in ((try? fm.contentsOfDirectory(atPath: hostile)) ?? []).sorted() where file.hasSuffix(".h5") || file.hasSuffix(".keras") {
            add((hostile as NSString).appendingPathComponent(file), inputs: [(nil, lstmInput)], structured: true)
        }
        let corpus = (samples as NSString).appendingPathComponent("fuzz-corpus")
        if let manifest = fm.contents(atPath: (corpus as NSString).appendingPathComponent("manifest.json")),
           let entries = try JSONSerialization.jsonObject(with: manifest) as? [[String: Any]] {
            for entry in entries {
                guard let file = entry["file"] as? String else { continue }
                let inputs: [(String?, String)] = ((entry["inputs"] as? [String]) ?? []).map { argument in
                    if let separator = argument.firstIndex(of: "=") {
                        return (String(argument[..<separator]), (corpus as NSString).appendingPathComponent(String(argument[argument.index(after: separator)...])))
                    }
                    return (nil, (corpus as NSString).appendingPathComponent(argument))
                }
                let config = (entry["config"] as? String).map { (corpus as NSString).appendingPathComponent($0) }
                add((corpus as NSString).appendingPathComponent(file), inputs: inputs, config: config, structured: true)
            }
        }
        return seeds
    }

    /// Layer names and weight names the file declares (read through the HDF5 module), so that
    /// mutations can find their bytes and corrupt them.
    static func interestingNames(_ path: String) -> [String] {
        guard let file = try? HDF5File(path: path), let root = try? file.root() else { return [] }
        var names: [String] = []
        let holder = root.contains("model_weights") ? (try? root.group("model_weights")) : root
        if let layers = try? holder?.attribute("layer_names").stringArray {
            names += layers
            for layer in layers.prefix(8) {
                if let weights = try? holder?.group(layer).attribute("weight_names").stringArray { names += weights }
            }
        }
        return names.filter { $0.utf8.count >= 3 }
    }
}
