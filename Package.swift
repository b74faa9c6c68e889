// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Hardware FMA rounds like TensorFlow's CPU kernels and is ~4x faster than emulating that rounding
/// in Double; it needs AVX2 + FMA (Intel Haswell, AMD Zen and later). Use it when the building
/// machine has them (a binary built so needs such a CPU to run); otherwise, or with
/// KERAS_REPLAY_PORTABLE=1, the engine emulates the same rounding and gives the same numbers.
/// With AVX-512 as well (Intel Skylake-SP, Ice Lake and later, AMD Zen 4 and later) the 16-lane
/// vectors of the multiply kernels become single 512-bit registers (3-10 % faster on the
/// recurrent zoo models; the same FMA, the same numbers): `skylake-avx512` names the common
/// AVX-512 subset of all of them.
let engineTargetCPU: String? = {
    #if os(Linux) && arch(x86_64)
    if ProcessInfo.processInfo.environment["KERAS_REPLAY_PORTABLE"] == "1" { return nil }
    guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    guard flags.contains("avx2") && flags.contains("fma") else { return nil }
    let avx512 = ["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"].allSatisfy(flags.contains)
    return avx512 ? "skylake-avx512" : "haswell"
    #else
    return nil
    #endif
}()

// Data flows one way: file (CHDF5, HDF5) → checkpoint (KerasCheckpoint, with the layer knowledge
// of KerasLayers) → model (ReplayEngine layers built by KerasLayers, assembled by KerasReplay)
// → outputs (NumPyFiles, the CLI).
let package = Package(
    name: "KerasReplay",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "KerasReplay", targets: ["KerasReplay", "KerasLayers", "KerasCheckpoint", "ReplayEngine", "HDF5", "NumPyFiles"]),
        .executable(name: "keras-replay", targets: ["KerasReplayCLI"]),
        .executable(name: "keras-replay-fuzz", targets: ["KerasReplayFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // libhdf5 itself, plus C shims for the macros Swift cannot see (H5P_DEFAULT, H5T_NATIVE_*, ...).
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // Refuses FIFOs and devices before opening them; writes outputs atomically (or directly to devices).
        .target(name: "SafeFiles"),
        // Read-only HDF5 in Swift: files, groups, attributes, datasets. Knows nothing of Keras.
        .target(name: "HDF5", dependencies: ["CHDF5", "SafeFiles"]),
        // NumPy .npy / .npz reading and writing.
        .target(name: "NumPyFiles", dependencies: ["SafeFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Keras checkpoints: formats, model configs, stored weights; binds them through a LayerCatalog.
        .target(name: "KerasCheckpoint", dependencies: ["HDF5", "SafeFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Tensors, kernels, layers, graph. Pure Swift, no BLAS, no Keras file knowledge.
        .target(
            name: "ReplayEngine",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
                + (engineTargetCPU.map { [.unsafeFlags(["-target-cpu", $0]), .define("REPLAY_HARDWARE_FMA")] } ?? [])
        ),
        // What each Keras layer family means, one adapter file per family: class names of every
        // generation, config and weight roles, output shapes, and the engine layer that replays it.
        .target(name: "KerasLayers", dependencies: ["HDF5", "KerasCheckpoint", "ReplayEngine"]),
        // The library facade: checkpoint → engine model, predict, gate traces, checkpoint diffs.
        .target(name: "KerasReplay", dependencies: ["HDF5", "KerasCheckpoint", "KerasLayers", "ReplayEngine", "NumPyFiles", "SafeFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .executableTarget(
            name: "KerasReplayCLI",
            dependencies: ["KerasReplay", "KerasCheckpoint", "NumPyFiles", "ReplayEngine", "SafeFiles", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Mutates sample checkpoints and inputs and runs keras-replay on each in a child process
        // with a time limit, classifying what happened (Scripts/fuzz.sh drives it).
        .executableTarget(name: "KerasReplayFuzz", dependencies: ["NumPyFiles", "HDF5"]),
        // Finds the checkpoints real Keras wrote in SampleCheckpoints/, for the tests.
        .target(name: "SampleCatalog", dependencies: ["NumPyFiles"], path: "Tests/SampleCatalog"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "SampleCatalog"]),
        .testTarget(name: "KerasCheckpointTests", dependencies: ["KerasCheckpoint", "KerasLayers", "SampleCatalog"]),
        .testTarget(name: "ReplayEngineTests", dependencies: ["ReplayEngine"]),
        .testTarget(name: "KerasReplayTests", dependencies: ["KerasReplay", "NumPyFiles", "SampleCatalog", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Runs the built keras-replay executable as a user would.
        .testTarget(name: "KerasReplayCLITests", dependencies: ["SampleCatalog", "NumPyFiles", "KerasCheckpoint", "KerasLayers", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
    ]
)
