import CrashpipeCore
import SymbolsBreakpad
import Testing

/// The lookups Breakpad's `basic_source_line_resolver_unittest.cc` (TestLoadAndResolve,
/// TestInvalidLoads) asserts on its `module1.out` … `module4_bad.out` test files.
struct ResolverUnitTests {
    static let programString = "$eip 4 + ^ = $esp $ebp 8 + = $ebp $ebp ^ ="

    @Test func module1FunctionsLinesAndFrameData() throws {
        let module1 = try loadSymbols("breakpad/sym-parser/module1.out")
        #expect(module1.problems.isEmpty)
        #expect(module1.module == BreakpadModuleInfo(os: "windows", cpu: "x86",
                                                     debugId: "111111111111111111111111111111111",
                                                     debugFile: "module1.pdb", codeId: "FFFFFFFF",
                                                     codeFile: "module1.exe"))

        let f11 = try #require(module1.lookup(0x1000))
        #expect(f11.function == "Function1_1")
        #expect(f11.functionAddress == 0x1000)
        #expect(f11.file == "file1_1.cc")
        #expect(f11.line == 44)
        #expect(f11.lineAddress == 0x1000)
        #expect(f11.isPublic == false)
        #expect(f11.inlines.isEmpty)
        let win = try #require(module1.windowsFrameInfo(at: 0x1000))
        #expect(win.type == 4)
        #expect(win.allocatesBasePointer == false)
        #expect(win.programString == Self.programString)

        #expect(module1.lookup(0x800) == nil)
        #expect(module1.windowsFrameInfo(at: 0x800) == nil)

        // FUNC without line records; no STACK WIN covers it (Breakpad then reports only the
        // parameter size, which is in the lookup).
        let f13 = try #require(module1.lookup(0x1280))
        #expect(f13.function == "Function1_3")
        #expect(f13.file == nil && f13.line == nil && f13.lineAddress == nil)
        #expect(f13.parameterSize == 8)
        #expect(module1.windowsFrameInfo(at: 0x1280) == nil)

        let f14 = try #require(module1.lookup(0x1380))
        #expect(f14.function == "Function1_4")
        #expect(f14.file == nil && f14.line == nil)
        let win14 = try #require(module1.windowsFrameInfo(at: 0x1380))
        #expect(win14.type == 4)
        #expect(win14.allocatesBasePointer == false)
        #expect(win14.programString?.isEmpty == false)

        #expect(module1.windowsFrameInfo(at: 0x2000) == nil)

        // FUNC with size 0 is ignored; nothing else covers 0x2000.
        #expect(module1.lookup(0x2000) == nil)
        #expect(!module1.hasFunction(at: 0x2000))

        let publicSymbol = try #require(module1.lookup(0x2900))
        #expect(publicSymbol.function == "PublicSymbol")
        #expect(publicSymbol.functionAddress == 0x2800)
        #expect(publicSymbol.isPublic)
        #expect(!module1.hasFunction(at: 0x2900))

        let large = try #require(module1.lookup(0x4000))
        #expect(large.function == "LargeFunction")
        #expect(large.line == 4_098_359)
        #expect(large.file == "file1_3.cc")
        #expect(large.parameterSize == 0x42)
        #expect(module1.hasFunction(at: 0x4000))
    }

    @Test func module1CFIRangesAndCallerRegisters() throws {
        let module1 = try loadSymbols("breakpad/sym-parser/module1.out")
        // module1's STACK CFI covers 3d40 ..< 3def only.
        #expect(module1.callFrameInfo(at: 0x3d3f) == nil)
        #expect(module1.callFrameInfo(at: 0x3e9f) == nil)
        #expect(module1.callFrameInfo(at: 0x3def) == nil)
        #expect(module1.callFrameInfo(at: 0x3dee) != nil)

        // Breakpad's MockMemoryRegion: the saved registers and return address above the frame.
        let memory: [UInt64: UInt64] = [0x10008: 0x98ec_adc3, 0x1000c: 0x878f_7524, 0x10010: 0x6312_f9a5,
                                        0x10014: 0x10038, 0x10018: 0xf643_8648]
        let read: (UInt64) -> UInt64? = { memory[$0] ?? 0xdead_beef }
        let expected: [String: UInt64] = ["esp": 0x1001c, "eip": 0xf643_8648, "ebp": 0x10038, "ebx": 0x98ec_adc3,
                                          "esi": 0x878f_7524, "edi": 0x6312_f9a5]
        var registers: [String: UInt64] = ["esp": 0x10018, "ebp": 0x10038, "ebx": 0x98ec_adc3,
                                           "esi": 0x878f_7524, "edi": 0x6312_f9a5]
        // At each delta the callee has moved on (pushed, clobbered a register); the caller's
        // registers come out the same every time.
        let steps: [(UInt64, String, UInt64, Set<String>)] = [
            (0x3d40, "esp", 0x10018, []),
            (0x3d41, "esp", 0x10014, []),
            (0x3d43, "ebp", 0x10014, ["ebp"]),
            (0x3d54, "ebx", 0x6864_f054, ["ebp", "ebx"]),
            (0x3d5a, "esi", 0x6285_f79a, ["ebp", "ebx", "esi"]),
            (0x3d84, "edi", 0x6406_1449, ["ebp", "ebx", "esi", "edi"]),
        ]
        for (address, register, value, recovered) in steps {
            registers[register] = value
            let rules = try #require(module1.callFrameInfo(at: address))
            let caller = try #require(rules.callerContext(of: context(TestLayouts.x86, registers), readMemory: read))
            #expect(caller["esp"] == expected["esp"], "cfa at \(String(address, radix: 16))")
            #expect(caller["eip"] == expected["eip"], "ra at \(String(address, radix: 16))")
            for name in recovered {
                #expect(caller[name] == expected[name], "\(name) at \(String(address, radix: 16))")
            }
            // Registers without a rule are unknown in the caller, not wrong.
            for name in ["ebp", "ebx", "esi", "edi"] where !recovered.contains(name) {
                #expect(caller[name] == nil)
            }
        }
    }

    @Test func module2FunctionsPublicsAndBounds() throws {
        let module2 = try loadSymbols("breakpad/sym-parser/module2.out")
        #expect(module2.problems.isEmpty)
        let f22 = try #require(module2.lookup(0x2181))
        #expect(f22.function == "Function2_2")
        #expect(f22.functionAddress == 0x2170)
        #expect(f22.file == "file2_2.cc")
        #expect(f22.line == 21)
        #expect(f22.lineAddress == 0x2180)
        let win = try #require(module2.windowsFrameInfo(at: 0x2181))
        #expect(win.type == 4)
        #expect(win.prologSize == 1)
        #expect(win.address == 0x2170 && win.size == 0x14)

        // A PUBLIC counts only above the nearest function below the address.
        #expect(module2.lookup(0x216f)?.function == "Public2_1")
        #expect(module2.lookup(0x216f)?.isPublic == true)
        #expect(module2.lookup(0x219f) == nil)
        #expect(module2.lookup(0x21a0)?.function == "Public2_2")
        #expect(module2.lookup(0xffff_ffff)?.function == "Public2_2")

        // Function2_1's line records lie outside the function: they never match.
        let f21 = try #require(module2.lookup(0x2004))
        #expect(f21.function == "Function2_1")
        #expect(f21.line == nil)

        // module2's CFI is 3df0 ..< 3e9f.
        #expect(module2.callFrameInfo(at: 0x3def) == nil)
        let rules = try #require(module2.callFrameInfo(at: 0x3e9e))
        #expect(rules == CallFrameRules(parsing: ".cfa: $ebp 8 + .ra: .cfa 4 - ^ $ebp: .cfa 8 - ^ "
                                        + "$ebx: .cfa 20 - ^ $esi: .cfa 16 - ^ $edi: .cfa 12 - ^"))
        #expect(module2.callFrameInfo(at: 0x3e9f) == nil)
    }

    @Test func badModulesAreFlaggedButStillUsable() throws {
        let module3 = try loadSymbols("breakpad/sym-parser/module3_bad.out")
        #expect(module3.problemRecords == [BreakpadSymbolProblem(line: 3, reason: "FUNC: size is missing")])
        #expect(module3.module?.debugFile == "module3.pdb")
        #expect(module3.recordCounts.files == 1)
        #expect(module3.lookup(0x1000) == nil)

        let module4 = try loadSymbols("breakpad/sym-parser/module4_bad.out")
        #expect(module4.problemRecords.map(\.line) == [4, 5])
        #expect(module4.problemRecords.allSatisfy { $0.reason == "line record: source line data without a FUNC" })
        #expect(module4.problems.first == "line 4: line record: source line data without a FUNC")
        #expect(module4.module?.debugId == "444444444444444444444444444444444")
        #expect(module4.recordCounts.files == 2)
        #expect(module4.lookup(0x1000) == nil)
    }

    /// Breakpad's SymbolParseHelper tests: what each record accepts and refuses.
    @Test func fieldRulesOfEachRecord() throws {
        let good = parseSymbols("""
            MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 test
            FILE 1 file name
            FILE 0 file zero
            FUNC a1 a2 a3 function name
            a1 a2 3 1  // some comment
            FUNC m b00 10 0 multiple
            b00 10 0 0
            PUBLIC 0 a2 ignored at zero
            PUBLIC m c00 a2 public name
            PUBLIC d00 2 3
            """)
        #expect(good.problems.isEmpty)
        let function = try #require(good.lookup(0xa1))
        #expect(function.function == "function name")
        #expect(function.parameterSize == 0xa3)
        #expect(function.file == "file name" && function.line == 3)
        let multiple = try #require(good.lookup(0xb05))
        #expect(multiple.function == "multiple" && multiple.file == "file zero" && multiple.line == 0)
        #expect(good.lookup(0xc01)?.function == "public name")
        #expect(good.lookup(0xc01)?.parameterSize == 0xa2)
        #expect(good.lookup(0xd00)?.function == "3")
        #expect(good.lookup(0x10) == nil)

        let badLines = [
            "FILE 1 ", "FILE x1 file name", "FILE 123123123123123123123123 file name", "FILE -2 file name",
            "FUNC 1 2 3 ", "FUNC 1z 2 3 function name", "FUNC 123123123123123123123123123 2 3 function name",
            "FUNC 1 z2 3 function name", "FUNC 1 231231231231231231231231232 3 function name",
            "FUNC 1 2 3z function name", "FUNC 1 2 312312312312312312312312323 function name",
            "FUNC 1 2 -5 function name", "FUNC x 1 2 5 function name",
            "PUBLIC 1 2 ", "PUBLIC 1z 2 3", "PUBLIC 123123123123123123123123 2 3", "PUBLIC 1 z2 3",
            "PUBLIC 1 123123123123123123123123123 3", "PUBLIC 1 -5 3", "PUBLIC x 1 5 3",
        ]
        let lineRecordsInFunction = ["1 2 3", "1z 2 3 4", "123123123123123123123123 2 3 4", "1 z2 3 4",
                                     "1 123123123123123123123123 3 4", "1 2 z3 4", "1 2 -1 4",
                                     "1 2 123123123123123123123 4", "1 2 3 f"]
        for line in badLines {
            let symbols = parseSymbols("MODULE Linux x86 0 m\n" + line)
            #expect(symbols.problemRecords.map(\.line) == [2], "\(line)")
        }
        for line in lineRecordsInFunction {
            let symbols = parseSymbols("MODULE Linux x86 0 m\nFUNC 1 100 0 f\n" + line)
            #expect(symbols.problemRecords.map(\.line) == [3], "\(line)")
            #expect(symbols.lookup(1)?.function == "f")
        }
    }
}
