/// Breakpad names of DWARF register numbers (the names `STACK CFI` rules use).
public enum DWARFRegisterNames {
    static let amd64: [String] = {
        var names = ["$rax", "$rdx", "$rcx", "$rbx", "$rsi", "$rdi", "$rbp", "$rsp"]
        names += (8...15).map { "$r\($0)" }
        names.append("$rip")                                   // 16
        names += (0...15).map { "$xmm\($0)" }                  // 17-32
        names += (0...7).map { "$st\($0)" }                    // 33-40
        names += (0...7).map { "$mm\($0)" }                    // 41-48
        names += ["$rflags", "$es", "$cs", "$ss", "$ds", "$fs", "$gs", "", "", "$fs.base", "$gs.base", "", "",
                  "$tr", "$ldtr", "$mxcsr", "$fcw", "$fsw"]    // 49-66
        return names
    }()

    static let x86: [String] = {
        var names = ["$eax", "$ecx", "$edx", "$ebx", "$esp", "$ebp", "$esi", "$edi", "$eip", "$eflags", ""]
        names += (0...7).map { "$st\($0)" }                    // 11-18
        names += ["", ""]
        names += (0...7).map { "$xmm\($0)" }                   // 21-28
        names += (0...7).map { "$mm\($0)" }                    // 29-36
        names += ["$fcw", "$fsw", "$mxcsr", "$es", "$cs", "$ss", "$ds", "$fs", "$gs", "", "", "$tr", "$ldtr"]
        return names
    }()

    static let arm64: [String] = {
        var names = (0...30).map { "x\($0)" }
        names += ["sp", "pc"]
        names += Array(repeating: "", count: 64 - names.count)
        names += (0...31).map { "v\($0)" }                     // 64-95
        return names
    }()

    static let arm: [String] = {
        var names = (0...12).map { "r\($0)" }
        names += ["sp", "lr", "pc"]
        names += (0...7).map { "f\($0)" }                      // 16-23
        names += ["fps", "cpsr"]
        names += Array(repeating: "", count: 64 - names.count)
        names += (0...31).map { "s\($0)" }                     // 64-95
        names += (0...7).map { "f\($0)" }                      // 96-103
        return names
    }()

    /// The name of DWARF register `number` on `cpu`, or nil when Breakpad has none.
    public static func name(_ number: UInt64, cpu: CPU) -> String? {
        let table: [String]
        switch cpu {
        case .amd64: table = amd64
        case .x86: table = x86
        case .arm64: table = arm64
        case .arm:
            if number >= 256 && number < 288 { return "d\(number - 256)" }
            table = arm
        default: return nil
        }
        guard number < UInt64(table.count), !table[Int(number)].isEmpty else { return nil }
        return table[Int(number)]
    }
}

/// One Breakpad `STACK CFI INIT` (with `size`) or `STACK CFI` record.
public struct BreakpadCFIRecord: Sendable, Hashable, CustomStringConvertible {
    public var address: UInt64
    /// The INIT record's extent; nil for a delta.
    public var size: UInt64?
    /// The rule list, e.g. `.cfa: $rsp 16 + $rbx: .cfa -16 + ^`.
    public var rules: String

    public init(address: UInt64, size: UInt64?, rules: String) {
        self.address = address
        self.size = size
        self.rules = rules
    }

    public var isInit: Bool { size != nil }

    /// The `.sym` line.
    public var description: String {
        if let size {
            return "STACK CFI INIT \(String(address, radix: 16)) \(String(size, radix: 16)) \(rules)"
        }
        return "STACK CFI \(String(address, radix: 16)) \(rules)"
    }
}

