import CrashpipeCore
import TestSupport
import UnwindX86

// The fixture of Breakpad's stackwalker_x86_unittest.cc in Swift: a stack assembled from
// labels at a fixed address, modules at fixed places, and canned symbols read from the same
// Breakpad text the C++ tests use (parsed here, so these tests do not depend on the
// SymbolsBreakpad plugin).

/// A stack at `base`, built with a little-endian ``ByteSection``. Labels mark stack slots; a
/// label written as a value becomes the slot's absolute address.
final class TestStack {
    let base: UInt64
    let section = ByteSection()
    private var laidOut: [UInt8]?

    init(base: UInt64) { self.base = base }

    @discardableResult func d32(_ value: UInt32) -> TestStack { section.u32(value); return self }
    @discardableResult func d32(_ values: [UInt32]) -> TestStack { values.forEach { section.u32($0) }; return self }
    /// The absolute address of `label`.
    @discardableResult func d32(_ label: SynthLabel) -> TestStack {
        section.u32(label, plus: Int64(base))
        return self
    }
    @discardableResult func mark(_ label: SynthLabel) -> TestStack { section.mark(label); return self }
    @discardableResult func append(_ count: Int, _ byte: UInt8) -> TestStack {
        section.append(repeating: byte, count: count)
        return self
    }

    /// The stack's memory (lays the section out and resolves the labels).
    func region() -> MemoryRegion {
        let bytes = laidOut ?? section.contents()
        laidOut = bytes
        return MemoryRegion(base: base, bytes: ByteView(bytes))
    }

    /// Where `label` landed (after ``region()``).
    func address(_ label: SynthLabel) -> UInt64 {
        if laidOut == nil { _ = region() }
        return base + label.resolvedValue!
    }
}

/// A module's symbols from Breakpad `.sym` lines: FUNC, PUBLIC, STACK WIN, STACK CFI INIT and
/// STACK CFI (others, like FILE and line records, are ignored). Lookups behave as Breakpad's
/// resolver: a FUNC covers its range, a PUBLIC covers up to the next FUNC or PUBLIC, STACK WIN
/// prefers frame data (type 4) over FPO (type 0).
struct TestSymbols: ModuleSymbols {
    struct Function: Sendable { var address, size: UInt64; var parameterSize: UInt32; var name: String }
    struct Public: Sendable { var address: UInt64; var parameterSize: UInt32; var name: String }
    struct CFI: Sendable { var address, size: UInt64; var initial: String; var deltas: [(UInt64, String)] }

    var functions: [Function] = []
    var publics: [Public] = []
    var cfi: [CFI] = []
    var windows: [WindowsFrameInfo] = []
    var problems: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            func hex(_ i: Int) -> UInt64 { UInt64(words[i], radix: 16)! }
            func rest(_ i: Int) -> String { words.dropFirst(i).joined(separator: " ") }
            switch words.first {
            case "FUNC":
                functions.append(Function(address: hex(1), size: hex(2), parameterSize: UInt32(hex(3)), name: rest(4)))
            case "PUBLIC":
                publics.append(Public(address: hex(1), parameterSize: UInt32(hex(2)), name: rest(3)))
            case "STACK" where words[1] == "WIN":
                let hasProgram = hex(11) != 0
                windows.append(WindowsFrameInfo(
                    type: UInt8(hex(2)), address: hex(3), size: hex(4), prologSize: UInt32(hex(5)),
                    epilogSize: UInt32(hex(6)), parameterSize: UInt32(hex(7)), savedRegisterSize: UInt32(hex(8)),
                    localSize: UInt32(hex(9)), maxStackSize: UInt32(hex(10)),
                    allocatesBasePointer: !hasProgram && rest(12) != "0", programString: hasProgram ? rest(12) : nil))
            case "STACK" where words[2] == "INIT":
                cfi.append(CFI(address: hex(3), size: hex(4), initial: rest(5), deltas: []))
            case "STACK":
                cfi[cfi.count - 1].deltas.append((hex(2), rest(3)))
            default:
                continue
            }
        }
    }

    func lookup(_ address: UInt64) -> SymbolInfo? {
        if let f = functions.first(where: { address >= $0.address && address - $0.address < $0.size }) {
            return SymbolInfo(function: f.name, functionAddress: f.address, parameterSize: f.parameterSize)
        }
        guard let p = publics.filter({ $0.address <= address }).max(by: { $0.address < $1.address }),
              !functions.contains(where: { $0.address > p.address && $0.address <= address }) else { return nil }
        return SymbolInfo(function: p.name, functionAddress: p.address, parameterSize: p.parameterSize, isPublic: true)
    }

    func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        guard let entry = cfi.first(where: { address >= $0.address && address - $0.address < $0.size }),
              var rules = CallFrameRules(parsing: entry.initial) else { return nil }
        for (start, text) in entry.deltas where start <= address {
            guard rules.apply(text) else { return nil }
        }
        return rules
    }

    func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? {
        let covering = windows.filter { address >= $0.address && address - $0.address < $0.size }
        return covering.first { $0.type == 4 } ?? covering.first { $0.type == 0 } ?? covering.first
    }

    func hasFunction(at address: UInt64) -> Bool {
        functions.contains { address >= $0.address && address - $0.address < $0.size }
    }
}

