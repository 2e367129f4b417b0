import CrashpipeCore
import DemangleItanium
import Foundation
import SymbolsMachO
import TestSupport
import Testing

/// Function names straight from a Mach-O symbol table, checked against the `.sym` that
/// Breakpad's dump_syms wrote from the same build's dSYM (`symbolic/debug-files/macos/crash.sym`).
struct MachOSymbolsTests {
    static func load(_ relative: String) throws -> any ModuleSymbols {
        try MachOSymbolFormat().load(ByteView(try Fixtures.bytes(relative)), location: relative)
    }

    /// (address, name) of every FUNC record (functions the dSYM's DWARF knows; the PUBLIC
    /// records also name data such as exception tables, which a function table leaves out).
    static func functions() throws -> [(UInt64, String)] {
        let text = String(decoding: try Fixtures.bytes("symbolic/debug-files/macos/crash.sym"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line -> (UInt64, String)? in
            let fields = line.split(separator: " ", maxSplits: 4)
            guard fields.first == "FUNC", fields.count == 5, let address = UInt64(fields[1], radix: 16) else { return nil }
            return (address, String(fields[4]))
        }
    }

    /// The functions are symbolic's symbol table for the binary
    /// (`expected/debuginfo/macos__crash.symbols.txt`), address and name, except the one entry
    /// that is no code: `_mh_execute_header`, the Mach-O header at address 0.
    @Test func functionSymbolsAreSymbolicsSymbolTable() throws {
        let symbols = try #require(try Self.load("symbolic/debug-files/macos/crash") as? SymbolTableSymbols)
        let text = String(decoding: try Fixtures.bytes("symbolic/expected/debuginfo/macos__crash.symbols.txt"), as: UTF8.self)
        let expected = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let ours = symbols.entries.map { "\(String($0.address, radix: 16)) \($0.name)" }
        #expect(expected.count == 195)
        #expect(Array(expected.dropFirst()) == ours, "\(Set(expected).symmetricDifference(ours).sorted())")
        #expect(expected.first == "0 _mh_execute_header")
    }

    @Test func functionStartsAndNamesAgreeWithDumpSyms() throws {
        let symbols = try Self.load("symbolic/debug-files/macos/crash")
        let functions = try Self.functions()
        #expect(functions.count == 193)
        let demangler = ItaniumDemangler()
        var sameStart = 0, named = 0, sameName = 0
        var differences: [String] = []
        for (address, name) in functions {
            guard let found = symbols.lookup(address) else {
                differences.append("0x\(String(address, radix: 16)) \(name): nothing")
                continue
            }
            if found.functionAddress == address { sameStart += 1 }
            // dump_syms writes "<name omitted>" where DWARF gave it none (C1/C2 constructor twins).
            guard name != "<name omitted>" else { continue }
            named += 1
            let readable = demangler.demangle(found.function, options: .complete) ?? found.function
            if readable == name { sameName += 1 } else { differences.append("\(name) ≠ \(readable)") }
        }
        #expect(sameStart == functions.count, "\(sameStart)/\(functions.count): \(differences.prefix(8))")
        #expect(named == 168)
        // What may differ, and why (anything else fails):
        // - C functions declared inside `namespace google_breakpad { extern "C" }`, which DWARF
        //   qualifies and the symbol table does not (`catch_exception_raise`);
        // - dump_syms' old reference collapsing, `T const&&&` for `T const&` (ours is right).
        let explained = differences.filter { line in
            let parts = line.components(separatedBy: " ≠ ")
            guard parts.count == 2 else { return false }
            return parts[0].hasSuffix("::" + parts[1]) || parts[0].replacingOccurrences(of: "&&&", with: "&") == parts[1]
        }
        #expect(sameName + explained.count == named, "\(sameName)/\(named): \(differences.prefix(8))")
        #expect(explained.count <= 3)
        print("Mach-O symbol table vs dump_syms: \(sameStart)/\(functions.count) starts, \(sameName)/\(named) names equal, "
              + "\(explained.count) explained")
    }

    /// `__eh_frame` gives the rules dump_syms wrote from it (its STACK CFI lines).
    @Test func unwindRulesFromEhFrame() throws {
        let symbols = try Self.load("symbolic/debug-files/macos/crash")
        let text = String(decoding: try Fixtures.bytes("symbolic/debug-files/macos/crash.sym"), as: UTF8.self)
        var checked = 0
        for line in text.split(separator: "\n") where line.hasPrefix("STACK CFI INIT ") {
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count == 6, let address = UInt64(fields[3], radix: 16) else { continue }
            #expect(symbols.callFrameInfo(at: address) == CallFrameRules(parsing: fields[5]), "\(line)")
            checked += 1
        }
        #expect(checked > 50)
    }

    /// The dSYM's DWARF: every LINE record of dump_syms' `.sym` (made from this dSYM) gives the
    /// same line at its address (the innermost position where calls were inlined), and its
    /// FUNC records the same function starts.
    @Test func dSYMLinesAndFunctionsAgreeWithDumpSyms() throws {
        let symbols = try Self.load("symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash")
        let text = String(decoding: try Fixtures.bytes("symbolic/debug-files/macos/crash.sym"), as: UTF8.self)
        var lines = 0, sameLine = 0, functions = 0, sameStart = 0
        var differences: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 4)
            if fields.first == "FUNC", fields.count == 5, let address = UInt64(fields[1], radix: 16) {
                functions += 1
                if symbols.lookup(address)?.functionAddress == address { sameStart += 1 }
            } else if fields.count == 4, let address = UInt64(fields[0], radix: 16), let number = UInt32(fields[2]) {
                lines += 1
                let info = symbols.lookup(address)
                let innermost = info?.inlines.first?.line ?? info?.line
                if innermost == number { sameLine += 1 } else if differences.count < 8 {
                    differences.append("0x\(String(address, radix: 16)): \(number) ≠ \(innermost.map(String.init) ?? "nil")")
                }
            }
        }
        #expect(lines > 5000 && functions == 193)
        #expect(sameStart == functions)
        #expect(sameLine == lines, "\(sameLine)/\(lines): \(differences)")
        print("dSYM vs dump_syms: \(sameStart)/\(functions) function starts, \(sameLine)/\(lines) line records")
    }

    @Test func fatAndSymbolTableLessFilesAreRefused() throws {
        let fat = try Fixtures.bytes("symbolic/debug-files/macos/Example.framework.dSYM/Contents/Resources/DWARF/Example")
        #expect(!MachOSymbolFormat().recognizes(ByteView(fat)))
        #expect(MachOSymbolFormat().recognizes(ByteView(try Fixtures.bytes("symbolic/debug-files/macos/crash"))))
    }

    @Test func damagedFilesNeverCrash() throws {
        let original = try Fixtures.bytes("symbolic/debug-files/macos/crash")
        var generator = SystemRandomNumberGenerator()
        var loaded = 0
        for round in 0..<200 {
            var bytes = original
            if round % 2 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<8 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            }
            if let symbols = try? MachOSymbolFormat().load(ByteView(bytes), location: "mutated") {
                loaded += 1
                _ = symbols.lookup(0x1000)
            }
        }
        #expect(loaded > 0, "no mutation stayed loadable: only error paths were exercised")
    }
}
