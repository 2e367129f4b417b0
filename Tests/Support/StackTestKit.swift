import CrashpipeCore

/// Symbols made in a test: functions by module-relative range, CFI rules by range.
public struct CannedSymbols: ModuleSymbols {
    public var functions: [(start: UInt64, size: UInt64, name: String)] = []
    public var cfi: [(start: UInt64, size: UInt64, rules: String)] = []
    public var problems: [String] = []

    public init(functions: [(start: UInt64, size: UInt64, name: String)] = [], cfi: [(start: UInt64, size: UInt64, rules: String)] = []) {
        self.functions = functions
        self.cfi = cfi
    }

    public func lookup(_ address: UInt64) -> SymbolInfo? {
        functions.first { address >= $0.start && address < $0.start + $0.size }
            .map { SymbolInfo(function: $0.name, functionAddress: $0.start) }
    }

    public func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        cfi.first { address >= $0.start && address < $0.start + $0.size }.flatMap { CallFrameRules(parsing: $0.rules) }
    }

    public func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? { nil }
    public func hasFunction(at address: UInt64) -> Bool { lookup(address) != nil }
}

/// A thread to walk: a stack assembled with labels at `base`, a register context, and two
/// modules (0x40000000 and 0x50000000 in 64-bit tests, like Breakpad's fixtures).
public struct StackFixture {
    public let stackBase: UInt64
    public let section = ByteSection(endian: .little, name: "stack")
    public var modules: [Module]
    public var symbols: [Int: any ModuleSymbols] = [:]
    public var os: OS = .linux

    public init(stackBase: UInt64 = 0x8000_0000, modules: [Module]) {
        self.stackBase = stackBase
        self.modules = modules
    }

    /// The absolute address of a label placed in the stack section (after `contents()`).
    public func address(_ label: SynthLabel) -> UInt64 { stackBase + (label.resolvedValue ?? 0) }

    /// Walks with `unwinder` from `registers` and returns the frames (symbolicated).
    public func walk(_ unwinder: any CPUUnwinder, layout: RegisterLayout, registers: [String: UInt64],
              labels: [String: SynthLabel] = [:], maxFrames: Int = 1024, scan: Bool = true) -> [Frame] {
        let bytes = section.contents()
        var context = RegisterContext(layout: layout)
        for (name, value) in registers { context[name] = value }
        for (name, label) in labels { context[name] = address(label) }
        let stack = MemoryRegion(base: stackBase, bytes: ByteView(bytes))
        var report = CrashReport(source: "synthetic")
        report.system = SystemInfo(os: os, osVersion: "0.0.0", cpu: layout.cpu, cpuCount: 1)
        report.modules = modules
        report.memory = MemoryMap([stack])
        let thread = Thread(id: 1, context: context, stack: stack)
        report.threads = [thread]
        let resolver = SymbolResolver(preloaded: symbols, moduleCount: modules.count)
        var unwinders: [CPU: any CPUUnwinder] = [:]
        unwinders[layout.cpu] = unwinder
        let walker = StackWalker(unwinders: unwinders, maxFrames: maxFrames, allowScan: scan)
        var frames = walker.walk(thread, in: report, symbols: resolver)
        StackWalker.symbolicate(&frames, modules: modules, symbols: resolver)
        return frames
    }
}
