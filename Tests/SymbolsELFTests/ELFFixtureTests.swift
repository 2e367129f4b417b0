import Bundled
import CrashpipeCore
import SymbolsELF
import TestSupport
import Testing

func objects(_ relative: String) throws -> [DebugObject] {
    try ELFDebugFileFormat().objects(in: ByteStorage.map(path: Fixtures.path(relative)).view)
}

/// The real ELF files symbolic tests with, compared field by field with what symbolic reports
/// (object_metadata.json) and with what sentry-cli 3.8.2 printed for them.
struct ELFFixtureTests {
    @Test func matchesSymbolicObjectMetadata() throws {
        let expectations = try ExpectedDebugObject.symbolic().filter { $0.format == "elf" }
        #expect(expectations.map(\.path) == [
            "symbolic/debug-files/linux/crash", "symbolic/debug-files/linux/crash.debug",
            "symbolic/debug-files/linux/crash.debug-zlib", "symbolic/debug-files/linux/crash.debug-zstd",
        ])
        for expected in expectations {
            let listed = try objects(expected.path)
            try #require(listed.count == 1, "\(expected.path)")
            let problems = expected.mismatches(listed[0])
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func matchesSentryCLI() throws {
        let checks = try SentryCLICheck.all().filter { $0.type == "elf" }
        #expect(checks.count == 5)
        for check in checks {
            let problems = check.mismatches(try objects(check.path), format: "elf")
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// The AArch64 executable (not in object_metadata.json): sentry-cli gives ids, arch, kind and
    /// features; the load address is its first PT_LOAD's (readelf -l).
    @Test func arm64Executable() throws {
        let listed = try objects("symbolic/debug-files/linux/arm64/cfi_test")
        try #require(listed.count == 1)
        let object = listed[0]
        #expect(object.arch == "arm64")
        #expect(object.kind == "executable")
        #expect(object.loadAddress == 0x400000)
        #expect(object.codeId?.value == "c2f2a4782a23a5892d7636d11b9254a88b79b715")
        #expect(object.debugId?.dashed == "78a4f2c2-232a-89a5-2d76-36d11b9254a8")
        #expect(object.features == [.symtab, .debug, .unwind])
    }

    @Test func debugLinkNamesTheSplitDebugFile() throws {
        #expect(try objects("symbolic/debug-files/linux/crash")[0].debugFile == "crash.debug")
        #expect(try objects("symbolic/debug-files/linux/crash.debug")[0].debugFile == nil)
    }

    @Test func registeredAndRecognized() throws {
        let registry = try Bundled.registry()
        for path in ["symbolic/debug-files/linux/crash", "symbolic/debug-files/linux/crash.debug-zstd",
                     "symbolic/debug-files/linux/arm64/cfi_test"] {
            let inspected = try registry.inspectDebugFile(ByteStorage.map(path: Fixtures.path(path)).view)
            #expect(inspected?.format == "elf")
            #expect(inspected?.objects.count == 1)
        }
        let format = ELFDebugFileFormat()
        #expect(!format.recognizes(ByteView(Array("MODULE Linux x86_64 0 x".utf8))))
        #expect(!format.recognizes(ByteView([0xcf, 0xfa, 0xed, 0xfe])))
        #expect(!format.recognizes(ByteView([0x7f, 0x45, 0x4c])))
        #expect(format.recognizes(ByteView([0x7f, 0x45, 0x4c, 0x46])))

        var twice = PluginRegistry()
        try SymbolsELFPlugin.register(in: &twice)
        #expect(throws: (any Error).self) { try SymbolsELFPlugin.register(in: &twice) }
    }
}
