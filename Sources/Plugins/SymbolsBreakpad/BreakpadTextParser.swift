#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CrashpipeCore

/// One line of a symbol file that was not used, and why: produced by the parser for
/// ``BreakpadSymbols/problemRecords`` (and, formatted, `problems`).
public struct BreakpadSymbolProblem: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number; 0 for a problem with the file as a whole.
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

/// Reads Breakpad `.sym` text into a ``BreakpadSymbolTable`` in one pass over the bytes.
///
/// Consumes: the bytes of a `.sym` file (usually memory-mapped). Produces: the table, whose text
/// fields are byte ranges into those same bytes, and the list of lines that were skipped.
///
/// Semantics follow Breakpad's `BasicSourceLineResolver` (what is an error, what is silently
/// ignored) and rust-minidump's `breakpad-symbols` (how overlapping ranges are resolved):
/// - a record that does not parse is a problem and is skipped; parsing goes on with the next line;
/// - a `FUNC` with size 0 (or a range that wraps) is ignored along with its line records, silently;
/// - line records and `INLINE` records belong to the last `FUNC`; a `PUBLIC` ends the function;
/// - line records of size 0 are dropped; text after a line record's file id is ignored;
/// - `PUBLIC` records at address 0 are ignored;
/// - `STACK CFI` deltas belong to the last `STACK CFI INIT`;
/// - `INLINE` uses the old syntax (no call-site file) when it has an odd number of fields, and
///   `INLINE_ORIGIN` the old syntax (with a file id) when its second field is a number followed
///   by more text; `INLINE` records may come in any order (Breakpad's "nesting level skips a
///   level" check is not applied: Mozilla's dump_syms sorts them by address);
/// - a `STACK CFI` delta outside its INIT's range is dropped, as it could never apply;
/// - of records whose ranges overlap, the one with the lowest start is kept (see `finish`).
struct BreakpadTextParser {
    enum Owner {
        /// No record to attach to: sub-records are problems.
        case none
        /// The record was valid but unused (size 0): its sub-records are dropped silently.
        case ignored
        case record(Int)
    }

    /// The problems kept in full; beyond this only the count grows.
    static let problemLimit = 100

    let bytes: UnsafePointer<UInt8>
    let count: Int
    var table: BreakpadSymbolTable
    var problems: [BreakpadSymbolProblem] = []
    var problemCount = 0
    var lineNumber = 0

    var function: Owner = .none
    /// Inclusive end of the current function's last line record, to notice unsorted or overlapping lines.
    var lastLineEnd: UInt64?
    var linesNeedNormalizing = false
    var cfiOwner: Owner = .none
    var lastDeltaAddress: UInt64 = 0
    var deltasNeedSorting = false
    var publicEntries: [(address: UInt64, record: PublicRecord)] = []

