// MODULE, INFO and the STACK records of the text parser.

extension BreakpadTextParser {
    /// `MODULE <os> <cpu> <debug id> <debug file>`.
    mutating func parseModule(_ cursor: inout LineCursor) throws(RecordProblem) {
        var module = ModuleRecordRanges()
        module.os = try cursor.word("operating system")
        module.cpu = try cursor.word("cpu")
        module.debugId = try cursor.word("debug id")
        module.debugFile = try cursor.rest("debug file")
        guard table.module == nil else { throw .because("a second MODULE record (ignored)") }
        table.module = module
    }

    /// `INFO CODE_ID <code id> [<code file>]`; other `INFO` records carry nothing we use.
    mutating func parseInfo(_ cursor: inout LineCursor) throws(RecordProblem) {
        cursor.skipSpaces()
        guard !cursor.isAtEnd else { throw .because("empty INFO record") }
        guard cursor.consumeWord("CODE_ID") else { return }
        let codeId = try cursor.word("code id")
        cursor.skipSpaces()
        var codeFile: TextRange?
        if !cursor.isAtEnd { codeFile = try cursor.rest("code file") }
        if table.module == nil { table.module = ModuleRecordRanges() }
        if table.module?.codeId == nil {
            table.module?.codeId = codeId
            table.module?.codeFile = codeFile
        }
    }

    /// `STACK CFI INIT ...`, `STACK CFI ...` or `STACK WIN ...`.
    mutating func parseStack(_ cursor: inout LineCursor) throws(RecordProblem) {
        cursor.skipSpaces()
        if cursor.consumeWord("CFI") {
            cursor.skipSpaces()
            if cursor.consumeWord("INIT") {
                try parseCFIInit(&cursor)
            } else {
                try parseCFIDelta(&cursor)
            }
        } else if cursor.consumeWord("WIN") {
            try parseStackWin(&cursor)
        } else {
            throw .because("unknown kind of STACK record (neither CFI nor WIN)")
        }
    }

    /// `STACK CFI INIT <address> <size> <rules>`. The rules are kept as text and parsed on lookup.
    mutating func parseCFIInit(_ cursor: inout LineCursor) throws(RecordProblem) {
        finishCFI()
        // Until this record parses, deltas that follow belong to nothing usable.
        cfiOwner = .ignored
        let address = try cursor.hex("address")
        let size = try cursor.hex("size")
        let rules = try cursor.rest("rules")
        guard size > 0, !address.addingReportingOverflow(size - 1).overflow else { return }
        guard table.cfi.count < Int(UInt32.max), table.cfiDeltas.count < Int(UInt32.max) else {
            throw .because("too many STACK CFI records")
        }
        table.cfi.append(CFIRecord(address: address, size: size, rules: rules,
                                   deltaStart: UInt32(table.cfiDeltas.count), deltaCount: 0))
        cfiOwner = .record(table.cfi.count - 1)
        lastDeltaAddress = address
    }

    /// `STACK CFI <address> <rules>`: rule changes from `address` on, within the last INIT's range.
    mutating func parseCFIDelta(_ cursor: inout LineCursor) throws(RecordProblem) {
        let address = try cursor.hex("address")
        let rules = try cursor.rest("rules")
        switch cfiOwner {
        case .none:
            throw .because("STACK CFI delta without a STACK CFI INIT before it")
        case .ignored:
            return
        case .record(let index):
            // A delta outside its INIT's range can never apply (Breakpad applies deltas between
            // the INIT's start and the looked-up address, which lies inside the range).
            guard table.cfi[index].covers(address) else { return }
            guard table.cfiDeltas.count < Int(UInt32.max) else { throw .because("too many STACK CFI records") }
            if address < lastDeltaAddress { deltasNeedSorting = true }
            lastDeltaAddress = address
            table.cfiDeltas.append(CFIDelta(address: address, rules: rules))
        }
    }

    /// Closes the current `STACK CFI INIT`: counts and, if needed, sorts its deltas.
    mutating func finishCFI() {
        defer {
            cfiOwner = .none
            deltasNeedSorting = false
        }
        guard case .record(let index) = cfiOwner else { return }
        let start = Int(table.cfi[index].deltaStart)
        table.cfi[index].deltaCount = UInt32(table.cfiDeltas.count - start)
        if deltasNeedSorting {
            table.cfiDeltas[start...].sort { ($0.address, $0.rules.offset) < ($1.address, $1.rules.offset) }
        }
    }

    /// `STACK WIN <type> <rva> <code size> <prolog> <epilog> <parameters> <saved registers>
    /// <locals> <max stack> <has program> <program string | allocates base pointer>`.
    ///
    /// Types 0 (FPO) and 4 (frame data) are kept; 1–3 are checked and dropped, as Breakpad never
    /// looks them up. As in Breakpad, the has-program flag (not the type) says what the last
    /// field is.
    mutating func parseStackWin(_ cursor: inout LineCursor) throws(RecordProblem) {
        let type = try cursor.hex("type")
        guard type <= 4 else { throw .because("unknown STACK WIN type (0 to 4 exist)") }
        let address = try cursor.hex("address")
        let size = try cursor.hex("code size")
        let limit = UInt64(UInt32.max)
        let prologSize = try cursor.hex("prolog size", limit: limit)
        let epilogSize = try cursor.hex("epilog size", limit: limit)
        let parameterSize = try cursor.hex("parameter size", limit: limit)
        let savedRegisterSize = try cursor.hex("saved register size", limit: limit)
        let localSize = try cursor.hex("local size", limit: limit)
        let maxStackSize = try cursor.hex("max stack size", limit: limit)
        let hasProgram = try cursor.hex("has-program-string flag")
        var program = TextRange.empty
        var allocatesBasePointer = false
        if hasProgram != 0 {
            program = try cursor.rest("program string")
        } else {
            allocatesBasePointer = try cursor.hex("allocates-base-pointer flag") != 0
        }
        guard type == 4 || type == 0 else { return }
        let record = WindowsFrameRecord(address: address, size: size, prologSize: UInt32(prologSize),
                                        epilogSize: UInt32(epilogSize), parameterSize: UInt32(parameterSize),
                                        savedRegisterSize: UInt32(savedRegisterSize), localSize: UInt32(localSize),
                                        maxStackSize: UInt32(maxStackSize), program: program, type: UInt8(type),
                                        allocatesBasePointer: allocatesBasePointer)
        if type == 4 {
            Self.insert(record, into: &table.frameData)
        } else {
            Self.insert(record, into: &table.fpo)
        }
    }

    /// Adds a STACK WIN record the way rust-minidump does, because PDBs hold much overlapping
    /// frame data: when a record starts inside the previous one (in file order), the previous
    /// one is cut short at the new start; a record that starts at or before the previous one
    /// and overlaps it differently is dropped; exact duplicates are left for `finish` to fold.
    static func insert(_ record: WindowsFrameRecord, into list: inout [WindowsFrameRecord]) {
        guard let last = record.lastAddress else { return }
        if let previous = list.last, let previousLast = previous.lastAddress,
           record.address <= previousLast && previous.address <= last {
            if record.address > previous.address {
                list[list.count - 1].size = record.address - previous.address
            } else if record.address != previous.address || last != previousLast {
                return
            }
        }
        list.append(record)
    }
}
