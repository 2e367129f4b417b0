import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// `crashpipe symbols convert` against the `.sym` files Mozilla's and Breakpad's dump_syms made
/// from the same ELF and Mach-O files.
@Suite struct SymbolsConvertTests {
    /// The records of a `.sym` file that the comparisons look at, with FILE numbers resolved to
    /// (normalized) paths.
    struct SymFile {
        var module = ""
        var codeId: String?
        var functions: [UInt64: (size: UInt64, name: String)] = [:]
        var lines: Set<String> = []
        var publics: [UInt64: String] = [:]
        var inlines = 0
        /// STACK CFI INIT ranges with their rows (address, rule text), in file order.
        var cfi: [(start: UInt64, end: UInt64, rows: [(UInt64, String)])] = []

        init(_ text: String) {
            var files: [String: String] = [:]
            var rawLines: [(String, String)] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                switch fields[0] {
                case "MODULE": module = String(line)
                case "INFO": if fields.count > 2, fields[1] == "CODE_ID" { codeId = fields[2] }
                case "FILE": files[fields[1]] = fields.dropFirst(2).joined(separator: " ")
                case "FUNC":
                    let f = fields[1] == "m" ? Array(fields.dropFirst()) : fields
                    functions[UInt64(f[1], radix: 16)!] = (UInt64(f[2], radix: 16)!, f.dropFirst(4).joined(separator: " "))
                case "PUBLIC":
                    let f = fields[1] == "m" ? Array(fields.dropFirst()) : fields
                    publics[UInt64(f[1], radix: 16)!] = f.dropFirst(3).joined(separator: " ")
                case "INLINE": inlines += 1
                case "INLINE_ORIGIN": break
                case "STACK":
                    guard fields.count > 3, fields[1] == "CFI" else { continue }
                    if fields[2] == "INIT" {
                        let start = UInt64(fields[3], radix: 16)!
                        let size = UInt64(fields[4], radix: 16)!
                        cfi.append((start, start + size, [(start, fields.dropFirst(5).joined(separator: " "))]))
                    } else {
                        cfi[cfi.count - 1].rows.append((UInt64(fields[2], radix: 16)!, fields.dropFirst(3).joined(separator: " ")))
                    }
                default:
                    if fields.count == 4 { rawLines.append(("\(fields[0]) \(fields[1]) \(fields[2])", fields[3])) }
                }
            }
            for (position, file) in rawLines {
                lines.insert("\(position) \(Self.normalize(files[file] ?? "?\(file)"))")
            }
        }

        /// `/a/bin/../include` → `/a/include` (Breakpad keeps such paths; DWARF readers clean them).
        static func normalize(_ path: String) -> String {
            var parts: [Substring] = []
            for part in path.split(separator: "/", omittingEmptySubsequences: true) {
                if part == ".." { if !parts.isEmpty { parts.removeLast() } } else if part != "." { parts.append(part) }
            }
            return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
        }

