import CrashpipeCore
import Foundation
import SymbolsBreakpad
import TestSupport
import Testing

/// symbolic's regression lookups (sym_lookups.json) and the Windows STACK WIN data.
struct SymbolicLookupTests {
    struct Lookup: Decodable {
        var file: String
        var address: String?
        var function: String?
    }

    struct Lookups: Decodable {
        var lookups: [Lookup]
    }

    @Test func symLookupsJSON() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("symbolic/expected/sym_lookups.json")))
        let lookups = try JSONDecoder().decode(Lookups.self, from: data).lookups
        #expect(lookups.count == 4)
        for lookup in lookups {
            let symbols = try loadSymbols("symbolic/" + lookup.file)
            #expect(symbols.problems.isEmpty, "\(lookup.file)")
            guard let text = lookup.address, let function = lookup.function else { continue }
            let address = try #require(UInt64(text.dropFirst(2), radix: 16))
            #expect(symbols.lookup(address)?.function == function, "\(lookup.file)")
        }
    }

    @Test func details() throws {
        // A FUNC larger than 0xffff with a FILE id larger than 0xffff.
        let xul2 = try loadSymbols("symbolic/debug-files/xul2.sym")
        let info = try #require(xul2.lookup(0x3c105a1))
        #expect(info.functionAddress == 0x3c01d20)
        #expect(info.line == 3071)
        #expect(info.lineAddress == 0x3c104fd)
        #expect(info.file == "hg:hg.mozilla.org/mozilla-central:js/src/vm/Interpreter.cpp:e4b11f027efc1f8c2710ae3f52487a8f10a8fb39")
        #expect(xul2.module?.codeId == "5ED439916EB4000" && xul2.module?.codeFile == "xul.dll")

        // A lone PUBLIC covers everything above it.
        let gallium = try loadSymbols("symbolic/debug-files/libgallium_dri.sym")
        #expect(gallium.lookup(0x88e650)?.isPublic == true)
        #expect(gallium.lookup(UInt64.max)?.function == "nouveau_drm_screen_create")
        #expect(gallium.lookup(0x88e64f) == nil)
        #expect(gallium.module?.codeFile == nil)

        // A 155 KB function name.
        let large = try loadSymbols("symbolic/debug-files/regression/large_symbol.sym")
        #expect(large.problems.isEmpty)
        let function = try #require(large.lookup(0x94650))
        #expect(function.function.utf8.count > 150_000)
        #expect(function.function.hasPrefix("sqlpp::result_t<decltype"))
    }

    /// Windows crash.sym: frame data with program strings, FPO, and the parameter size of FUNC
    /// records, as the x86 unwinder reads them.
    @Test func windowsFrameData() throws {
        let symbols = try loadSymbols("symbolic/debug-files/windows/crash.sym")
        #expect(symbols.recordCounts.windowsFrames > 100)
        // STACK WIN 4 1000 114 11 0 8 0 0 0 1 $T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =
        // STACK WIN 4 100f f5 2 0 8 4 c 0 1 …: starts inside the first one, which is cut at 100f.
        let first = try #require(symbols.windowsFrameInfo(at: 0x1000))
        #expect(first.type == 4)
        #expect(first.address == 0x1000 && first.size == 0xf)
        #expect(first.prologSize == 0x11 && first.parameterSize == 8)
        #expect(first.programString == "$T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =")
        let second = try #require(symbols.windowsFrameInfo(at: 0x1010))
        #expect(second.address == 0x100f)
        #expect(second.savedRegisterSize == 4 && second.localSize == 0xc)
        #expect(second.programString == "$T0 .raSearch = $eip $T0 ^ = $esp $T0 4 + =  $20 $T0 16 - ^ =")
        #expect(symbols.lookup(0x1010)?.parameterSize == 0)
        #expect(symbols.lookup(0x1380)?.function == "swprintf_s")
        #expect(symbols.lookup(0x1380)?.parameterSize == 0xc)

        let text = try String(contentsOfFile: Fixtures.path("symbolic/debug-files/windows/crash.sym"), encoding: .utf8)
        let fpoLines = text.split(separator: "\n").filter { $0.hasPrefix("STACK WIN 0 ") }
        #expect(fpoLines.count == 2)
        for line in fpoLines {
            let fields = line.split(separator: " ")
            let address = try #require(UInt64(fields[3], radix: 16))
            let info = try #require(symbols.windowsFrameInfo(at: address))
            #expect(info.type == 0 || info.type == 4)
            if info.type == 0 {
                #expect(info.programString == nil)
                #expect(info.allocatesBasePointer == (fields[12] != "0"))
                #expect(info.parameterSize == UInt32(fields[7], radix: 16))
            }
        }
    }

    @Test func stackWinTypesAndFlags() throws {
        let symbols = parseSymbols("""
            MODULE windows x86 0 test.pdb
            STACK WIN 0 1000 10 1 2 3 4 5 6 0 1
            STACK WIN 0 2000 10 0 0 0 0 0 0 0 0
            STACK WIN 4 2000 10 4 0 8 0 0 0 1 $T0 $ebp =
            STACK WIN 1 3000 10 0 0 0 0 0 0 0 0
            STACK WIN 2 3000 10 0 0 0 0 0 0 0 0
            STACK WIN 3 3000 10 0 0 0 0 0 0 0 0
            """)
        #expect(symbols.problems.isEmpty)
        let fpo = try #require(symbols.windowsFrameInfo(at: 0x100f))
        #expect(fpo == WindowsFrameInfo(type: 0, address: 0x1000, size: 0x10, prologSize: 1, epilogSize: 2,
                                        parameterSize: 3, savedRegisterSize: 4, localSize: 5, maxStackSize: 6,
                                        allocatesBasePointer: true, programString: nil))
        // Frame data wins over FPO for the same range.
        #expect(symbols.windowsFrameInfo(at: 0x2000)?.type == 4)
        #expect(symbols.windowsFrameInfo(at: 0x2000)?.programString == "$T0 $ebp =")
        // Types 1–3 are valid but never used.
        #expect(symbols.windowsFrameInfo(at: 0x3000) == nil)
        #expect(symbols.windowsFrameInfo(at: 0x1010) == nil)
    }
}
