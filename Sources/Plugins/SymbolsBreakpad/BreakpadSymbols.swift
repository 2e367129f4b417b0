import CrashpipeCore

/// The symbols of one module read from a Breakpad `.sym` file, answering the stack walker's
/// and the symbolicator's questions.
///
/// Consumes: the bytes of a `.sym` file (kept alive: names, paths and CFI/program texts stay
/// byte ranges into them until a lookup turns one into a `String`). Produces: ``SymbolInfo``
/// (function, source line, inlined calls), ``CallFrameRules`` (STACK CFI, parsed on lookup),
/// ``WindowsFrameInfo`` (STACK WIN) and ``problems`` (lines that were skipped).
///
/// Every lookup is a binary search over sorted arrays: O(log n) in the number of records (CFI
/// lookups also apply the deltas before the address, as Breakpad does).
public final class BreakpadSymbols: ModuleSymbols, Sendable {
    let table: BreakpadSymbolTable
    /// Lines that were skipped, with their line numbers (the first 100 in full).
    public let problemRecords: [BreakpadSymbolProblem]
    /// How many lines were skipped in all (may exceed `problemRecords.count`).
    public let problemCount: Int

    /// Parses Breakpad `.sym` text. Never fails: what does not parse is in ``problems``.
    public convenience init(parsing bytes: ByteView) {
        let parsed = BreakpadTextParser.parse(bytes)
        self.init(table: parsed.table, problems: parsed.problems, problemCount: parsed.problemCount)
    }

    init(table: BreakpadSymbolTable, problems: [BreakpadSymbolProblem], problemCount: Int) {
        self.table = table
        self.problemRecords = problems
        self.problemCount = problemCount
    }

    /// "line N: reason" for each skipped line, plus a count of those not listed.
    public var problems: [String] {
        var list = problemRecords.map(\.description)
        if problemCount > problemRecords.count {
            list.append("\(problemCount - problemRecords.count) more problems not listed")
        }
        return list
    }

    /// What the `MODULE` and `INFO CODE_ID` records say; nil when the file has neither.
    public var module: BreakpadModuleInfo? {
        table.module.map { ranges in
            BreakpadModuleInfo(os: table.string(ranges.os), cpu: table.string(ranges.cpu),
                               debugId: table.string(ranges.debugId), debugFile: table.string(ranges.debugFile),
                               codeId: ranges.codeId.map(table.string), codeFile: ranges.codeFile.map(table.string))
        }
    }

    /// How many records of each kind are in use (after dropping ignored and overlapping ones).
    public var recordCounts: BreakpadRecordCounts {
        BreakpadRecordCounts(functions: table.functions.count, lines: table.lines.count,
                             inlines: table.inlines.count, publics: table.publics.count, files: table.files.count,
                             inlineOrigins: table.origins.count, cfiRanges: table.cfi.count,
                             cfiDeltas: table.cfiDeltas.count,
                             windowsFrames: table.frameData.count + table.fpo.count)
    }

    public var parsedBytes: Int { tableBytes }

