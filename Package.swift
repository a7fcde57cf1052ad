// swift-tools-version: 6.0
import PackageDescription

// Layers, bottom to top:
//   COpenBLAS    system library (Debian libopenblas-dev): cblas_sgemm and OpenBLAS introspection
//   CAllocator   one glibc allocator setting (mallopt) that Swift's Glibc module does not expose
//   CKernels     element loops Swift on Linux leaves scalar (AdamW update, ReLU, erf GELU), and a spin-wait hint
//   CFaceEngine  C interface over Debian's dlib and libjpeg/libpng: image decoding, face detection, landmarks, descriptors
//   NumericCore  tensors, reverse-mode gradients, optimisers, schedules, random numbers, file formats; knows nothing about faces
//   FaceNaming   the face-naming library: data, encoders, SECLA model, loss, training, SECLA-B, inference, metrics, baselines, benchmarks
//   FaceIngest   photos in: the face engine from Swift, caption sidecars, `secla ingest` (incremental, crash-safe), LFW crops
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
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
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
        // dlib's detectors and network are header templates compiled into this target: -O2 in every configuration,
        // or a debug build (and `swift test`) runs detection and descriptors tens of times slower. dlib's headers
        // compile BLAS/LAPACK calls into the including file, hence blas and lapack (Debian: OpenBLAS via alternatives).
        .target(
            name: "CFaceEngine",
            cSettings: [.unsafeFlags(["-O2"])],
            cxxSettings: [.define("NDEBUG"), .unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack"),
                             .linkedLibrary("jpeg"), .linkedLibrary("png"), .linkedLibrary("stdc++")]
        ),

        // MARK: - Libraries
        .target(name: "NumericCore", dependencies: ["COpenBLAS", "CAllocator", "CKernels"]),
        .target(name: "FaceNaming", dependencies: ["NumericCore"]),
        .target(name: "FaceIngest", dependencies: ["FaceNaming", "NumericCore", "CFaceEngine", "COpenBLAS", .product(name: "CSV", package: "CSV.swift")]),

        // MARK: - Executables
        .executableTarget(
            name: "secla",
            dependencies: ["FaceNaming", "FaceIngest", "NumericCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "secla-bench",
            dependencies: ["FaceNaming", "FaceIngest", "NumericCore", "COpenBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: - Tests
        // Every reader of outside data as a function of bytes, for libFuzzer (`secla-fuzz`, scripts/fuzz.sh) and the
        // crash-regression tests.
        .target(name: "FuzzTargets", dependencies: ["FaceIngest", "FaceNaming", "NumericCore"]),
        .executableTarget(name: "secla-fuzz", dependencies: ["FuzzTargets"]),
        .target(name: "TestSupport", dependencies: ["NumericCore"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceNamingTests", dependencies: ["FaceNaming", "NumericCore", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FaceIngestTests", dependencies: ["FaceIngest", "FaceNaming", "NumericCore", "TestSupport", "FuzzTargets"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
