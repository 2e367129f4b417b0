/// The per-CPU part of stack walking. The engine owns the walk loop (``StackWalker``); an
/// unwinder only answers "given these frames, what is the caller of the last one?", trying
/// CFI, then the frame pointer, then scanning, and stamping the ``FrameTrust`` of the frame it
/// returns. It does not check progress: the engine does.
public protocol CPUUnwinder: Sendable {
    static var cpu: CPU { get }
    /// The caller of `frames.last`, or nil when no strategy finds one. The returned frame's
    /// `instruction` is the raw return address and its `context` the recovered registers.
    func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame?
    /// Whether going from `callee` to `caller` is progress. The default demands a strictly
    /// greater stack pointer; architectures whose leaf frames return through a link register
    /// may allow an equal one for the first step.
    func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool
}

extension CPUUnwinder {
    public func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool {
        guard let calleeSP = callee.context?.stackPointer, let callerSP = caller.context?.stackPointer else {
            return false
        }
        return callerSP > calleeSP
    }
}

/// What an unwinder may read while walking one thread.
public struct StackWalkInput: Sendable {
    /// The thread's captured stack.
    public var stack: MemoryRegion?
    /// All captured memory.
    public var memory: MemoryMap
    /// The report's modules, in report order (frames refer to them by index).
    public var modules: [Module]
    /// The same modules sorted by base address.
    public var moduleIndex: ModuleIndex
    public var system: SystemInfo?
    public var symbols: SymbolResolver
    /// Whether stack scanning may be used (a pipeline option).
    public var allowScan: Bool

    public init(stack: MemoryRegion?, memory: MemoryMap, modules: [Module], system: SystemInfo?,
                symbols: SymbolResolver, allowScan: Bool = true) {
        self.stack = stack
        self.memory = memory
        self.modules = modules
        self.moduleIndex = ModuleIndex(modules)
        self.system = system
        self.symbols = symbols
        self.allowScan = allowScan
    }

    /// Reads a pointer-sized value (4 or 8 bytes, little-endian) from the stack or, failing
    /// that, any captured memory.
    public func readPointer(at address: UInt64, size: Int) -> UInt64? {
        if size == 4 {
            if let stack, let value = stack.read(UInt32.self, at: address) { return UInt64(value) }
            return memory.read(UInt32.self, at: address).map(UInt64.init)
        }
        if let stack, let value = stack.read(UInt64.self, at: address) { return value }
        return memory.read(UInt64.self, at: address)
    }

    /// The module containing `address` and its symbols (read on first use), if any.
    public func module(containing address: UInt64) -> (index: Int, module: Module, symbols: (any ModuleSymbols)?)? {
        guard let index = moduleIndex.index(containing: address) else { return nil }
        return (index, modules[index], symbols.symbols(forModule: index))
    }

    /// The CFI rules for `address`, from its module's symbols.
    public func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        guard let found = module(containing: address), let symbols = found.symbols else { return nil }
        return symbols.callFrameInfo(at: address &- found.module.base)
    }

    /// Whether `address` could be a return address found by scanning: inside a module, and,
    /// when that module has symbols, inside a function or public symbol they know. Without
    /// symbols any address inside a module passes, so scanning still works unsymbolicated
    /// (Breakpad and rust-minidump do the same).
    ///
    /// The check is made one byte before `address`, on the call instruction: a call to a
    /// function that never returns may be the last instruction of its function, making the
    /// return address itself point past the end (seen with `+[NSThread exit]`).
    public func instructionSeemsValid(_ address: UInt64) -> Bool {
        let call = address &- 1
        guard address > 1, let found = module(containing: call) else { return false }
        guard let symbols = found.symbols, symbols.hasFunctionNames else { return true }
        return symbols.lookup(call &- found.module.base) != nil
    }
}

/// Modules sorted by base address for O(log n) address lookups.
public struct ModuleIndex: Sendable {
    /// (base, end, index into the report's module list), sorted by base.
    private let ranges: [(base: UInt64, end: UInt64, index: Int)]

    public init(_ modules: [Module]) {
        ranges = modules.enumerated()
            .filter { $0.element.size > 0 }
            .map { ($0.element.base, $0.element.end, $0.offset) }
            .sorted { $0.base < $1.base }
    }

    /// The index (in the original list) of the module containing `address`.
    public func index(containing address: UInt64) -> Int? {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].base <= address { low = mid + 1 } else { high = mid }
        }
        // Overlapping modules are rare but exist (bogus dumps); look back a little.
        var i = low - 1
        var steps = 0
        while i >= 0 && steps < 8 {
            if address < ranges[i].end { return ranges[i].index }
            i -= 1
            steps += 1
        }
        return nil
    }

    public var isEmpty: Bool { ranges.isEmpty }
}