extension DWARFCallFrameInfo {
    /// Breakpad `STACK CFI` records for every FDE, in section order, written the way symbolic
    /// (symbolic-cfi, the library Sentry uses in place of dump_syms) writes them:
    ///
    /// - addresses are relative to `loadAddress` (FDEs below it are left out);
    /// - each row writes the CFA rule when it changed, then the registers whose rules changed,
    ///   in the order the program set them, the return-address column as `.ra`;
    /// - rules Breakpad cannot express (DWARF expressions, registers it has no name for) are
    ///   left out of the row, and a row with nothing to write is not written;
    /// - on ARM/ARM64 an INIT row without a rule for the return-address register gets
    ///   `.ra: <register>` (the return address is still in the link register).
    public func breakpadRecords(cpu: CPU, loadAddress: UInt64 = 0) -> [BreakpadCFIRecord] {
        var records: [BreakpadCFIRecord] = []
        for fde in fdes { records += breakpadRecords(for: fde, cpu: cpu, loadAddress: loadAddress) }
        return records
    }

    /// The records' `.sym` lines, one per line.
    public func breakpadText(cpu: CPU, loadAddress: UInt64 = 0) -> String {
        breakpadRecords(cpu: cpu, loadAddress: loadAddress).map { $0.description + "\n" }.joined()
    }

    /// The records of one FDE (an INIT record first, if any).
    public func breakpadRecords(for fde: FDE, cpu: CPU, loadAddress: UInt64 = 0) -> [BreakpadCFIRecord] {
        guard let cie = cies[fde.cieOffset] else { return [] }
        let allOnes: UInt64 = cie.addressSize == 4 ? 0xffff_ffff : .max
        guard fde.initialAddress != allOnes, let table = unwindTable(for: fde), let first = table.rows.first,
              let last = table.rows.last else { return [] }
        let start = first.start
        let length = last.end &- start
        guard start >= loadAddress else { return [] }
        let ra = cie.returnAddressRegister
        let linkRegister = cpu == .arm || cpu == .arm64 || cpu == .mips || cpu == .mips64 || cpu == .ppc || cpu == .ppc64

        var records: [BreakpadCFIRecord] = []
        var cfaCache: DWARFCFARule?
        var ruleCache: [UInt64: DWARFRegisterRule] = [:]
        for row in table.rows {
            var parts: [String] = []
            var written = false
            if cfaCache != row.cfa {
                cfaCache = row.cfa
                if case .registerOffset(let register, let offset) = row.cfa, let name = DWARFRegisterNames.name(register, cpu: cpu) {
                    parts.append(".cfa: \(name) \(offset) +")
                    written = true
                }
            }
            var raWritten = false
            for entry in row.registers where ruleCache[entry.register] != entry.rule {
                ruleCache[entry.register] = entry.rule
                if entry.register == ra { raWritten = true }
                if let text = Self.ruleText(entry, returnAddress: ra, cpu: cpu) {
                    parts.append(text)
                    written = true
                }
            }
            let isInit = row.start == start
            if isInit && !raWritten && linkRegister, let name = DWARFRegisterNames.name(ra, cpu: cpu) {
                parts.append(".ra: \(name)")
            }
            if written {
                records.append(BreakpadCFIRecord(address: row.start &- loadAddress, size: isInit ? length : nil,
                                                 rules: parts.joined(separator: " ")))
            }
        }
        return records
    }

    /// ``dumpSymsRecords(for:cpu:loadAddress:)`` for every FDE, in section order.
    public func dumpSymsRecords(cpu: CPU, loadAddress: UInt64 = 0) -> [BreakpadCFIRecord] {
        fdes.flatMap { dumpSymsRecords(for: $0, cpu: cpu, loadAddress: loadAddress) }
    }

