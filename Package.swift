// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom to top:
//   COpenBLAS    system library (Debian libopenblas-dev): cblas_sgemm and OpenBLAS introspection
//   CAllocator   one glibc allocator setting (mallopt) that Swift's Glibc module does not expose
//   CKernels     element loops Swift on Linux leaves scalar (AdamW update, ReLU, erf GELU), and a spin-wait hint
//   NumericCore  tensors, reverse-mode gradients, optimisers, schedules, random numbers, file formats; knows nothing about faces
//   FaceNaming   the face-naming library: data, encoders, SECLA model, loss, training, SECLA-B, inference, metrics, baselines, benchmarks
//   secla        the command-line tool (thin shell over FaceNaming)
//   secla-bench  benchmarks that print figures; never run as tests



let package = Package(
    name: "secla",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NumericCore", targets: ["NumericCore"]),
        .library(name: "FaceNaming", targets: ["FaceNaming"]),
        .executable(name: "secla", targets: ["secla"]),
        .executable(name: "secla-bench", targets: ["secla-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Native libraries
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),

        .target(name: "CAllocator"),
        .target(name: "CKernels"),

        // MARK: - Libraries
        .target(name: "NumericCore", dependencies: ["COpenBLAS", "CAllocator", "CKernels"]),
        .target(name: "FaceNaming", dependencies: ["NumericCore"]),

        // MARK: - Executables
        .executableTarget(
            name: "secla",
            dependencies: ["FaceNaming", "NumericCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "secla-bench",
            dependencies: ["FaceNaming", "NumericCore", "COpenBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["NumericCore"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceNamingTests", dependencies: ["FaceNaming", "NumericCore", "TestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