    /// Parses `view`; the table's strings are `view` itself.
    static func parse(_ view: ByteView) -> (table: BreakpadSymbolTable, problems: [BreakpadSymbolProblem], problemCount: Int) {
        view.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else {
                let problem = BreakpadSymbolProblem(line: 0, reason: "the file is empty")
                return (BreakpadSymbolTable(strings: view), [problem], 1)
            }
            var parser = BreakpadTextParser(bytes: base.assumingMemoryBound(to: UInt8.self), count: raw.count,
                                            table: BreakpadSymbolTable(strings: view))
            parser.run()
            parser.finish()
            return (parser.table, parser.problems, parser.problemCount)
        }
    }

    mutating func report(_ reason: String, line: Int? = nil) {
        problemCount += 1
        guard problems.count < Self.problemLimit else { return }
        problems.append(BreakpadSymbolProblem(line: line ?? lineNumber, reason: reason))
    }

    mutating func run() {
        // Breakpad tolerates NUL padding at the end of the data; anywhere else it is corruption.
        var length = count
        while length > 0 && bytes[length - 1] == 0 { length -= 1 }
        if length > 0, let nul = memchr(bytes, 0, length) {
            let offset = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - bytes
            var line = 1
            for i in 0..<offset where bytes[i] == 0x0A { line += 1 }
            report("a NUL byte at offset \(offset) (the file is not text)", line: line)
        }
        if !(length >= 7 && LineCursor(bytes: bytes, position: 0, end: length).matches("MODULE ")) {
            report("the file does not start with a MODULE record", line: 1)
        }
        var start = 0
        while start < length {
            let lineEnd: Int
            if let newline = memchr(bytes + start, 0x0A, length - start) {
                lineEnd = UnsafePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - bytes
            } else {
                lineEnd = length
            }
            lineNumber += 1
            var end = lineEnd
            while end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if end > start { parseLine(start, end) }
            start = lineEnd + 1
        }
    }

    /// Parses one non-empty line (`start ..< end`, without its line terminator).
    @inline(__always)
    mutating func parseLine(_ start: Int, _ end: Int) {
        var cursor = LineCursor(bytes: bytes, position: start, end: end)
        let record: StaticString
        do throws(RecordProblem) {
            switch bytes[start] {
            case UInt8(ascii: "F"):
                if cursor.consumeWord("FUNC") {
                    record = "FUNC"
                    try parseFunction(&cursor)
                } else if cursor.consumeWord("FILE") {
                    record = "FILE"
                    try parseFile(&cursor)
                } else {
                    record = "line record"
                    try parseLineRecord(&cursor)
                }
            case UInt8(ascii: "P") where cursor.consumeWord("PUBLIC"):
                record = "PUBLIC"
                try parsePublic(&cursor)
            case UInt8(ascii: "S") where cursor.consumeWord("STACK"):
                record = "STACK"
                try parseStack(&cursor)
            case UInt8(ascii: "I"):
                if cursor.consumeWord("INLINE") {
                    record = "INLINE"
                    try parseInline(&cursor)
                } else if cursor.consumeWord("INLINE_ORIGIN") {
                    record = "INLINE_ORIGIN"
                    try parseInlineOrigin(&cursor)
                } else if cursor.consumeWord("INFO") {
                    record = "INFO"
                    try parseInfo(&cursor)
                } else {
                    record = "line"
                    throw RecordProblem.because("not a record Breakpad knows")
                }
            case UInt8(ascii: "M") where cursor.consumeWord("MODULE"):
                record = "MODULE"
                try parseModule(&cursor)
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "E"):
                record = "line record"
                try parseLineRecord(&cursor)
            default:
                record = "line"
                throw RecordProblem.because("not a record Breakpad knows")
            }
        } catch {
            report("\(record): \(error.reason)")
        }
    }

    // MARK: FUNC and what belongs to it

    mutating func parseFunction(_ cursor: inout LineCursor) throws(RecordProblem) {
        finishFunction()
        cursor.skipSpaces()
        _ = cursor.consumeWord("m")
        let address = try cursor.hex("address")
        let size = try cursor.hex("size")
        let parameterSize = try cursor.hex("parameter size", limit: UInt64(UInt32.max))
        let name = try cursor.rest("name")
        // Breakpad's range map refuses empty and wrapping ranges: the function and its lines are
        // dropped without complaint.
        guard size > 0, !address.addingReportingOverflow(size - 1).overflow else {
            function = .ignored
            return
        }
        guard table.functions.count < Int(UInt32.max), table.lines.count < Int(UInt32.max),
              table.inlines.count < Int(UInt32.max) else { throw .because("too many records for one table") }
        table.functions.append(FunctionRecord(address: address, size: size, name: name,
                                              parameterSize: UInt32(parameterSize),
                                              lineStart: UInt32(table.lines.count), lineCount: 0,
                                              inlineStart: UInt32(table.inlines.count), inlineCount: 0))
        function = .record(table.functions.count - 1)
    }

    /// `<address> <size> <line> <file id>`, in the current function.
    mutating func parseLineRecord(_ cursor: inout LineCursor) throws(RecordProblem) {
        if case .none = function { throw .because("source line data without a FUNC") }
        let address = try cursor.hex("address")
        let size = try cursor.hex("size")
        let line = try cursor.decimal("line number")
        let file = try cursor.decimal("file id", limit: UInt64(UInt32.max - 1))
        guard case .record = function, size > 0 else { return }
        guard size <= UInt64(UInt32.max) else { throw RecordProblem("size", .tooLarge) }
        let (last, overflow) = address.addingReportingOverflow(size - 1)
        guard !overflow else { return }
        guard table.lines.count < Int(UInt32.max) else { throw .because("too many line records") }
        if let previous = lastLineEnd, address <= previous { linesNeedNormalizing = true }
        lastLineEnd = max(last, lastLineEnd ?? 0)
        table.lineAddresses.append(address)
        table.lines.append(LineRecord(size: UInt32(size), line: UInt32(line), file: UInt32(file)))
    }

    /// `INLINE <depth> <call line> [<call file>] <origin> (<address> <size>)+`.
    mutating func parseInline(_ cursor: inout LineCursor) throws(RecordProblem) {
        let fields = cursor.remainingFieldCount()
        guard fields >= 5 else { throw .because("too few fields") }
        // The new syntax adds the call-site file: four fixed fields plus pairs is an even count.
        let hasCallFile = fields % 2 == 0
        let depth = try cursor.decimal("nesting level", limit: 0xFFFF)
        let callLine = try cursor.decimal("call-site line")
        var callFile: UInt32? = nil
        if hasCallFile { callFile = try cursor.optionalFileId("call-site file id") }
        let origin = try cursor.decimal("origin id", limit: UInt64(UInt32.max))
        let kind: CallSiteFile = hasCallFile ? (callFile == nil ? .none : .id) : .enclosing
        let saved = table.inlines.count
        func rollBack(_ table: inout BreakpadSymbolTable) { table.inlines.removeLast(table.inlines.count - saved) }
        do throws(RecordProblem) {
            while !cursor.isAtEnd {
                let address = try cursor.hex("range address")
                let size = try cursor.hex("range size", limit: UInt64(UInt32.max))
                cursor.skipSpaces()
                guard size > 0, !address.addingReportingOverflow(size - 1).overflow else { continue }
                guard table.inlines.count < Int(UInt32.max) else { throw RecordProblem.because("too many INLINE ranges") }
                table.inlines.append(InlineRecord(address: address, size: UInt32(size), depth: UInt32(depth),
                                                  callLine: UInt32(callLine), callFile: callFile ?? UInt32.max,
                                                  origin: UInt32(origin), callFileKind: kind))
            }
        } catch {
            rollBack(&table)
            throw error
        }
        switch function {
        case .none:
            rollBack(&table)
            throw .because("INLINE outside a FUNC")
        case .ignored:
            rollBack(&table)
        case .record:
            // Breakpad refuses an INLINE whose nesting level is more than one below the last one
            // added; Mozilla's dump_syms writes INLINE records sorted by address, not as a tree, so
            // such files are normal. rust-minidump and symbolic accept them, and so do we: records
            // are sorted by depth when the function ends, so their order does not matter.
            break
        }
    }

    /// Closes the current function: sorts its lines and inlines where the file did not.
    mutating func finishFunction() {
        defer {
            function = .none
            lastLineEnd = nil
            linesNeedNormalizing = false
        }
        guard case .record(let index) = function else { return }
        let lineStart = Int(table.functions[index].lineStart)
        if linesNeedNormalizing { normalizeLines(from: lineStart) }
        table.functions[index].lineCount = UInt32(table.lines.count - lineStart)
        let inlineStart = Int(table.functions[index].inlineStart)
        let inlineCount = table.inlines.count - inlineStart
        table.functions[index].inlineCount = UInt32(inlineCount)
        if inlineCount > 1 {
            let ordered: (InlineRecord, InlineRecord) -> Bool = {
                ($0.depth, $0.address) <= ($1.depth, $1.address)
            }
            var sorted = true
            for i in (inlineStart + 1)..<table.inlines.count where !ordered(table.inlines[i - 1], table.inlines[i]) {
                sorted = false
                break
            }
            if !sorted {
                table.inlines[inlineStart...].sort { ($0.depth, $0.address, $0.size) < ($1.depth, $1.address, $1.size) }
            }
        }
    }

    /// Sorts the line records from `start` to the end by address and drops any that overlap an
    /// earlier one (Breakpad's range map keeps the first of overlapping lines).
    mutating func normalizeLines(from start: Int) {
        let end = table.lines.count
        guard end - start > 1 else { return }
        var order = Array(start..<end)
        order.sort { (table.lineAddresses[$0], $0) < (table.lineAddresses[$1], $1) }
        let addresses = order.map { table.lineAddresses[$0] }
        let records = order.map { table.lines[$0] }
        var write = start
        var keptEnd: UInt64?
        for (address, record) in zip(addresses, records) {
            if let keptEnd, address <= keptEnd { continue }
            table.lineAddresses[write] = address
            table.lines[write] = record
            write += 1
            keptEnd = address + UInt64(record.size - 1)
        }
        table.lineAddresses.removeLast(end - write)
        table.lines.removeLast(end - write)
    }

    // MARK: Records that stand alone

    /// `PUBLIC [m] <address> <parameter size> <name>`.
    mutating func parsePublic(_ cursor: inout LineCursor) throws(RecordProblem) {
        finishFunction()
        cursor.skipSpaces()
        _ = cursor.consumeWord("m")
        let address = try cursor.hex("address")
        let parameterSize = try cursor.hex("parameter size", limit: UInt64(UInt32.max))
        let name = try cursor.rest("name")
        // Some PDBs give publics at address 0 (ntdll's _CIlog and friends); Breakpad drops them.
        guard address != 0 else { return }
        publicEntries.append((address, PublicRecord(name: name, parameterSize: UInt32(parameterSize))))
    }

    /// `FILE <id> <name>`.
    mutating func parseFile(_ cursor: inout LineCursor) throws(RecordProblem) {
        let id = try cursor.decimal("file id", limit: UInt64(UInt32.max - 1))
        let name = try cursor.rest("file name")
        table.files.append(FileRecord(id: UInt32(id), name: name))
    }

    /// `INLINE_ORIGIN <id> <name>`, or the old `INLINE_ORIGIN <id> <file id> <name>`.
    mutating func parseInlineOrigin(_ cursor: inout LineCursor) throws(RecordProblem) {
        let id = try cursor.decimal("origin id", limit: UInt64(UInt32.max))
        var file = UInt32.max
        if cursor.nextFieldIsNumberFollowedByMore() {
            file = try cursor.optionalFileId("file id") ?? UInt32.max
        }
        let name = try cursor.rest("name")
        table.origins.append(OriginRecord(id: UInt32(id), file: file, name: name))
    }
}

