/// The per-CPU part of stack walking. The engine owns the walk loop; an unwinder only answers
/// "given these frames, what is the caller of the last one?", trying CFI, then the frame
/// pointer, then scanning, and stamping the ``FrameTrust`` of the frame it returns.
public protocol CPUUnwinder: Sendable {
    static var cpu: CPU { get }
    /// The caller of `frames.last`, or nil when no strategy finds one.
    func callerFrame(of frames: [Frame], walk: StackWalkInput) async -> Frame?
}

/// What an unwinder may read while walking one thread.
public struct StackWalkInput: Sendable {
    /// The thread's captured stack.
    public var stack: MemoryRegion?
    /// All captured memory.
    public var memory: MemoryMap
    /// Modules sorted by base address.
    public var modules: ModuleIndex
    public var system: SystemInfo?

    public init(stack: MemoryRegion?, memory: MemoryMap, modules: ModuleIndex, system: SystemInfo?) {
        self.stack = stack
        self.memory = memory
        self.modules = modules
        self.system = system
    }

    /// Reads a pointer-sized value from the stack (or, failing that, any captured memory).
    public func readPointer(at address: UInt64, size: Int) -> UInt64? {
        let source = stack.flatMap { $0.contains(address) ? $0 : nil }
        if size == 4 {
            return (source?.read(UInt32.self, at: address) ?? memory.read(UInt32.self, at: address)).map(UInt64.init)
        }
        return source?.read(UInt64.self, at: address) ?? memory.read(UInt64.self, at: address)
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