    /// Bytes held by the record arrays (the mapped file itself is not counted).
    public var tableBytes: Int {
        func bytes<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }
        return bytes(table.functionAddresses) + bytes(table.functions) + bytes(table.lineAddresses)
            + bytes(table.lines) + bytes(table.inlines) + bytes(table.publicAddresses) + bytes(table.publics)
            + bytes(table.files) + bytes(table.origins) + bytes(table.cfiAddresses) + bytes(table.cfi)
            + bytes(table.cfiDeltas) + bytes(table.frameDataAddresses) + bytes(table.frameData)
            + bytes(table.fpoAddresses) + bytes(table.fpo)
    }

    // MARK: ModuleSymbols

    /// The FUNC covering `address`, or else the nearest PUBLIC at or below it when no FUNC lies
    /// between the two (Breakpad: the public must be above the nearest preceding function's start).
    public func lookup(_ address: UInt64) -> SymbolInfo? {
        let functionIndex = table.functionAddresses.lastIndex(notAbove: address)
        if let functionIndex, table.functions[functionIndex].covers(address) {
            return functionInfo(table.functions[functionIndex], at: address)
        }
        guard let publicIndex = table.publicAddresses.lastIndex(notAbove: address) else { return nil }
        let publicAddress = table.publicAddresses[publicIndex]
        if let functionIndex, publicAddress <= table.functionAddresses[functionIndex] { return nil }
        let symbol = table.publics[publicIndex]
        return SymbolInfo(function: table.string(symbol.name), functionAddress: publicAddress,
                          parameterSize: symbol.parameterSize, isPublic: true)
    }

    /// Whether the file has any FUNC or PUBLIC record (a CFI-only file says nothing about
    /// which addresses are code).
    public var hasFunctionNames: Bool { !table.functions.isEmpty || !table.publics.isEmpty }

    public var features: DebugFeatures {
        var features: DebugFeatures = hasFunctionNames ? .symtab : []
        if !table.lines.isEmpty { features.insert(.debug) }
        if !table.cfi.isEmpty || !table.frameData.isEmpty || !table.fpo.isEmpty { features.insert(.unwind) }
        return features
    }

    public func hasFunction(at address: UInt64) -> Bool {
        guard let index = table.functionAddresses.lastIndex(notAbove: address) else { return false }
        return table.functions[index].covers(address)
    }

    /// The STACK CFI INIT rules covering `address` with every delta from the INIT's start up to
    /// and including `address` applied in address order. A delta that fails to parse is skipped
    /// (Breakpad ignores its result too); nil when the INIT rules themselves do not parse.
    public func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        guard let index = table.cfiAddresses.lastIndex(notAbove: address), table.cfi[index].covers(address) else {
            return nil
        }
        let record = table.cfi[index]
        var rules: [String: PostfixExpression] = [:]
        guard parseRules(record.rules, into: &rules) else { return nil }
        let start = Int(record.deltaStart)
        for delta in table.cfiDeltas[start..<(start + Int(record.deltaCount))] {
            guard delta.address <= address else { break }
            _ = parseRules(delta.rules, into: &rules)
        }
        return CallFrameRules(rules: rules)
    }

    /// Adds the rules of `text` to `rules`; on a malformed list, returns false and changes nothing.
    func parseRules(_ text: TextRange, into rules: inout [String: PostfixExpression]) -> Bool {
        table.strings.withUnsafeBytes { raw in
            guard text.offset >= 0, text.offset + Int(text.length) <= raw.count else { return false }
            return PostfixText.parseRules(UnsafeRawBufferPointer(rebasing: raw[text.offset..<(text.offset + Int(text.length))]),
                                          into: &rules)
        }
    }

    /// Frame data (STACK WIN type 4) covering `address`, or else FPO data (type 0), as Breakpad
    /// prefers them. Functions without STACK WIN give nil; their parameter size is in ``lookup(_:)``.
    public func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? {
        if let index = table.frameDataAddresses.lastIndex(notAbove: address), table.frameData[index].covers(address) {
            return windowsInfo(table.frameData[index])
        }
        if let index = table.fpoAddresses.lastIndex(notAbove: address), table.fpo[index].covers(address) {
            return windowsInfo(table.fpo[index])
        }
        return nil
    }

    // MARK: Building answers

    func windowsInfo(_ record: WindowsFrameRecord) -> WindowsFrameInfo {
        WindowsFrameInfo(type: record.type, address: record.address, size: record.size, prologSize: record.prologSize,
                         epilogSize: record.epilogSize, parameterSize: record.parameterSize,
                         savedRegisterSize: record.savedRegisterSize, localSize: record.localSize,
                         maxStackSize: record.maxStackSize, allocatesBasePointer: record.allocatesBasePointer,
                         programString: record.program.length > 0 ? table.string(record.program) : nil)
    }

    /// The answer for an address inside `function`: its line record, then the inlined calls.
    ///
    /// With inlines d0 (outermost) … dn (innermost) covering the address, the function itself is
    /// "at" d0's call site, each inline is at the call site of the next inner one, and the
    /// innermost is at the line record: what Breakpad and rust-minidump report.
    func functionInfo(_ function: FunctionRecord, at address: UInt64) -> SymbolInfo {
        var info = SymbolInfo(function: table.string(function.name), functionAddress: function.address,
                              parameterSize: function.parameterSize)
        let lineStart = Int(function.lineStart)
        let lineRange = lineStart..<(lineStart + Int(function.lineCount))
        var lineFile: UInt32?
        if let index = table.lineAddresses.lastIndex(notAbove: address, in: lineRange) {
            let lineAddress = table.lineAddresses[index]
            let record = table.lines[index]
            if address - lineAddress < UInt64(record.size) {
                lineFile = record.file
                info.file = table.fileName(record.file)
                info.line = record.line
                info.lineAddress = lineAddress
            }
        }
        let chain = inlineChain(function, at: address)
        guard !chain.isEmpty else { return info }

        // The file id of each inline's call site; the old syntax has none, so it is the file of
        // the enclosing inline's origin (where its body is), or the line record's for depth 0.
        func callFile(_ level: Int) -> UInt32? {
            let record = chain[level]
            switch record.callFileKind {
            case .id: return record.callFile
            case .none: return nil
            case .enclosing:
                if level > 0, let origin = table.origin(chain[level - 1].origin), origin.file != UInt32.max {
                    return origin.file
                }
                return lineFile
            }
        }
        let innermostFile = info.file
        let innermostLine = info.line
        info.file = callFile(0).flatMap(table.fileName)
        info.line = chain[0].callLine
        info.inlines.reserveCapacity(chain.count)
        for level in stride(from: chain.count - 1, through: 0, by: -1) {
            let name = table.origin(chain[level].origin).map { table.string($0.name) } ?? "<name omitted>"
            if level == chain.count - 1 {
                info.inlines.append(InlineFrame(function: name, file: innermostFile, line: innermostLine))
            } else {
                info.inlines.append(InlineFrame(function: name, file: callFile(level + 1).flatMap(table.fileName),
                                                line: chain[level + 1].callLine))
            }
        }
        return info
    }

    /// The inline records covering `address` in `function`, outermost first: for each depth in
    /// turn, a binary search among that depth's ranges (records are sorted by depth, then address).
    func inlineChain(_ function: FunctionRecord, at address: UInt64) -> [InlineRecord] {
        var chain: [InlineRecord] = []
        var low = Int(function.inlineStart)
        let end = low + Int(function.inlineCount)
        var depth: UInt32 = 0
        while low < end, table.inlines[low].depth == depth {
            // This depth's records are low ..< high.
            let high = (table.inlines.lastIndex(notAbove: depth, key: { $0.depth }, in: low..<end) ?? low) + 1
            guard let index = table.inlines.lastIndex(notAbove: address, key: { $0.address }, in: low..<high),
                  table.inlines[index].covers(address) else { break }
            chain.append(table.inlines[index])
            low = high
            depth += 1
        }
        return chain
    }
}

/// What a symbol file's `MODULE` and `INFO CODE_ID` records say.
public struct BreakpadModuleInfo: Sendable, Hashable {
    public var os: String
    public var cpu: String
    /// Breakpad notation, as written in the file.
    public var debugId: String
    public var debugFile: String
    public var codeId: String?
    public var codeFile: String?

    public init(os: String, cpu: String, debugId: String, debugFile: String, codeId: String? = nil,
                codeFile: String? = nil) {
        self.os = os
        self.cpu = cpu
        self.debugId = debugId
        self.debugFile = debugFile
        self.codeId = codeId
        self.codeFile = codeFile
    }
}

/// How many records of each kind a ``BreakpadSymbols`` uses.
public struct BreakpadRecordCounts: Sendable, Hashable {
    public var functions: Int
    public var lines: Int
    /// Inline address ranges (an INLINE record with several ranges counts once per range).
    public var inlines: Int
    public var publics: Int
    public var files: Int
    public var inlineOrigins: Int
    public var cfiRanges: Int
    public var cfiDeltas: Int
    public var windowsFrames: Int
}
