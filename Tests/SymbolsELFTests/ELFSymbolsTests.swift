import CrashpipeCore
import DemangleItanium
import Foundation
import SymbolsELF
import TestSupport
import Testing

/// Function names straight from an ELF symbol table, checked against the `.sym` Breakpad's
/// dump_syms wrote for the same binary (`symbolic/debug-files/linux/crash.sym`: PUBLIC records
/// from the symbol table, since the binary has no DWARF).
struct ELFSymbolsTests {
    static func load(_ relative: String) throws -> any ModuleSymbols {
        try ELFSymbolFormat().load(ByteView(try Fixtures.bytes(relative)), location: relative)
    }

    /// (address, name) of every PUBLIC record.
    static func publics() throws -> [(UInt64, String)] {
        let text = String(decoding: try Fixtures.bytes("symbolic/debug-files/linux/crash.sym"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line -> (UInt64, String)? in
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count == 4, fields[0] == "PUBLIC", let address = UInt64(fields[1], radix: 16) else { return nil }
            return (address, String(fields[3]))
        }
    }

    /// The function symbols of `crash.debug` are the ones symbolic lists for it
    /// (`expected/debuginfo/linux__crash.debug.symbols.txt`), address and mangled name.
    @Test func functionSymbolsAreSymbolicsSymbolTable() throws {
        let symbols = try #require(try Self.load("symbolic/debug-files/linux/crash.debug") as? SymbolTableSymbols)
        let text = String(decoding: try Fixtures.bytes("symbolic/expected/debuginfo/linux__crash.debug.symbols.txt"), as: UTF8.self)
        let expected = text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ", maxSplits: 1)
            return "\(fields[0]) \(fields.count > 1 ? String(fields[1]) : "")"
        }
        let ours = symbols.entries.map { "\(String($0.address, radix: 16)) \($0.name)" }
        #expect(expected.count == 167)
        #expect(ours == expected)
    }

    @Test func everyPublicSymbolOfDumpSymsIsFoundWithTheSameName() throws {
        let symbols = try Self.load("symbolic/debug-files/linux/crash")
        let publics = try Self.publics()
        #expect(publics.count == 167)
        let demangler = ItaniumDemangler()
        var sameStart = 0, sameName = 0
        var differences: [String] = []
        for (address, name) in publics {
            guard let found = symbols.lookup(address) else {
                differences.append("0x\(String(address, radix: 16)) \(name): nothing")
                continue
            }
            if found.functionAddress == address { sameStart += 1 }
            let readable = demangler.demangle(found.function, options: .complete) ?? found.function
            if readable == name { sameName += 1 } else { differences.append("0x\(String(address, radix: 16)) \(name) ≠ \(readable)") }
        }
        #expect(sameStart == publics.count, "\(differences.prefix(10))")
        // dump_syms demangles with the same rules as __cxa_demangle; the names must agree.
        #expect(sameName == publics.count, "\(sameName)/\(publics.count): \(differences.prefix(10))")
    }

    @Test func sizedSymbolsCoverOnlyTheirRange() throws {
        let symbols = try Self.load("symbolic/debug-files/linux/crash")
        let main = try #require(symbols.lookup(0x1c70))
        #expect(main.function == "main" && main.functionAddress == 0x1c70 && !main.isPublic)
        #expect(symbols.hasFunction(at: 0x1c71))
        #expect(symbols.lookup(0x1c70 + 0x10)?.function == "main")
        #expect(symbols.lookup(0x10) == nil, "below the first function")
        // `.eh_frame` gives the rules the `.sym` writes for main (STACK CFI INIT 1c70 14c ...).
        #expect(symbols.callFrameInfo(at: 0x1c70) == CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        #expect(symbols.callFrameInfo(at: 0x10) == nil)
    }

    /// The split `.debug` file's DWARF, as symbolic reads it (debuginfo/linux__crash.debug.
    /// functions-first10.txt): `callback` at 0x1ec7 is inside an inlined `printf`
    /// (stdio2.h:104), called from main.cpp:15.
    @Test func splitDebugFileGivesLinesAndInlineFrames() throws {
        let symbols = try Self.load("symbolic/debug-files/linux/crash.debug")
        let info = try #require(symbols.lookup(0x1ec7))
        #expect(info.function == "_ZN12_GLOBAL__N_18callbackERKN15google_breakpad18MinidumpDescriptorEPvb")
        #expect(info.functionAddress == 0x1ec0)
        #expect(info.file?.hasSuffix("linux/main.cpp") == true && info.line == 15, "\(info)")
        #expect(info.inlines.map(\.function) == ["printf"])
        #expect(info.inlines.first?.file?.hasSuffix("bits/stdio2.h") == true && info.inlines.first?.line == 104)
        let outside = try #require(symbols.lookup(0x1ec2))
        #expect(outside.inlines.isEmpty && outside.line == 8 && outside.lineAddress == 0x1ec2)
        // Four levels: ~basic_string → _M_dispose → _M_is_local → _M_local_data, innermost
        // first, each with the line inside it; the outer destructor at its call site.
        let nested = try #require(symbols.lookup(0x1f08))
        #expect(nested.inlines.map(\.line) == [151, 170, 179, 543])
        #expect(nested.inlines.map(\.function) == [
            "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE13_M_local_dataEv",
            "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE11_M_is_localEv",
            "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE10_M_disposeEv",
            "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEED4Ev",
        ])
        #expect(nested.line == 48)
    }

    @Test func fileWithoutSymbolTableOrUnwindInfoIsRefusedWithTheReason() throws {
        var builder = ELFBuilder()
        builder.sections = [.init(name: ".text", type: 1, flags: 6, data: [0x90, 0xC3])]
        do {
            _ = try ELFSymbolFormat().load(ByteView(builder.build()), location: "no-symtab")
            Issue.record("loaded a file without a symbol table")
        } catch let error as ParseError {
            #expect(error.detail.contains("neither .symtab nor .dynsym nor .eh_frame/.debug_frame"))
        }
    }

    /// Truncations and mutations of the real file: a table or an error, never a crash.
    @Test func damagedFilesNeverCrash() throws {
        let original = try Fixtures.bytes("symbolic/debug-files/linux/crash")
        var generator = SystemRandomNumberGenerator()
        var loaded = 0
        for round in 0..<200 {
            var bytes = original
            if round % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<8 {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            if let symbols = try? ELFSymbolFormat().load(ByteView(bytes), location: "mutated") {
                loaded += 1
                _ = symbols.lookup(0x1c70)
            }
        }
        #expect(loaded > 0, "no mutation kept the file loadable: the test exercised only the error paths")
    }
}
