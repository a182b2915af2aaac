// swift-tools-version:6.1
import PackageDescription

import Foundation

// FMA and AVX2 for the SIMD kernels; without a target CPU Swift SIMD falls back to scalar code. Where the
// building machine has AVX-512 (F, BW, DQ, VL), the kernels that are bound by FMA throughput use 16-wide
// vectors (QSCOPE_AVX512); qscope is built from source where it runs, so the build can follow the machine.
let cpuFlags = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
    .split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { cpuFlags.contains(Substring($0)) }
    && ProcessInfo.processInfo.environment["QSCOPE_NO_AVX512"] == nil
let fast: [SwiftSetting] = avx512
    ? [.unsafeFlags(["-target-cpu", "skylake-avx512"]), .define("QSCOPE_AVX512")]
    : [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "qscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "qscope", targets: ["qscope"]),
        .executable(name: "qscope-conformance", targets: ["qscope-conformance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses", pkgConfig: "ncursesw",
                       providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CStb", path: "Sources/CStb", pkgConfig: "stb",
                       providers: [.apt(["libstb-dev"])]),
        .target(name: "Engine",
                dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf"), "CBLAS", "CStb",
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: fast),
        .target(name: "Diff", dependencies: ["Engine"], swiftSettings: fast),
        .target(name: "TUI", dependencies: ["Engine", "Diff", "CNCurses"]),
        .executableTarget(name: "qscope",
                          dependencies: ["Engine", "Diff", "TUI",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          // A position-dependent release binary: a PIE that links the Swift runtime and
                          // Foundation statically starts by applying 85,000 relocations, which reads 2 MB of
                          // relocation records and writes into as many data pages.
                          linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(configuration: .release))]),
        // Runs the ONNX backend node tests (see scripts/fetch_onnx_tests.py).
        .target(name: "ConformanceKit",
                dependencies: ["Engine", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(name: "qscope-conformance", dependencies: ["ConformanceKit", "Engine"],
                          path: "Sources/Conformance"),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "ConformanceTests", dependencies: ["ConformanceKit", "Engine",
                                                         .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "DiffTests", dependencies: ["Diff"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Diff"], resources: [.copy("Snapshots")]),
        .testTarget(name: "CLITests", dependencies: ["Engine", "Diff", "qscope"]),
    ],
    swiftLanguageModes: [.v5]
)