        /// The rules in effect at `address` (INIT plus deltas up to it), nil when no INIT covers it.
        func rules(at address: UInt64) -> CallFrameRules? {
            guard let entry = cfi.last(where: { $0.start <= address && address < $0.end }) else { return nil }
            var rules = CallFrameRules(rules: [:])
            for (at, text) in entry.rows where at <= address { _ = rules.apply(text) }
            return rules
        }
    }

    /// Share of `reference`'s items that `ours` has, as "n/m".
    struct Agreement: CustomStringConvertible {
        var same: Int
        var total: Int
        var ratio: Double { total == 0 ? 1 : Double(same) / Double(total) }
        var description: String { "\(same)/\(total)" }
    }

    static func compare(_ ours: SymFile, _ reference: SymFile)
        -> (functions: Agreement, functionRanges: Agreement, lines: Agreement, publics: Agreement) {
        let functions = reference.functions.filter { address, function in
            ours.functions[address].map { $0.size == function.size && $0.name == function.name } ?? false
        }.count
        let ranges = reference.functions.filter { ours.functions[$0.key]?.size == $0.value.size }.count
        let publics = reference.publics.filter { ours.publics[$0.key] == $0.value }.count
        return (Agreement(same: functions, total: reference.functions.count),
                Agreement(same: ranges, total: reference.functions.count),
                Agreement(same: reference.lines.intersection(ours.lines).count, total: reference.lines.count),
                Agreement(same: publics, total: reference.publics.count))
    }

    /// How the two files' CFI unwind differently at `address`, nil when they give the same caller:
    /// the same CFA and return address from the same made-up callee state, and for every register
    /// either file has a rule for, the same value (a register without a rule keeps its value,
    /// which is what `$rbx: $rbx` says too). One difference is accepted as the same: after an
    /// epilogue's `pop`, one writer says the register is unchanged and the other still loads it
    /// from the slot it was saved in, which on a real stack holds that same value.
    static func unwindingDifference(_ ours: SymFile, _ reference: SymFile, at address: UInt64, registers: [String]) -> String? {
        let a = ours.rules(at: address), b = reference.rules(at: address)
        guard let a, let b else { return a == nil && b == nil ? nil : "only one file has CFI" }
        var values: [String: UInt64] = [:]
        for (index, name) in registers.enumerated() { values[name] = 0x7fff_0000_1000 + UInt64(index) * 0x100 }
        let memory: (UInt64) -> UInt64? = { $0 &* 0x9E37_79B9_7F4A_7C15 }
        let names = Set(a.rules.keys).union(b.rules.keys).union([".ra"]).subtracting([".cfa"])
        func caller(_ rules: CallFrameRules) -> [String: UInt64?] {
            var evaluator = PostfixEvaluator(values: values, pointerSize: 8, readMemory: memory)
            let cfa = rules.rules[".cfa"].flatMap { evaluator.evaluate($0) }
            evaluator.values[".cfa"] = cfa
            var out: [String: UInt64?] = [".cfa": cfa]
            for name in names { out[name] = rules.rules[name].map { evaluator.evaluate($0) } ?? evaluator.value(of: name) }
            return out
        }
        let x = caller(a), y = caller(b)
        var differences: [String] = []
        for name in names.union([".cfa"]).sorted() where x[name] != y[name] {
            let ruleA = a.rules[name]?.description ?? name, ruleB = b.rules[name]?.description ?? name
            let restored = { (rule: String) in rule.hasPrefix(".cfa ") && rule.hasSuffix(" + ^") }
            if name.hasPrefix("$"), (ruleA == name && restored(ruleB)) || (ruleB == name && restored(ruleA)) { continue }
            differences.append("\(name): \(ruleA) vs \(ruleB)")
        }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }

    /// Sample addresses of a file's CFI: each INIT's start, each row's address, the middle and
    /// the last byte of each range.
    static func cfiSample(_ file: SymFile) -> [UInt64] {
        file.cfi.flatMap { entry in entry.rows.map(\.0) + [entry.start + (entry.end - entry.start) / 2, entry.end - 1] }
    }

    static let amd64 = ["$rax", "$rdx", "$rcx", "$rbx", "$rsi", "$rdi", "$rbp", "$rsp", "$r8", "$r9", "$r10", "$r11",
                        "$r12", "$r13", "$r14", "$r15", "$rip"]

    func convert(_ arguments: [String]) throws -> SymFile {
        let result = try CLITests.run(["symbols", "convert"] + arguments)
        #expect(result.status == 0, "convert failed: \(result.stderr)")
        return SymFile(result.stdout)
    }

    func reference(_ path: String) throws -> SymFile {
        SymFile(try String(contentsOfFile: Fixtures.path(path), encoding: .utf8))
    }

    // MARK: - Mozilla dump_syms

    /// `basic.full` gives Mozilla dump_syms' output byte for byte, with and without inlines, and
    /// so does the stripped binary with only MiniDebugInfo.
    @Test func basicFullIsByteIdenticalToMozillaDumpSyms() throws {
        for (flags, input, expected) in [([String](), "basic.full", "basic.full.inlines.sym"),
                                         (["--no-inlines"], "basic.full", "basic.full.sym"),
                                         ([], "basic.minidebuginfo", "basic.minidebuginfo.sym")] {
            let result = try CLITests.run(["symbols", "convert"] + flags + [Fixtures.path("dump_syms/linux/\(input)")])
            #expect(result.status == 0, "\(result.stderr)")
            let reference = try String(contentsOfFile: Fixtures.path("dump_syms/linux/\(expected)"), encoding: .utf8)
            #expect(result.stdout == reference, "differs from \(expected)")
        }
    }

    /// The other Linux inputs: a split debug file alone and with its stripped binary, DWARF
    /// compressed by dwz, and MiniDebugInfo.
    @Test(arguments: [
        (["basic.dbg"], "basic.dbg.sym", ["--no-inlines"]),
        (["basic.stripped", "basic.dbg"], "basic.full.inlines.sym", []),
        (["basic.dwz"], "basic.dwz.inlines.sym", []),
    ])
    func linuxAgreesWithMozillaDumpSyms(inputs: [String], expected: String, flags: [String]) throws {
        let ours = try convert(flags + inputs.map { Fixtures.path("dump_syms/linux/\($0)") })
        let reference = try reference("dump_syms/linux/\(expected)")
        // dump_syms wrote these with the binary renamed (MODULE says basic.full for basic.dbg).
        #expect(ours.module.split(separator: " ").dropLast() == reference.module.split(separator: " ").dropLast())
        #expect(ours.codeId == reference.codeId)
        let agreement = Self.compare(ours, reference)
        #expect(agreement.functions.ratio >= 0.99, "FUNC \(agreement.functions)")
        if inputs == ["basic.dwz"] {
            // The unit's directory lives in the dwz supplementary file, which is not there:
            // dump_syms writes `/basic.cpp`, crashpipe `basic.cpp`. Positions agree.
            let positions = { (file: SymFile) in Set(file.lines.map { $0.split(separator: " ").prefix(3).joined(separator: " ") }) }
            #expect(positions(ours) == positions(reference))
            #expect(ours.inlines == reference.inlines)
        } else {
            #expect(agreement.lines.ratio >= 0.99, "LINE \(agreement.lines)")
        }
        // The PLT names carry the file name dump_syms was given, which was not always this one.
        let publics = reference.publics.filter { !$0.value.contains(" ELF section in ") }
        #expect(publics.allSatisfy { ours.publics[$0.key] == $0.value }, "PUBLIC \(agreement.publics)")
        let sample = Self.cfiSample(reference)
        let same = sample.filter { Self.unwindingDifference(ours, reference, at: $0, registers: Self.amd64) == nil }.count
        if inputs == ["basic.dbg"] {
            // basic.dbg's .eh_frame is SHT_NOBITS: there is no CFI in the file to convert (the
            // reference was evidently made with the binary at hand).
            #expect(ours.cfi.isEmpty)
        } else {
            #expect(same == sample.count, "CFI unwinding agrees at \(same)/\(sample.count) addresses")
        }
    }

    /// The macOS executable with its dSYM against Mozilla's `crash.inlines.sym`: every FUNC, line
    /// record and INLINE record.
    @Test func macOSAgreesWithMozillaDumpSyms() throws {
        let ours = try convert([Fixtures.path("symbolic/debug-files/macos/crash"), Fixtures.path("symbolic/debug-files/macos/crash.dSYM")])
        let reference = try reference("symbolic/debug-files/macos/crash.inlines.sym")
        #expect(ours.module == reference.module)
        let agreement = Self.compare(ours, reference)
        #expect(agreement.functions.same == 193 && agreement.functions.total == 193, "FUNC \(agreement.functions)")
        #expect(agreement.lines.same == 4587 && agreement.lines.total == 4587, "LINE \(agreement.lines)")
        #expect(ours.inlines == reference.inlines && ours.inlines == 1261)
    }

    /// The STACK CFI records are symbolic's own CFI output for the file, line for line: DWARF
    /// `.eh_frame` on x86_64 and aarch64 Linux, compact unwind with the FDEs it defers to on macOS.
    @Test(arguments: [("linux/crash", "linux__crash"), ("linux/arm64/cfi_test", "linux__arm64__cfi_test"),
                      ("macos/crash", "macos__crash")])
    func stackCFIIsSymbolicsCFI(input: String, expected: String) throws {
        let result = try CLITests.run(["symbols", "convert", Fixtures.path("symbolic/debug-files/\(input)")])
        #expect(result.status == 0, "\(result.stderr)")
        let stack = result.stdout.split(separator: "\n").filter { $0.hasPrefix("STACK ") }.map { $0 + "\n" }.joined()
        let reference = try String(contentsOfFile: Fixtures.path("symbolic/expected/cfi/\(expected).cfi.txt"), encoding: .utf8)
        #expect(!stack.isEmpty && stack == reference)
    }

    // MARK: - Breakpad dump_syms

    /// Breakpad's dump_syms on the Linux binary (symbol table and .eh_frame only): the same file,
    /// STACK CFI included, byte for byte.
    @Test func linuxBinaryIsByteIdenticalToBreakpadDumpSyms() throws {
        let result = try CLITests.run(["symbols", "convert", "--flavor", "breakpad",
                                       Fixtures.path("symbolic/debug-files/linux/crash")])
        #expect(result.status == 0, "\(result.stderr)")
        let reference = try String(contentsOfFile: Fixtures.path("symbolic/debug-files/linux/crash.sym"), encoding: .utf8)
        #expect(result.stdout == reference)
        // Mozilla's flavor writes the CFI in symbolic's layout: different text, same unwinding.
        let ours = try convert([Fixtures.path("symbolic/debug-files/linux/crash")])
        let breakpad = SymFile(reference)
        let sample = Self.cfiSample(breakpad)
        let differences = sample.compactMap { address in
            Self.unwindingDifference(ours, breakpad, at: address, registers: Self.amd64).map { (address, $0) }
        }
        // The one difference: `_start` marks its return address undefined (DW_CFA_undefined
        // %rip, the outermost frame). Breakpad's dump_syms ignores that and reads a return
        // address at .cfa-8; symbolic, Mozilla's dump_syms and crashpipe write no `.ra`, so the
        // walk ends there.
        #expect(sample.count == 1822)
        #expect(differences.map(\.0) == [0x1dc0, 0x1dd5, 0x1de9], "\(differences)")
        #expect(differences.allSatisfy { $0.1.hasPrefix(".ra: .ra vs .cfa ") })
        #expect(ours.functions.isEmpty && ours.publics[0x1dc0] == "_start")
    }

    /// The macOS executable with its dSYM against Breakpad's `crash.sym`: every FUNC range and
    /// line record. Names agree except where Breakpad wrote `<name omitted>` (it found no name
    /// for constructors and destructors that have only a symbol-table name) and two Breakpad
    /// quirks, which are listed.
    @Test func macOSAgreesWithBreakpadDumpSyms() throws {
        let ours = try convert(["--flavor", "breakpad", "--no-inlines", Fixtures.path("symbolic/debug-files/macos/crash"),
                                Fixtures.path("symbolic/debug-files/macos/crash.dSYM")])
        let reference = try reference("symbolic/debug-files/macos/crash.sym")
        #expect(ours.module == reference.module)
        let agreement = Self.compare(ours, reference)
        #expect(agreement.functionRanges.same == 193 && agreement.functionRanges.total == 193)
        #expect(agreement.lines.same == 5593 && agreement.lines.total == 5593, "LINE \(agreement.lines)")
        var omitted = 0
        var quirks: [String] = []
        for (address, function) in reference.functions where ours.functions[address]?.name != function.name {
            if function.name == "<name omitted>" { omitted += 1 } else { quirks.append(function.name) }
        }
        #expect(agreement.functions.same == 166, "FUNC names \(agreement.functions)")
        #expect(omitted == 25)
        // `const&&&` is Breakpad's demangler; the qualified extern "C" name is its DWARF name,
        // where the symbol table (and Mozilla's dump_syms) say `catch_exception_raise`.
        #expect(Set(quirks) == ["google_breakpad::catch_exception_raise",
                                "void std::__1::vector<MDMemoryDescriptor, google_breakpad::PageStdAllocator<MDMemoryDescriptor> >::__push_back_slow_path<MDMemoryDescriptor const&>(MDMemoryDescriptor const&&&)"])
        let sample = Self.cfiSample(reference)
        let same = sample.filter { Self.unwindingDifference(ours, reference, at: $0, registers: Self.amd64) == nil }.count
        #expect(sample.count == 399 && same == sample.count, "CFI unwinding agrees at \(same)/\(sample.count) addresses")
    }

    // MARK: - Store layout and errors

    /// `--output` writes Breakpad's store layout, which `crashpipe stackwalk` reads back: the
    /// converted files symbolicate `linux.dmp` as the native files do.
    @Test func outputIsABreakpadStoreTheStackwalkReads() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let crash = Fixtures.path("symbolic/debug-files/linux/crash")
        let debug = Fixtures.path("symbolic/debug-files/linux/crash.debug")
        let result = try CLITests.run(["symbols", "convert", "--output", store.path, crash, debug])
        #expect(result.status == 0, "\(result.stderr)")
        let written = store.appendingPathComponent("crash/C0BCC3F19827FE653058404B2831D9E60/crash.sym")
        #expect(FileManager.default.fileExists(atPath: written.path))

        let dump = Fixtures.path("symbolicator/minidumps/linux.dmp")
        let fromStore = try CLITests.run(["stackwalk", dump, store.path])
        let fromNative = try CLITests.run(["stackwalk", dump, crash, debug])
        #expect(fromStore.status == 0 && fromNative.status == 0)
        // The crashing thread's frame lines.
        let frames = { (text: String) in CLITests.crashedThread(text).filter { !$0.hasPrefix("Found by") } }
        let converted = frames(fromStore.stdout), native = frames(fromNative.stdout)
        #expect(Array(converted.prefix(4)) == ["0  crash!crash [main.cpp : 23]", "1  crash!start [main.cpp : 27]",
                                           "2  crash!main [main.cpp : 35 + 0x0]", "3  libc-2.23.so + 0x20830"])
        #expect(Array(native.prefix(4)) == Array(converted.prefix(4)))
        // Past the CFI, the scan meets a stale return address just past __libc_csu_init. The
        // `.sym` has it as a PUBLIC record (dump_syms writes symbol-table functions so), which
        // covers everything up to the next symbol, so the scan takes it; the binary's symbol
        // table says the function is 0x65 bytes long, so the native walk goes on to `_start`.
        #expect(converted.dropFirst(4).first == "4  crash!__libc_csu_init + 0x70")
        #expect(native.dropFirst(4).first == "4  crash!_start + 0x29")
    }

    /// A fat dSYM holds two modules: standard output takes one (`--arch`), a store takes both.
    @Test func fatFilesNeedAnArchitectureOrAStore() throws {
        let fat = Fixtures.path("symbolic/debug-files/macos/Example.framework.dSYM")
        let both = try CLITests.run(["symbols", "convert", fat])
        #expect(both.status == 2 && both.stderr.contains("2 modules") && both.stdout.isEmpty, "\(both.stderr)")
        let arm = try CLITests.run(["symbols", "convert", "--arch", "arm64", fat])
        #expect(arm.status == 0 && arm.stdout.hasPrefix("MODULE Mac arm64 2556F1515A403847BE6CE2C1B5BE4DF80 Example\n"))
        let none = try CLITests.run(["symbols", "convert", "--arch", "riscv64", fat])
        #expect(none.status == 2 && none.stderr.contains("arm64, x86_64"))
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let written = try CLITests.run(["symbols", "convert", "--output", store.path, fat])
        #expect(written.status == 0)
        for id in ["3B4566E4491B3DCF94F5AE51F624DD870", "2556F1515A403847BE6CE2C1B5BE4DF80"] {
            #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("Example/\(id)/Example.sym").path))
        }
    }

    /// Files that are no debug file, or not one that converts, are named in the error; the rest
    /// are still converted.
    @Test func badInputsAreReportedByName() throws {
        let notDebug = Fixtures.path("breakpad/minidumps/minidump2.dmp")
        let pdb = Fixtures.path("symbolic/debug-files/windows/crash.pdb")
        let result = try CLITests.run(["symbols", "convert", notDebug, pdb, Fixtures.path("dump_syms/linux/basic.full")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(notDebug): not a debug file"))
        #expect(result.stderr.contains("\(pdb): pdb files cannot be converted"))
        #expect(result.stdout.hasPrefix("MODULE Linux x86_64 20AD60B0B4C68177552708AA192E77390 basic.full\n"))

        let truncated = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: truncated) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("dump_syms/linux/basic.full")))
        try bytes.prefix(100).write(to: truncated)
        let broken = try CLITests.run(["symbols", "convert", truncated.path])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains(truncated.path))
        #expect(broken.stderr.contains("offset"))
    }
}