/// Modules, their symbols, and a walk of one thread through Core's ``StackWalker`` with the
/// x86 unwinder.
struct X86Fixture {
    var modules: [Module]
    var symbols: [String: String] = [:]

    /// Breakpad's two standard test modules.
    static let module1 = Module(base: 0x4000_0000, size: 0x10000, codeFile: "module1")
    static let module2 = Module(base: 0x5000_0000, size: 0x10000, codeFile: "module2")

    init(modules: [Module] = [X86Fixture.module1, X86Fixture.module2]) { self.modules = modules }

    /// Gives the module named `name` the symbols in `text`.
    mutating func setSymbols(_ name: String, _ text: String) { symbols[name] = text }

    /// Registers of the context frame: the given ones, and distinctive values for the rest
    /// (every register known, as in a full CONTEXT_X86).
    static func context(_ registers: [String: UInt32]) -> RegisterContext {
        var context = RegisterContext(layout: X86Unwinder.registerLayout)
        let defaults: [String: UInt32] = ["eip": 0x4000_0200, "esp": 0x8000_0000, "ebp": 0x8000_0000,
                                          "ebx": 0x9d5d_2a8b, "esi": 0x4b2f_19c3, "edi": 0x73e1_5f07,
                                          "eax": 0x0a1b_2c3d, "ecx": 0x1e2f_3a4b, "edx": 0x2c3d_4e5f, "eflags": 0x246]
        for (name, value) in defaults.merging(registers, uniquingKeysWith: { $1 }) { context[name] = UInt64(value) }
        return context
    }

    /// Walks a thread whose registers are `registers` (see ``context(_:)``) over `stack`.
    func walk(_ registers: [String: UInt32], stack: TestStack?, allowScan: Bool = true) -> [Frame] {
        var report = CrashReport()
        report.modules = modules
        let region = stack?.region()
        report.memory = MemoryMap(region.map { [$0] } ?? [])
        var preloaded: [Int: any ModuleSymbols] = [:]
        for (index, module) in modules.enumerated() {
            if let text = symbols[module.codeFile] { preloaded[index] = TestSymbols(text) }
        }
        let resolver = SymbolResolver(preloaded: preloaded, moduleCount: modules.count)
        let thread = CrashpipeCore.Thread(id: 1, context: Self.context(registers), stack: region)
        let walker = StackWalker(unwinders: [.x86: X86Unwinder()], allowScan: allowScan)
        return walker.walk(thread, in: report, symbols: resolver)
    }
}

extension Frame {
    /// The names of the registers this frame's context knows.
    var knownRegisters: Set<String> { Set(context?.known.map(\.name) ?? []) }
    /// A register's value, or nil when unknown.
    func register(_ name: String) -> UInt64? { context?[name] }
}

/// The registers Breakpad marks valid for frames found by the frame pointer or by scanning.
let eipEspEbp: Set<String> = ["eip", "esp", "ebp"]
