/// ``ModuleSymbols`` made from an object file's symbol table (ELF `.symtab`, Mach-O
/// LC_SYMTAB, ...) and, when the file has one, its DWARF call frame information (`.eh_frame`,
/// `.debug_frame`): names, address ranges and unwind rules; no lines yet. Format plugins list
/// the entries; this type sorts them and answers lookups in O(log n).
public struct SymbolTableSymbols: ModuleSymbols {
    public struct Entry: Sendable, Hashable {
        /// Module-relative start.
        public var address: UInt64
        /// The covered size; 0 for a symbol without one, which answers like a Breakpad PUBLIC
        /// record (the nearest preceding name).
        public var size: UInt64
        public var name: String

        public init(address: UInt64, size: UInt64, name: String) {
            self.address = address
            self.size = size
            self.name = name
        }
    }

    /// Sorted by address, one per address (a sized entry wins over sizeless aliases).
    public let entries: [Entry]
    public let problems: [String]
    /// Unwind rules, with the CPU whose register names they use and the address the module's
    /// addresses are relative to.
    let frames: (cfi: DWARFCallFrameInfo, cpu: CPU, loadAddress: UInt64)?
    /// DWARF functions, inline calls and line tables, with module-relative addresses.
    let debugInfo: DWARFDebugInfo?
    /// Names for code that has no symbol, e.g. `.plt ELF section`, which dump_syms writes as
    /// `PUBLIC <address> 0 <.plt ELF section in MODULE>`: written to `.sym` files, not used in
    /// lookups.
    public let sectionMarkers: [Entry]
    /// Unwind rules from the file's own unwind table (Mach-O compact unwind), asked before the
    /// DWARF CFI.
    public let unwindTable: (any UnwindRuleTable)?

    public init(entries: [Entry], problems: [String] = [],
                callFrameInfo: (cfi: DWARFCallFrameInfo, cpu: CPU, loadAddress: UInt64)? = nil,
                debugInfo: DWARFDebugInfo? = nil, unwindTable: (any UnwindRuleTable)? = nil, sectionMarkers: [Entry] = []) {
        self.frames = callFrameInfo
        self.unwindTable = unwindTable
        self.sectionMarkers = sectionMarkers
        self.debugInfo = debugInfo
        let sorted = entries.sorted { ($0.address, $1.size) < ($1.address, $0.size) }
        var unique: [Entry] = []
        unique.reserveCapacity(sorted.count)
        for entry in sorted where unique.last?.address != entry.address { unique.append(entry) }
        self.entries = unique
        self.problems = problems
    }

    /// The last entry starting at or before `address`.
    func index(atOrBefore address: UInt64) -> Int? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    public func lookup(_ address: UInt64) -> SymbolInfo? {
        if let debugInfo, let found = Self.lookup(address, in: debugInfo) { return found }
        guard let i = index(atOrBefore: address) else { return nil }
        let entry = entries[i]
        if entry.size == 0 { return SymbolInfo(function: entry.name, functionAddress: entry.address, isPublic: true) }
        guard address < entry.address &+ entry.size else { return nil }
        return SymbolInfo(function: entry.name, functionAddress: entry.address)
    }

    /// The DWARF function at `address` with its inline chain, in Breakpad's terms: the outer
    /// function's position is the call site of the outermost inline call (or the line table's
    /// when nothing is inlined there); each inline frame carries the position inside it.
    static func lookup(_ address: UInt64, in debugInfo: DWARFDebugInfo) -> SymbolInfo? {
        guard let outer = debugInfo.function(at: address) else { return nil }
        var chain: [DWARFFunction] = []
        var current = outer
        while chain.count < 256,
              let inner = current.inlinees.first(where: { Self.covers($0, address) }) {
            chain.append(inner)
            current = inner
        }
        let here = debugInfo.lineTable.row(at: address)
        var inlines: [InlineFrame] = []
        for (k, inline) in chain.enumerated().reversed() {
            let position: (file: String?, line: UInt32?) = k == chain.count - 1
                ? (here?.file, here?.line)
                : (chain[k + 1].callFile?.path, chain[k + 1].callLine)
            inlines.append(InlineFrame(function: inline.name, file: position.file, line: position.line))
        }
        let outerFile = chain.first.map { $0.callFile?.path } ?? here?.file
        let outerLine = chain.first.map { $0.callLine } ?? here?.line
        return SymbolInfo(function: outer.name, functionAddress: outer.address, file: outerFile, line: outerLine,
                          lineAddress: here?.address, inlines: inlines)
    }

    static func covers(_ function: DWARFFunction, _ address: UInt64) -> Bool {
        if function.ranges.contains(where: { $0.begin <= address && address < $0.end }) { return true }
        return function.address <= address && address - function.address < function.size
    }

    public func hasFunction(at address: UInt64) -> Bool {
        if let debugInfo, debugInfo.function(at: address) != nil { return true }
        guard let i = index(atOrBefore: address) else { return false }
        return entries[i].size > 0 && address < entries[i].address &+ entries[i].size
    }

    /// The unwind table's rules when it has some for `address`, otherwise the DWARF CFI's (as
    /// Apple's unwinder does: a compact unwind entry in "DWARF" mode defers to `__eh_frame`).
    public func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        if let unwindTable, let rules = unwindTable.rules(at: address) { return rules }
        guard let frames else { return nil }
        return frames.cfi.rules(at: address, cpu: frames.cpu, loadAddress: frames.loadAddress)
    }

    /// Every `STACK CFI` record, module-relative, the way symbolic writes a file's CFI: the
    /// unwind table's records when there is a table (they include the DWARF FDEs it defers to;
    /// FDEs it does not name are left out, as symbolic skips `__eh_frame` then), otherwise one
    /// group per DWARF FDE in section order.
    public func breakpadCFIRecords() -> [BreakpadCFIRecord] {
        if let unwindTable { return unwindTable.breakpadRecords() }
        guard let frames else { return [] }
        return frames.cfi.breakpadRecords(cpu: frames.cpu, loadAddress: frames.loadAddress)
    }

    /// A file with only unwind information names nothing, so scanning must not rely on it.
    public var hasFunctionNames: Bool { !entries.isEmpty || !(debugInfo?.functions.isEmpty ?? true) }
    /// The entries with their names, the DWARF functions and line table, one FDE record each.
    public var parsedBytes: Int {
        entries.reduce(0) { $0 + MemoryLayout<Entry>.stride + $1.name.utf8.count }
            + sectionMarkers.count * MemoryLayout<Entry>.stride
            + (debugInfo?.estimatedBytes ?? 0)
            + (frames?.cfi.fdes.count ?? 0) * MemoryLayout<DWARFCallFrameInfo.FDE>.stride
    }

    public var features: DebugFeatures {
        var features: DebugFeatures = hasFunctionNames ? .symtab : []
        if debugInfo != nil { features.insert(.debug) }
        if frames != nil || unwindTable != nil { features.insert(.unwind) }
        return features
    }
    public func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? { nil }
}
