import CrashpipeCore
import SymbolsBreakpad
import TestSupport
import Testing

/// `.sym` files as debug files (`BreakpadDebugFileFormat`): the module they describe, compared
/// with what symbolic (object_metadata.json) and sentry-cli 3.8.2 report.
struct DebugFileTests {
    static let format = BreakpadDebugFileFormat()

    func inspect(_ text: String) throws -> DebugObject {
        let listed = try Self.format.objects(in: ByteView(Array(text.utf8)))
        try #require(listed.count == 1)
        return listed[0]
    }

    func inspectFixture(_ relative: String) throws -> [DebugObject] {
        try Self.format.objects(in: ByteStorage.map(path: Fixtures.path(relative)).view)
    }

    @Test func matchesSymbolicObjectMetadata() throws {
        let expectations = try ExpectedDebugObject.symbolic().filter { $0.format == "breakpad" }
        #expect(expectations.map(\.path) == ["symbolic/debug-files/windows/crash.sym"])
        for expected in expectations {
            let listed = try inspectFixture(expected.path)
            try #require(listed.count == 1)
            let problems = expected.mismatches(listed[0])
            #expect(problems.isEmpty, "\(problems)")
            #expect(listed[0].loadAddress == 0)
        }
    }

    /// Every `.sym` fixture sentry-cli was run on: ids, arch and features agree.
    @Test func matchesSentryCLI() throws {
        let checks = try SentryCLICheck.all().filter { $0.type == "breakpad" }
        #expect(checks.count == 8)
        for check in checks {
            let problems = check.mismatches(try inspectFixture(check.path), format: "breakpad")
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func moduleAndInfoRecords() throws {
        let object = try inspect("""
            MODULE Linux x86_64 C0BCC3F19827FE653058404B2831D9E60 crash
            INFO CODE_ID F1C3BCC0279865FE3058404B2831D9E64135386C
            FILE 0 a.c
            """)
        #expect(object.format == "breakpad" && object.kind == nil && object.arch == "x86_64")
        #expect(object.debugId?.breakpad == "C0BCC3F19827FE653058404B2831D9E60")
        #expect(object.codeId?.value == "f1c3bcc0279865fe3058404b2831d9e64135386c")
        #expect(object.debugFile == "crash")
        #expect(object.features == [])
    }

    /// symbolic's arch aliases; names it does not know are kept (symbolic rejects the file).
    @Test func archNames() throws {
        for (written, named) in [("x86", "x86"), ("i386", "x86"), ("x86_64", "x86_64"), ("amd64", "x86_64"), ("AMD64", "x86_64"),
                                 ("arm64", "arm64"), ("arm", "arm"), ("armv7", "armv7"), ("ppc", "ppc"), ("mips64", "mips64"),
                                 ("riscv64", "riscv64"), ("sparc", "sparc")] {
            #expect(try inspect("MODULE Linux \(written) 0000000000000000000000000000000000 x").arch == named, "\(written)")
        }
    }

    @Test func codeIdOnlyFromTheInfoLinesAtTheTop() throws {
        // The first CODE_ID wins; INFO lines of other scopes and unparsable ones are skipped.
        let object = try inspect("""
            MODULE windows x86 3249D99D0C4049318610F4E4FB0B69361 crash.pdb
            INFO GENERATOR dump_syms 1.0
            INFO CODE_ID XYZ crash.exe
            INFO CODE_ID 5AB380779000 crash.exe
            INFO CODE_ID 1234 other.exe
            """)
        #expect(object.codeId?.value == "5ab380779000")
        #expect(object.debugId?.dashed == "3249d99d-0c40-4931-8610-f4e4fb0b6936-1")
        // After another record, INFO lines are no longer read.
        let late = try inspect("""
            MODULE Linux x86 00000000000000000000000000000000 x
            FILE 0 a.c
            INFO CODE_ID 1234
            """)
        #expect(late.codeId == nil)
    }

    /// symbolic's rules: PUBLIC and FUNC count only before the first STACK line; STACK WIN or
    /// STACK CFI INIT anywhere is unwind information.
    @Test func features() throws {
        let head = "MODULE Linux x86_64 00000000000000000000000000000000 x\n"
        #expect(try inspect(head + "PUBLIC 10 0 f\n").features == [.symtab])
        #expect(try inspect(head + "FUNC 10 4 0 f\n10 4 1 0\n").features == [.debug])
        #expect(try inspect(head + "STACK CFI INIT 10 4 .cfa: $rsp 8 +\n").features == [.unwind])
        #expect(try inspect(head + "STACK WIN 4 10 4 0 0 0 0 0 0 1 $eip\n").features == [.unwind])
        #expect(try inspect(head + "STACK CFI 10 .cfa: $rsp 8 +\nPUBLIC 10 0 f\nFUNC 1 1 0 g\n").features == [])
        #expect(try inspect(head + "FUNC 1 1 0 g\nPUBLIC 10 0 f\nSTACK CFI INIT 10 4 .cfa: $rsp 8 +").features
                    == [.symtab, .debug, .unwind])
        // Records are matched by their first word, as symbolic does: "PUBLICX" is not one.
        #expect(try inspect(head + "PUBLICX 10 0 f\nFUNCTION\n").features == [])
    }

    @Test func windowsLineEndings() throws {
        let object = try inspect("MODULE mac arm64 67E9247C814E392BA027DBDE6748FCBF0 crash\r\nINFO CODE_ID 67E9247C814E392BA027DBDE6748FCBF\r\nPUBLIC 1 0 f\r\nSTACK CFI INIT 1 1 .cfa: sp 0 +\r\n")
        #expect(object.debugFile == "crash")
        #expect(object.codeId?.value == "67e9247c814e392ba027dbde6748fcbf")
        #expect(object.features == [.symtab, .unwind])
    }

    @Test func nameIsOptionalAndMayHaveSpaces() throws {
        #expect(try inspect("MODULE Linux x86 00000000000000000000000000000000").debugFile == nil)
        #expect(try inspect("MODULE windows x86 00000000000000000000000000000000 My App.pdb").debugFile == "My App.pdb")
    }

    @Test func registered() throws {
        var registry = PluginRegistry()
        try SymbolsBreakpadPlugin.register(in: &registry)
        let inspected = try registry.inspectDebugFile(ByteStorage.map(path: Fixtures.path("symbolic/debug-files/windows/crash.sym")).view)
        #expect(inspected?.format == "breakpad")
        #expect(!Self.format.recognizes(ByteView([0x7f, 0x45, 0x4c, 0x46])))
    }

    // MARK: Malformed input

    func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ParseError? {
        debugFileParseError(Self.format, bytes, sourceLocation: sourceLocation)
    }

    @Test func badModuleRecords() throws {
        for text in ["", "MODULE", "MODULE Linux x86", "MODULE Linux x86_64 \n00000000000000000000000000000000 x",
                     "MODULE Linux x86_64 NOTHEX crash", "MODULE Linux x86_64 12345 crash", "FILE 0 a.c\nMODULE Linux x86 0 x"] {
            let error = parseError(Array(text.utf8))
            #expect(error?.kind == .invalidValue && error?.context == "MODULE record", "\(text)")
        }
        let notUTF8 = parseError(Array("MODULE Linux x86 ".utf8) + [0xff, 0xfe] + Array(" 00000000000000000000000000000000 x".utf8))
        #expect(notUTF8?.kind == .badEncoding)
    }

    /// Only the first 320 bytes are read for the MODULE line (symbolic's cap): a character cut
    /// at the cap is tolerated, a longer name is cut.
    @Test func headerCap() throws {
        let prefix = "MODULE Linux x86_64 00000000000000000000000000000000 "
        let long = prefix + String(repeating: "n", count: 320 - prefix.utf8.count - 1) + "é" + String(repeating: "x", count: 100)
        let object = try inspect(long)
        #expect(object.debugFile == String(repeating: "n", count: 320 - prefix.utf8.count - 1))
        // Invalid UTF-8 after the first line but within the cap: symbolic rejects the header.
        let bad = Array((prefix + "x\nFILE 0 ").utf8) + [0xff] + Array(String(repeating: "a", count: 400).utf8)
        #expect(parseError(bad)?.kind == .badEncoding)
        // A small file is read whole; only its first line must be UTF-8.
        let small = Array((prefix + "x\nFILE 0 ").utf8) + [0xff] + Array("\nPUBLIC 1 0 f\n".utf8)
        #expect(try Self.format.objects(in: ByteView(small)).first?.features == [.symtab])
    }

    @Test func randomDamageOfRealFiles() throws {
        var random = SplitMix(state: 0x5e3d)
        let original = try Fixtures.bytes("symbolic/debug-files/windows/crash.sym")
        var outcomes = (listed: 0, failed: 0)
        for round in 0..<300 {
            var bytes = original
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                let limit = round % 3 == 1 ? 400 : bytes.count
                for _ in 0..<(1 + Int(random.next() % 8)) {
                    bytes[Int(random.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            do {
                _ = try Self.format.objects(in: ByteView(bytes))
                outcomes.listed += 1
            } catch is ParseError {
                outcomes.failed += 1
            } catch {
                Issue.record("round \(round): not a ParseError: \(error)")
            }
        }
        #expect(outcomes.listed > 0 && outcomes.failed > 0)
    }
}