    /// The records of one FDE the way Breakpad's dump_syms (DwarfCFIToModule) writes them:
    /// rules in byte order of the register names (`$…` before `.cfa`/`.ra`), every INIT row
    /// with a `.ra` rule (the return-address register itself when DWARF gives none),
    /// DW_CFA_undefined ignored (it does not remove a rule), and a register whose rule a restore removed written
    /// back as the same value (`$rbx: $rbx`). Approximated from the interpreted rows: an
    /// instruction that restates an unchanged rule is not written (dump_syms writes it again).
    public func dumpSymsRecords(for fde: FDE, cpu: CPU, loadAddress: UInt64 = 0) -> [BreakpadCFIRecord] {
        guard let cie = cies[fde.cieOffset] else { return [] }
        let allOnes: UInt64 = cie.addressSize == 4 ? 0xffff_ffff : .max
        guard fde.initialAddress != allOnes, let table = unwindTable(for: fde, ignoringUndefined: true),
              let first = table.rows.first, let last = table.rows.last else { return [] }
        let start = first.start
        guard start >= loadAddress else { return [] }
        let ra = cie.returnAddressRegister
        var records: [BreakpadCFIRecord] = []
        var previous: [String: String] = [:]
        for row in table.rows {
            var current: [String: String] = [:]
            if case .registerOffset(let register, let offset) = row.cfa, let name = DWARFRegisterNames.name(register, cpu: cpu) {
                current[".cfa"] = "\(name) \(offset) +"
            }
            for entry in row.registers {
                guard let (label, value) = Self.ruleParts(entry, returnAddress: ra, cpu: cpu) else { continue }
                current[label] = value
            }
            if current[".ra"] == nil {
                current[".ra"] = previous[".ra"] ?? DWARFRegisterNames.name(ra, cpu: cpu)
            }
            for label in previous.keys where current[label] == nil && label != ".cfa" && label != ".ra" {
                current[label] = label
            }
            let isInit = row.start == start
            let changed = current.filter { isInit || previous[$0.key] != $0.value }.sorted { $0.key < $1.key }
            if !changed.isEmpty {
                records.append(BreakpadCFIRecord(address: row.start &- loadAddress, size: isInit ? last.end &- start : nil,
                                                 rules: changed.map { "\($0.key): \($0.value)" }.joined(separator: " ")))
            }
            previous = current
        }
        return records
    }

    static func ruleText(_ entry: DWARFRegisterRuleEntry, returnAddress: UInt64, cpu: CPU) -> String? {
        ruleParts(entry, returnAddress: returnAddress, cpu: cpu).map { "\($0.label): \($0.value)" }
    }

    static func ruleParts(_ entry: DWARFRegisterRuleEntry, returnAddress: UInt64, cpu: CPU) -> (label: String, value: String)? {
        let value: String
        switch entry.rule {
        case .sameValue:
            guard let name = DWARFRegisterNames.name(entry.register, cpu: cpu) else { return nil }
            value = name
        case .offset(let offset): value = ".cfa \(offset) + ^"
        case .valOffset(let offset): value = ".cfa \(offset) +"
        case .register(let other):
            guard let name = DWARFRegisterNames.name(other, cpu: cpu) else { return nil }
            value = name
        case .expression, .valExpression:
            return nil
        }
        let label: String
        if entry.register == returnAddress {
            label = ".ra"
        } else {
            guard let name = DWARFRegisterNames.name(entry.register, cpu: cpu) else { return nil }
            label = name
        }
        return (label, value)
    }

    /// The Breakpad rules in force at `address` (relative to `loadAddress`, like the records):
    /// the covering FDE's INIT rules with its deltas up to `address` applied, exactly what a
    /// Breakpad `.sym` reader gets from ``breakpadRecords(cpu:loadAddress:)``. nil when no FDE
    /// covers the address or its INIT record has nothing Breakpad can express.
    public func rules(at address: UInt64, cpu: CPU, loadAddress: UInt64 = 0) -> CallFrameRules? {
        guard let fde = fde(covering: address &+ loadAddress) else { return nil }
        let records = breakpadRecords(for: fde, cpu: cpu, loadAddress: loadAddress)
        guard let initRecord = records.first, initRecord.isInit, initRecord.address <= address,
              var rules = CallFrameRules(parsing: initRecord.rules) else { return nil }
        for record in records.dropFirst() {
            guard record.address <= address else { break }
            if record.isInit { rules = CallFrameRules(parsing: record.rules) ?? rules; continue }
            _ = rules.apply(record.rules)
        }
        return rules
    }
}
