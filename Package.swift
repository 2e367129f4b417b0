// swift-tools-version: 6.1
import PackageDescription

/// Settings every target shares: strict Swift 6 and explicit `any` for existentials.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A plugin is a target under `Sources/Plugins/<name>/` that depends on Core only.
func plugin(_ name: String, dependencies: [Target.Dependency] = []) -> Target {
    .target(
        name: name,
        dependencies: ["CrashpipeCore"] + dependencies,
        path: "Sources/Plugins/\(name)",
        swiftSettings: strict
    )
}

let package = Package(
    name: "crashpipe",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crashpipe", targets: ["crashpipe"]),
        .library(name: "CrashpipeCore", targets: ["CrashpipeCore"]),
        .library(name: "CrashpipeIngest", targets: ["CrashpipeIngest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
    ],
    targets: [
        // The system decompressors behind Core's `Decompression` (bounded streaming decode).
        .target(
            name: "CCodecs",
            path: "Sources/CoreShims/CCodecs",
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("lzma"), .linkedLibrary("bz2"),
                             .linkedLibrary("zstd"), .linkedLibrary("brotlidec")]
        ),
        .target(
            name: "CrashpipeCore",
            dependencies: [
                "CCodecs",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Core",
            swiftSettings: strict
        ),
        plugin("Minidump"),
        plugin("SymbolsBreakpad"),
        plugin("SymbolsELF"),
        plugin("SymbolsMachO"),
        plugin("UnwindAMD64"),
        plugin("UnwindX86"),
        plugin("UnwindARM64"),
        plugin("UnwindARM"),
        plugin("UnwindRISCV64"),
        plugin("Microdump"),
        plugin("OutputFormats"),
        .target(
            name: "DemangleItaniumShim",
            path: "Sources/Plugins/DemangleItaniumShim",
            linkerSettings: [.linkedLibrary("stdc++")]
        ),
        .target(
            name: "DemangleSwiftShim",
            path: "Sources/Plugins/DemangleSwiftShim",
            linkerSettings: [.linkedLibrary("stdc++"), .linkedLibrary("dl")]
        ),
        plugin("DemangleItanium", dependencies: ["DemangleItaniumShim"]),
        plugin("DemangleSwift", dependencies: ["DemangleSwiftShim"]),
        plugin("DemangleObjC"),
        plugin("DemangleRust"),
        plugin("DemangleMSVC"),
        plugin("Signature", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        plugin("ScrubDefaults"),
        plugin("SymbolsPE"),
        .target(
            name: "Bundled",
            dependencies: ["CrashpipeCore", "Minidump", "Microdump", "SymbolsBreakpad", "SymbolsELF", "SymbolsMachO", "UnwindAMD64", "UnwindX86",
                           "UnwindARM64", "UnwindARM", "UnwindRISCV64", "DemangleObjC", "DemangleRust", "DemangleSwift", "DemangleMSVC", "DemangleItanium",
                           "Signature", "ScrubDefaults", "SymbolsPE"],
            path: "Sources/Plugins/Bundled",
            swiftSettings: strict
        ),
        .target(
            name: "CrashpipeServer",
            dependencies: [
                "CrashpipeCore", "Bundled", "CrashpipeIngest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/CrashpipeServer",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "crashpipe",
            dependencies: [
                "CrashpipeCore", "Bundled", "Minidump", "OutputFormats", "DemangleItanium", "DemangleRust", "CrashpipeServer",
                "CrashpipeIngest",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/crashpipe",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "crashpipe-bench",
            dependencies: ["CrashpipeCore", "Minidump", "SymbolsBreakpad", "Bundled", "OutputFormats",
                           "DemangleItanium", "DemangleSwift", "DemangleRust", "DemangleMSVC"],
            path: "Benchmarks/CrashpipeBench",
            swiftSettings: strict
        ),
        // Load generator for `crashpipe serve`'s upload endpoint (Benchmarks/serve-benchmark.sh).
        .executableTarget(
            name: "crashpipe-loadgen",
            path: "Benchmarks/ServeLoad",
            swiftSettings: strict
        ),
        // Upload decoding: request body, Content-Encoding, multipart form, minidump containers
        // (decompression through Core's `Decompression`).
        .target(
            name: "CrashpipeIngest",
            dependencies: ["CrashpipeCore", .product(name: "MultipartKit", package: "multipart-kit")],
            path: "Sources/Ingest",
            swiftSettings: strict
        ),
        /// Compressors for the tests only (ingest, zip, compressed ELF sections; not linked into the library).
        .target(
            name: "CIngestTestCodecs",
            path: "Sources/IngestShims/CIngestTestCodecs",
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("lzma"), .linkedLibrary("bz2"),
                             .linkedLibrary("zstd"), .linkedLibrary("brotlienc")]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["CrashpipeCore"],
            path: "Tests/Support",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: ["crashpipe", "CrashpipeServer", "TestSupport", "CIngestTestCodecs"],
            path: "Tests/ServerTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CrashpipeCoreTests",
            dependencies: ["CrashpipeCore", "Bundled", "TestSupport", "CIngestTestCodecs"],
            path: "Tests/CrashpipeCoreTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["crashpipe", "CrashpipeCore", "TestSupport"],
            path: "Tests/CLITests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SymbolsBreakpadTests",
            dependencies: ["CrashpipeCore", "SymbolsBreakpad", "TestSupport"],
            path: "Tests/SymbolsBreakpadTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SymbolsELFTests",
            dependencies: ["CrashpipeCore", "SymbolsELF", "Bundled", "DemangleItanium", "TestSupport", "CIngestTestCodecs"],
            path: "Tests/SymbolsELFTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SymbolsMachOTests",
            dependencies: ["CrashpipeCore", "SymbolsMachO", "DemangleItanium", "Bundled", "TestSupport"],
            path: "Tests/SymbolsMachOTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DemangleTests",
            dependencies: ["CrashpipeCore", "Bundled", "DemangleItanium", "DemangleSwift", "DemangleObjC", "DemangleRust", "TestSupport"],
            path: "Tests/DemangleTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DemangleRustTests",
            dependencies: ["CrashpipeCore", "DemangleRust", "TestSupport"],
            path: "Tests/DemangleRustTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DemangleMSVCTests",
            dependencies: ["CrashpipeCore", "DemangleMSVC", "TestSupport"],
            path: "Tests/DemangleMSVCTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UnwindX86Tests",
            dependencies: ["CrashpipeCore", "UnwindX86", "TestSupport"],
            path: "Tests/UnwindX86Tests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UnwindARM64Tests",
            dependencies: ["CrashpipeCore", "UnwindARM64", "TestSupport"],
            path: "Tests/UnwindARM64Tests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UnwindARMTests",
            dependencies: ["CrashpipeCore", "UnwindARM", "TestSupport"],
            path: "Tests/UnwindARMTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "UnwindRISCV64Tests",
            dependencies: ["CrashpipeCore", "UnwindRISCV64", "Bundled", "TestSupport"],
            path: "Tests/UnwindRISCV64Tests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MicrodumpTests",
            dependencies: ["CrashpipeCore", "Microdump", "Bundled", "OutputFormats", "TestSupport"],
            path: "Tests/MicrodumpTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "StackwalkTests",
            dependencies: ["CrashpipeCore", "Bundled", "Minidump", "UnwindAMD64", "OutputFormats", "TestSupport",
                           .product(name: "Yams", package: "Yams")],
            path: "Tests/StackwalkTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "IngestTests",
            dependencies: ["CrashpipeIngest", "CrashpipeCore", "CIngestTestCodecs", "TestSupport"],
            path: "Tests/IngestTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ZipArchiveTests",
            dependencies: ["CrashpipeIngest", "CIngestTestCodecs", "TestSupport"],
            path: "Tests/ZipArchiveTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MinidumpTests",
            dependencies: ["CrashpipeCore", "Minidump", "Bundled", "TestSupport"],
            path: "Tests/MinidumpTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SignatureTests",
            dependencies: ["CrashpipeCore", "Signature", "Bundled", "TestSupport",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/SignatureTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SymbolsPETests",
            dependencies: ["CrashpipeCore", "SymbolsPE", "Bundled", "TestSupport"],
            path: "Tests/SymbolsPETests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DWARFTests",
            dependencies: ["CrashpipeCore", "TestSupport"],
            path: "Tests/DWARFTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "DWARFInfoTests",
            dependencies: ["CrashpipeCore", "TestSupport"],
            path: "Tests/DWARFInfoTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ScrubDefaultsTests",
            dependencies: ["CrashpipeCore", "ScrubDefaults", "Bundled", "TestSupport",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/ScrubDefaultsTests",
            swiftSettings: strict
        ),
    ]
)
