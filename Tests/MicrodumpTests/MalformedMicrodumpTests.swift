import CrashpipeCore
import Microdump
import TestSupport
import Testing

/// Broken microdumps: each gives a ParseError whose context names the line and whose detail
/// says what was wrong. Never a crash or a hang.
struct MalformedMicrodumpTests {
    /// Parses `text` expecting an error of `kind` on `line` whose detail contains `detail`.
    static func expectError(_ text: String, line: Int, _ kind: ParseError.Kind, _ detail: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let dump = try parseMicrodump(text)
            Issue.record("expected an error on line \(line), got a microdump with \(dump.modules.count) modules",
                         sourceLocation: sourceLocation)
        } catch {
            #expect(error.context == "microdump line \(line)", "\(error)", sourceLocation: sourceLocation)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.detail.contains(detail), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains("(microdump line \(line))"), sourceLocation: sourceLocation)
        }
    }

    static let synth = SynthMicrodump()

    @Test func badHexInStackBytes() {
        let line = Self.synth.lines[7]
        let broken = String(line.prefix(20)) + "ZZ" + String(line.dropFirst(22))
        Self.expectError(Self.synth.replacing(8, with: broken).text, line: 8, .invalidValue,
                         "the stack bytes has 'Z' at column 47, not a hex digit")
    }

    @Test func oddLengthContext() {
        Self.expectError(Self.synth.replacing(10, with: String(Self.synth.lines[9].dropLast())).text, line: 10, .truncated,
                         "the CPU context has an odd number of hex digits (735)")
    }

    @Test func contextTooShortForTheArchitecture() {
        Self.expectError(Self.synth.replacing(10, with: "C 06000040").text, line: 10, .truncated,
                         "the arm CPU context (4 bytes) cannot be read: arm context needs 368 bytes, the dump gives 4")
    }

    @Test func unknownArchitecture() {
        Self.expectError(Self.synth.replacing(3, with: "O A sparc 04 sun4u x").text, line: 3, .unsupported,
                         "unknown architecture 'sparc' (known: arm, arm64, loongarch64, mips, mips64, riscv32, riscv64, x86, x86_64)")
    }

    /// An architecture crashpipe knows but has no context format registered for.
    @Test func architectureWithoutContextFormat() {
        Self.expectError(Self.synth.replacing(3, with: "O A mips 04 mips x").text, line: 10, .unsupported,
                         "contexts of mips CPUs are not supported")
    }

    @Test func badNumbers() {
        Self.expectError(Self.synth.replacing(3, with: "O A arm 0G armv7l x").text, line: 3, .invalidValue,
                         "the CPU count '0G' is not a hex number")
        Self.expectError(Self.synth.replacing(11, with: "M 00400000 00000000 123456789ABCDEF01 \(SynthMicrodump.appId) app").text,
                         line: 11, .invalidValue, "the module size '123456789ABCDEF01' has 17 hex digits, more than 16")
        Self.expectError(Self.synth.replacing(5, with: "R 1000000000 SIGSEGV 0").text, line: 5, .invalidValue,
                         "signal number 0x1000000000 does not fit in 32 bits")
    }

    @Test func truncatedRecords() {
        Self.expectError(Self.synth.replacing(3, with: "O A arm").text, line: 3, .truncated, "it has 2 of the 4 fields")
        Self.expectError(Self.synth.replacing(11, with: "M 00400000 00000000 00010000 \(SynthMicrodump.appId)").text,
                         line: 11, .truncated, "it has 4 of the 5 fields")
        Self.expectError(Self.synth.replacing(5, with: "R 0000000B").text, line: 5, .truncated, "it has 1 of the 3 fields")
        Self.expectError(Self.synth.replacing(10, with: "C").text, line: 10, .truncated, "the C line holds one field")
    }

    @Test func badDebugId() {
        Self.expectError(Self.synth.replacing(11, with: "M 00400000 00000000 00010000 DA7778FB-6601 app").text, line: 11,
                         .invalidValue, "module debug id 'DA7778FB-6601' is not 32 hex digits of GUID followed by the age in hex")
    }

    @Test func missingOSLine() {
        Self.expectError(Self.synth.removing(3).text, line: 12, .truncated,
                         "the microdump that begins on line 1 ends without an O line (OS and CPU)")
    }

    @Test func missingContextLine() {
        Self.expectError(Self.synth.removing(10).text, line: 12, .truncated, "ends without a C line (the CPU context)")
    }

    @Test func missingStackLines() {
        Self.expectError(Self.synth.removing(7).removing(7).removing(7).text, line: 10, .truncated,
                         "ends without an S 0 line (the stack)")
    }

    @Test func stackBytesBeforeHeader() {
        var synth = Self.synth
        synth.lines.swapAt(6, 7)
        Self.expectError(synth.text, line: 7, .invalidValue, "stack bytes before the S 0 line that declares the stack")
    }

    @Test func stackBytesOutsideTheDeclaredRange() {
        // Above the end: 0x40 more bytes from 0x1040.
        Self.expectError(Self.synth.inserting("S 00001040 " + String(repeating: "00", count: 4), at: 10).text, line: 10,
                         .outOfRange, "stack bytes 0x1040-0x1044 lie outside the stack 0x1000-0x1040 declared on line 7")
        // Below the start.
        Self.expectError(Self.synth.replacing(8, with: "S 00000FF0 00").text, line: 8, .outOfRange,
                         "lie outside the stack 0x1000-0x1040")
        // The declared range itself wraps around the address space.
        Self.expectError(Self.synth.replacing(7, with: "S 0 0 FFFFFFFFFFFFFFF0 20").text, line: 7, .outOfRange,
                         "ends past the top of the address space")
        // More stack than the input could hold.
        Self.expectError(Self.synth.replacing(7, with: "S 0 1010 1000 10000000").text, line: 7, .absurdCount,
                         "a stack of 0x10000000 bytes is more than a microdump can hold (0x2000000)")
    }

    @Test func stackBytesWithAGap() {
        Self.expectError(Self.synth.replacing(9, with: "S 00001024 " + String(repeating: "00", count: 4)).text, line: 9,
                         .invalidValue, "stack bytes at 0x1024 do not follow the previous stack line, which ends at 0x1020")
    }

    @Test func malformedStackLine() {
        Self.expectError(Self.synth.replacing(8, with: "S 00001000").text, line: 8, .invalidValue,
                         "an S line is either 'S 0 <stack pointer> <start> <size>' or 'S <address> <hex bytes>'; this one has 1 fields")
    }

    @Test func duplicateRecords() {
        Self.expectError(Self.synth.inserting("O A arm 04 armv7l again", at: 4).text, line: 4, .invalidValue,
                         "a second O line (the first is line 3)")
        Self.expectError(Self.synth.inserting(Self.synth.lines[9], at: 11).text, line: 11, .invalidValue,
                         "a second C line (the first is line 10)")
        Self.expectError(Self.synth.inserting("S 0 1010 1000 40", at: 8).text, line: 8, .invalidValue,
                         "a second S 0 line (the first is line 7)")
    }

    @Test func notARecord() {
        Self.expectError(Self.synth.inserting("hello world", at: 5).text, line: 5, .invalidValue,
                         "'hello' is not a microdump record")
        Self.expectError(Self.synth.inserting("s 1000 00", at: 5).text, line: 5, .invalidValue, "'s' is not a microdump record")
    }

    @Test func noEndMarker() {
        Self.expectError(Self.synth.removing(13).text, line: 12, .truncated,
                         "no -----END BREAKPAD MICRODUMP----- line after the BEGIN marker on line 1; the input ends at line 12")
    }

    @Test func noBeginMarker() {
        do {
            _ = try parseMicrodump(Self.synth.removing(1).text)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .badMagic)
            #expect(error.context == "microdump")
            #expect(error.detail == "no -----BEGIN BREAKPAD MICRODUMP----- line in the input (12 lines)")
        }
    }

    @Test func overlongLine() {
        let long = "V " + String(repeating: "x", count: Microdump.maxLineLength)
        Self.expectError(Self.synth.replacing(2, with: long).text, line: 2, .absurdCount,
                         "more than the 65536 a microdump line may have")
    }

    @Test func overlongFile() {
        var bytes = Array(Self.synth.text.utf8)
        bytes += [UInt8](repeating: 0x0A, count: Microdump.maxInputSize + 1 - bytes.count)
        do {
            _ = try Microdump(ByteView(bytes), contexts: bundledRegistry.contextFormats)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .absurdCount)
            #expect(error.detail == "the input is 67108865 bytes, more than the 64 MiB a microdump may have")
        }
    }

    /// Every prefix of a fixture, and random byte changes to it, give a microdump or an
    /// error: never a crash or a hang.
    @Test func truncationsAndMutations() throws {
        let fixture = try Fixtures.bytes("breakpad/microdumps/microdump-arm.dmp")
        var outcomes = (parsed: 0, failed: 0)
        func attempt(_ bytes: [UInt8]) {
            do {
                _ = try Microdump(ByteView(bytes), contexts: bundledRegistry.contextFormats)
                outcomes.parsed += 1
            } catch {
                #expect(error.context?.hasPrefix("microdump") == true, "\(error)")
                outcomes.failed += 1
            }
        }
        for length in stride(from: 0, to: fixture.count, by: 61) { attempt(Array(fixture.prefix(length))) }
        var random = SplitMix(state: 0x6d69_6372_6f64_756d)
        let alphabet = Array("0123456789ABCDEFZ :|\n\r-SCMOG".utf8)
        for _ in 0..<300 {
            var bytes = fixture
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = alphabet.randomElement(using: &random)!
            }
            attempt(bytes)
        }
        #expect(outcomes.failed > 0 && outcomes.parsed > 0)
    }
}
