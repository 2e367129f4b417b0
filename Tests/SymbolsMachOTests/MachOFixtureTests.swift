import Bundled
import CrashpipeCore
import SymbolsMachO
import TestSupport
import Testing

func objects(_ relative: String) throws -> [DebugObject] {
    try MachODebugFileFormat().objects(in: ByteStorage.map(path: Fixtures.path(relative)).view)
}

/// The real Mach-O files symbolic tests with, compared field by field with what symbolic reports
/// (object_metadata.json) and with what sentry-cli 3.8.2 printed for them.
struct MachOFixtureTests {
    static let example = "symbolic/debug-files/macos/Example.framework.dSYM/Contents/Resources/DWARF/Example"

    @Test func matchesSymbolicObjectMetadata() throws {
        let expectations = try ExpectedDebugObject.symbolic().filter { $0.format == "macho" }
        #expect(expectations.map(\.path) == [
            "symbolic/debug-files/macos/crash", "symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash",
        ])
        for expected in expectations {
            let listed = try objects(expected.path)
            try #require(listed.count == 1, "\(expected.path)")
            let problems = expected.mismatches(listed[0])
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func matchesSentryCLI() throws {
        let checks = try SentryCLICheck.all().filter { $0.type == "dsym" }
        #expect(checks.count == 3)
        for check in checks {
            let problems = check.mismatches(try objects(check.path), format: "macho")
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    /// The universal dSYM: one object per architecture, in the fat header's order. Ids and arches
    /// as sentry-cli lists them; kind, load address (`__TEXT` vmaddr 0) and per-slice features
    /// as `llvm-objdump --macho --private-headers --arch=...` shows the slices.
    @Test func universalDSYM() throws {
        let listed = try objects(Self.example)
        try #require(listed.count == 2)
        #expect(listed.map(\.arch) == ["x86_64", "arm64"])
        #expect(listed.map { $0.debugId?.dashed } == ["3b4566e4-491b-3dcf-94f5-ae51f624dd87", "2556f151-5a40-3847-be6c-e2c1b5be4df8"])
        #expect(listed.map { $0.codeId?.value } == ["3b4566e4491b3dcf94f5ae51f624dd87", "2556f1515a403847be6ce2c1b5be4df8"])
        for object in listed {
            #expect(object.format == "macho")
            #expect(object.kind == "debug")
            #expect(object.loadAddress == 0)
            #expect(object.features == [.symtab, .debug])
            #expect(object.debugId?.age == 0)
        }
    }

    @Test func registeredAndRecognized() throws {
        let registry = try Bundled.registry()
        for (path, count) in [("symbolic/debug-files/macos/crash", 1), (Self.example, 2)] {
            let inspected = try registry.inspectDebugFile(ByteStorage.map(path: Fixtures.path(path)).view)
            #expect(inspected?.format == "macho")
            #expect(inspected?.objects.count == count)
        }
        let format = MachODebugFileFormat()
        #expect(format.recognizes(ByteView([0xcf, 0xfa, 0xed, 0xfe])))
        #expect(format.recognizes(ByteView([0xfe, 0xed, 0xfa, 0xce])))
        #expect(format.recognizes(ByteView([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])))
        #expect(format.recognizes(ByteView([0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 2])))
        // A Java class file: CAFEBABE, minor version 0, major version 52.
        #expect(!format.recognizes(ByteView([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52])))
        #expect(!format.recognizes(ByteView([0xca, 0xfe, 0xba, 0xbe])))
        #expect(!format.recognizes(ByteView([0x7f, 0x45, 0x4c, 0x46])))
        #expect(!format.recognizes(ByteView(Array("MODULE mac x86_64 0 x".utf8))))

        var twice = PluginRegistry()
        try SymbolsMachOPlugin.register(in: &twice)
        #expect(throws: (any Error).self) { try SymbolsMachOPlugin.register(in: &twice) }
    }
}
