import Foundation
import NumPyFiles
import SampleCatalog
import Testing

@Suite("keras-replay gates")
struct GatesCommandTests {
    static let sample = SampleCatalog.sample("keras3", "seed_autoencoder_small")!

    func run(_ arguments: [String]) throws -> KerasReplayCLI.Result {
        try KerasReplayCLI.run(["gates", Self.sample.checkpointPath, "--input", Self.sample.path("input.npy")] + arguments)
    }

    @Test("without --layer it lists the recurrent layers and exits 1")
    func listsLayers() throws {
        let result = try run([])
        #expect(result.status == 1)
        #expect(result.standardError.contains("encoder_lstm (Bidirectional(LSTM))"))
        #expect(result.standardError.contains("decoder_lstm"))
    }

    @Test("--output G.npz holds forward_ and backward_ gates matching the float64 NumPy reference")
    func npz() throws {
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("g.npz").path
        let result = try run(["--layer", "encoder_lstm", "--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        let ours = try NumPyFile.readArchive(output)
        let reference = try NumPyFile.readArchive(Self.sample.path("gates_encoder_lstm.npz"))
        #expect(ours.map(\.name) == reference.map(\.name))
        for ((name, array), (_, wanted)) in zip(ours, reference) {
            #expect(array.shape == wanted.shape, "\(name)")
            // The input holds integers up to 89: float32 rounding of x·W stays under 1e-6 x 89.
            #expect(zip(array.scalars, wanted.scalars).allSatisfy { abs($0 - $1) <= 89e-6 }, "\(name)")
        }
    }

    @Test("--format csv writes one row per sample, timestep, direction, gate and unit")
    func csv() throws {
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("g.csv").path
        let result = try run(["--layer", "encoder_lstm", "--output", output, "--format", "csv"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "sample,timestep,direction,gate,unit,value")
        // 4 samples x 8 timesteps x 4 units x 6 quantities x 2 directions.
        #expect(lines.count == 1 + 4 * 8 * 4 * 6 * 2)
        #expect(lines.contains { $0.hasPrefix("0,7,backward,forget_gate,3,") })
    }

    @Test("--show draws one heatmap per gate and direction; --plot writes an SVG figure")
    func pictures() throws {
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plot = folder.appendingPathComponent("g.svg").path
        let result = try run(["--layer", "encoder_lstm", "--show", "--sample", "1", "--plot", plot])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardOutput.contains("\u{1B}["), "no colour codes when stdout is not a terminal")
        for panel in ["forward · input gate", "backward · forget gate", "forward · cell", "backward · hidden"] {
            #expect(result.standardOutput.contains(panel), "\(panel)")
        }
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "class=\"panel\"").count - 1 == 12)
    }

    @Test("a sample outside the batch is refused with one line")
    func badSample() throws {
        let result = try run(["--layer", "encoder_lstm", "--show", "--sample", "99"])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1)
    }
}
