import CrashpipeCore

// Compact unwind: the `__TEXT,__unwind_info` section ld64/lld write for Apple platforms, as
// <mach-o/compact_unwind_encoding.h> (llvm libunwind) lays it out: a header with the common
// encodings, the personalities and a first-level index of second-level pages ("regular"
// pages of (function offset, encoding) pairs, "compressed" pages of 24-bit offsets with 8-bit
// indexes into the common and the page's local encodings), ending with a sentinel entry
// whose function offset is the end of the last function.

/// The entries of an `__unwind_info` section: which 32-bit encoding covers which range of
/// module-relative addresses. Reading never traps: a broken header throws a ``ParseError``;
/// a broken second-level page or entry is left out (its range is covered by nothing) and
/// recorded in ``problems``.
struct CompactUnwindInfo: Sendable {
    struct Entry: Sendable, Hashable {
        /// Module-relative start (function offset from the Mach-O header).
        var address: UInt32
        /// Bytes covered, up to the next entry (never 0: zero-length entries are dropped, as
        /// symbolic drops them).
        var length: UInt32
        var encoding: UInt32
    }

    static let headerSize = 28
    static let maxProblems = 32

    let commonEncodings: [UInt32]
    let personalities: [UInt32]
    /// Sorted by address, not overlapping.
    let entries: [Entry]
    let problems: [ParseError]

    init(_ section: ByteView, endian: Endian) throws(ParseError) {
        let context = "__unwind_info header"
        guard section.count >= Self.headerSize else {
            throw ParseError(.truncated, offset: section.fileOffset(0), context: context,
                             "the header needs \(Self.headerSize) bytes, the section has \(section.count)")
        }
        let version = try section.u32(at: 0, endian)
        guard version == 1 else {
            throw ParseError(.unsupported, offset: section.fileOffset(0), context: context,
                             "version \(version) is not 1, the only compact unwind version")
        }
        func array(_ field: Int, elementSize: Int, what: String) throws(ParseError) -> (offset: Int, count: Int) {
            let offset = Int(try section.u32(at: field, endian))
            let count = Int(try section.u32(at: field + 4, endian))
            guard count <= section.count / elementSize else {
                throw ParseError(.absurdCount, offset: section.fileOffset(field + 4), context: context,
                                 "\(count) \(what) of \(elementSize) bytes cannot fit in the \(section.count)-byte section")
            }
            guard offset <= section.count, count * elementSize <= section.count - offset else {
                throw ParseError(.outOfRange, offset: section.fileOffset(field), context: context,
                                 "\(count) \(what) at 0x\(String(offset, radix: 16)) run past the end of the "
                                 + "\(section.count)-byte section")
            }
            return (offset, count)
        }
        let common = try array(4, elementSize: 4, what: "common encodings")
        let personality = try array(12, elementSize: 4, what: "personalities")
        let index = try array(20, elementSize: 12, what: "first-level index entries")
        var commonEncodings: [UInt32] = []
        commonEncodings.reserveCapacity(common.count)
        for i in 0..<common.count { commonEncodings.append(try section.u32(at: common.offset + 4 * i, endian)) }
        var personalities: [UInt32] = []
        for i in 0..<personality.count { personalities.append(try section.u32(at: personality.offset + 4 * i, endian)) }
        self.commonEncodings = commonEncodings
        self.personalities = personalities

        // Every second-level entry and each page's start in order; nil encodings mark a range
        // that is covered by nothing (a broken page or entry).
        var raw: [(address: UInt32, encoding: UInt32?, at: Int)] = []
        var problems: [ParseError] = []
        var dropped = 0
        func note(_ error: ParseError) {
            if problems.count < Self.maxProblems { problems.append(error) } else { dropped += 1 }
        }
        for i in 0..<index.count {
            let at = index.offset + 12 * i
            let first = try section.u32(at: at, endian)
            let pageOffset = Int(try section.u32(at: at + 4, endian))
            guard pageOffset != 0 else {
                // The sentinel (or, in the middle of the index, a range without an encoding).
                raw.append((first, 0, at))
                continue
            }
            let mark = raw.count
            do throws(ParseError) {
                try Self.readPage(section, endian: endian, at: pageOffset, first: first, common: commonEncodings,
                                  into: &raw, note: note)
            } catch {
                note(error.within("second-level page \(i) at 0x\(String(pageOffset, radix: 16))"))
                raw.removeSubrange(mark...)
                raw.append((first, nil, at))
            }
        }

        // Lengths run to the next entry; entries must not go backwards.
        var kept: [(address: UInt32, encoding: UInt32?, at: Int)] = []
        kept.reserveCapacity(raw.count)
        for item in raw {
            if let last = kept.last, item.address < last.address {
                note(ParseError(.invalidValue, offset: section.fileOffset(item.at), context: "__unwind_info",
                                "function offset 0x\(String(item.address, radix: 16)) comes after 0x\(String(last.address, radix: 16)); "
                                + "entries must be sorted (left out)"))
                continue
            }
            kept.append(item)
        }
        var entries: [Entry] = []
        entries.reserveCapacity(kept.count)
        for k in 0..<max(kept.count - 1, 0) {
            let length = kept[k + 1].address - kept[k].address
            guard length > 0, let encoding = kept[k].encoding else { continue }
            entries.append(Entry(address: kept[k].address, length: length, encoding: encoding))
        }
        if dropped > 0 {
            problems.append(ParseError(.invalidValue, offset: section.fileOffset(0), context: "__unwind_info",
                                       "\(dropped) more problems not listed"))
        }
        self.entries = entries
        self.problems = problems
    }

    /// One second-level page's entries, appended to `raw`.
    static func readPage(_ section: ByteView, endian: Endian, at offset: Int, first: UInt32, common: [UInt32],
                         into raw: inout [(address: UInt32, encoding: UInt32?, at: Int)],
                         note: (ParseError) -> Void) throws(ParseError) {
        let kind = try section.u32(at: offset, endian)
        let entriesOffset = Int(try section.u16(at: offset + 4, endian))
        let count = Int(try section.u16(at: offset + 6, endian))
        switch kind {
        case 2:  // UNWIND_SECOND_LEVEL_REGULAR: (function offset, encoding) pairs
            let start = offset + entriesOffset
            try section.check(offset: start, size: count * 8, what: "\(count) regular second-level entries")
            for k in 0..<count {
                raw.append((try section.u32(at: start + 8 * k, endian), try section.u32(at: start + 8 * k + 4, endian),
                            start + 8 * k))
            }
        case 3:  // UNWIND_SECOND_LEVEL_COMPRESSED: 8-bit encoding index, 24-bit offset from `first`
            let localOffset = Int(try section.u16(at: offset + 8, endian))
            let localCount = Int(try section.u16(at: offset + 10, endian))
            let start = offset + entriesOffset
            try section.check(offset: start, size: count * 4, what: "\(count) compressed second-level entries")
            try section.check(offset: offset + localOffset, size: localCount * 4, what: "\(localCount) local encodings")
            for k in 0..<count {
                let at = start + 4 * k
                let word = try section.u32(at: at, endian)
                let (address, overflow) = first.addingReportingOverflow(word & 0x00ff_ffff)
                let index = Int(word >> 24)
                var encoding: UInt32?
                if overflow {
                    note(ParseError(.outOfRange, offset: section.fileOffset(at), context: "__unwind_info",
                                    "function offset 0x\(String(word & 0x00ff_ffff, radix: 16)) past page base "
                                    + "0x\(String(first, radix: 16)) overflows 32 bits"))
                    continue
                } else if index < common.count {
                    encoding = common[index]
                } else if index - common.count < localCount {
                    encoding = try section.u32(at: offset + localOffset + 4 * (index - common.count), endian)
                } else {
                    note(ParseError(.outOfRange, offset: section.fileOffset(at), context: "__unwind_info",
                                    "encoding index \(index) is past the \(common.count) common and \(localCount) local encodings"))
                }
                raw.append((address, encoding, at))
            }
        default:
            throw ParseError(.invalidValue, offset: section.fileOffset(offset), context: "__unwind_info",
                             "second-level page kind \(kind) is neither 2 (regular) nor 3 (compressed)")
        }
    }
}

/// What one compact unwind encoding says, for one CPU.
enum CompactUnwindRule: Equatable {
    /// A Breakpad rule list (`.cfa: $rsp 16 + .ra: .cfa -8 + ^ ...`).
    case rules(String)
    /// "DWARF" mode: the FDE at this offset in `__eh_frame` has the rules.
    case dwarf(offsetInEhFrame: UInt32)
    /// Nothing usable (an unknown mode on x86, or a stack size that cannot be read).
    case none

    /// x86_64 / i386 register numbers of the encodings (UNWIND_X86_64_REG_*, UNWIND_X86_REG_*).
    static let amd64Registers = ["", "$rbx", "$r12", "$r13", "$r14", "$r15", "$rbp"]
    static let x86Registers = ["", "$ebx", "$ecx", "$edx", "$edi", "$esi", "$ebp"]

    /// Decodes `encoding` for `cpu` (x86, amd64 or arm64). `readU32` reads 4 bytes at a
    /// module-relative address (the `subl` immediate of the stack-indirect mode);
    /// `functionStart` is the entry's start.
    static func decode(_ encoding: UInt32, cpu: CPU, functionStart: UInt64,
                       readU32: (UInt64) -> UInt32?) -> CompactUnwindRule {
        let mode = (encoding >> 24) & 0xf
        switch cpu {
        case .amd64, .x86:
            let p = cpu == .amd64 ? 8 : 4
            let (sp, bp) = cpu == .amd64 ? ("$rsp", "$rbp") : ("$esp", "$ebp")
            let names = cpu == .amd64 ? amd64Registers : x86Registers
            switch mode {
            case 1:
                // RBP/EBP frame: the saved registers from bp - offset * p upwards, the lowest 3
                // bits first (UNWIND_X86_64_RBP_FRAME_OFFSET is bits 16-23, _REGISTERS bits 0-14,
                // as libunwind reads them). symbolic reads the offset from bits 0-7 and the
                // registers from bits 9-23, so its records differ for frames that save registers.
                // (The fixture from symbolic has no such entry.)
                let offset = Int((encoding >> 16) & 0xff)
                let registers = encoding & 0x7fff
                var parts = [".cfa: \(bp) \(2 * p) +", "\(bp): .cfa \(-2 * p) + ^", ".ra: .cfa \(-p) + ^"]
                for slot in 0..<5 {
                    let register = Int((registers >> (3 * slot)) & 7)
                    guard register >= 1 && register <= 6 else { continue }
                    parts.append("\(names[register]): .cfa \(-2 * p - p * offset + p * slot) + ^")
                }
                return .rules(parts.joined(separator: " "))
            case 2, 3:  // frameless, stack size immediate or from the prologue's `sub` instruction
                let encodedSize = UInt64((encoding >> 16) & 0xff)
                let size: Int
                if mode == 2 {
                    size = Int(encodedSize) * p
                } else {
                    let adjust = Int((encoding >> 13) & 7)
                    guard let sub = readU32(functionStart &+ encodedSize) else { return .none }
                    size = Int(sub) + adjust * p
                }
                var parts = [".cfa: \(sp) \(size) +", ".ra: .cfa \(-p) + ^"]
                // Saved registers sit right below the return address, the last pushed first.
                var slot = 2
                for register in framelessRegisters(encoding).reversed() where register != 0 {
                    parts.append("\(names[register]): .cfa \(-slot * p) + ^")
                    slot += 1
                }
                return .rules(parts.joined(separator: " "))
            case 4:
                return .dwarf(offsetInEhFrame: encoding & 0x00ff_ffff)
            default:
                // No encoding (0) or an unknown mode: symbolic assumes a stackless leaf on x86_64.
                return cpu == .amd64 ? .rules(".cfa: $rsp 8 + .ra: .cfa -8 + ^") : .none
            }
        case .arm64:
            switch mode {
            case 2:  // frameless leaf: return address in the link register
                let size = Int((encoding >> 12) & 0xfff) * 16
                return .rules(".cfa: sp \(size) + .ra: x30 0 +")
            case 3:
                return .dwarf(offsetInEhFrame: encoding & 0x00ff_ffff)
            case 4:  // frame: x29/x30 pair at the frame pointer, register pairs below it
                var parts = [".cfa: x29 16 +", "x29: .cfa -16 + ^", ".ra: .cfa -8 + ^"]
                var saved = 0
                for pair in 0..<9 where encoding & (1 << pair) != 0 {
                    let (a, b) = pair < 5 ? ("x\(19 + 2 * pair)", "x\(20 + 2 * pair)")
                                          : ("d\(8 + 2 * (pair - 5))", "d\(9 + 2 * (pair - 5))")
                    parts.append("\(a): .cfa \((-2 * saved - 3) * 8) + ^")
                    parts.append("\(b): .cfa \((-2 * saved - 4) * 8) + ^")
                    saved += 1
                }
                return .rules(parts.joined(separator: " "))
            default:
                return .rules(".cfa: sp .ra: x30")
            }
        default:
            return .none
        }
    }

    /// The registers a frameless x86 encoding saved, in push order (1-6; 0 for none): up to
    /// six register numbers permuted into 10 bits (libunwind's decoding of the Lehmer code).
    static func framelessRegisters(_ encoding: UInt32) -> [Int] {
        let count = min(Int((encoding >> 10) & 7), 6)
        var permutation = Int(encoding & 0x3ff)
        var digits = [Int](repeating: 0, count: 6)
        let radices: [Int]
        switch count {
        case 6, 5: radices = [120, 24, 6, 2, 1]
        case 4: radices = [60, 12, 3, 1]
        case 3: radices = [20, 4, 1]
        case 2: radices = [5, 1]
        case 1: radices = [1]
        default: radices = []
        }
        for (i, radix) in radices.enumerated() where i < count {
            digits[i] = permutation / radix
            permutation -= digits[i] * radix
        }
        var used = [Bool](repeating: false, count: 7)
        var registers: [Int] = []
        for i in 0..<count {
            var rank = 0
            var found = 0
            for candidate in 1...6 where !used[candidate] {
                if rank == digits[i] {
                    found = candidate
                    used[candidate] = true
                    break
                }
                rank += 1
            }
            registers.append(found)
        }
        return registers
    }

    /// symbolic's hand-written rules for `_sigtramp` on x86_64, whose FDE uses DWARF
    /// expressions: the callee-saved registers, CFA and return address from the signal's
    /// machine context (`$rbx` + 48 points at it).
    static let sigtrampRules = "$rbx: $rbx 48 + ^ 24 + ^ $rbp: $rbx 48 + ^ 64 + ^ $r12: $rbx 48 + ^ 112 + ^ "
        + "$r13: $rbx 48 + ^ 120 + ^ $r14: $rbx 48 + ^ 128 + ^ $r15: $rbx 48 + ^ 136 + ^ "
        + ".cfa: $rbx 48 + ^ 72 + ^ .ra: $rbx 48 + ^ 144 + ^"
}

/// A Mach-O file's compact unwind table as ``UnwindRuleTable``: rules from the encodings, and
/// for the "DWARF" entries the `__eh_frame` FDE they name.
struct CompactUnwindTable: UnwindRuleTable {
    let info: CompactUnwindInfo
    let cpu: CPU
    /// `__eh_frame`, for the entries that defer to it, with its load address.
    let ehFrame: DWARFCallFrameInfo?
    let loadAddress: UInt64
    let fdesByOffset: [Int: DWARFCallFrameInfo.FDE]
    /// Starts of the DWARF-mode entries whose function is `_sigtramp` (x86_64 only).
    let sigtramps: Set<UInt32>
    /// `__TEXT` section contents with their module-relative addresses, for the `sub`
    /// instructions of stack-indirect entries.
    let text: [(address: UInt64, bytes: ByteView)]
    let endian: Endian

    init(info: CompactUnwindInfo, cpu: CPU, ehFrame: DWARFCallFrameInfo?, loadAddress: UInt64,
         text: [(address: UInt64, bytes: ByteView)], endian: Endian, functionName: (UInt64) -> String?) {
        self.info = info
        self.cpu = cpu
        self.ehFrame = ehFrame
        self.loadAddress = loadAddress
        self.text = text
        self.endian = endian
        var byOffset: [Int: DWARFCallFrameInfo.FDE] = [:]
        for fde in ehFrame?.fdes ?? [] { byOffset[fde.offset] = fde }
        fdesByOffset = byOffset
        var sigtramps: Set<UInt32> = []
        if cpu == .amd64 {
            for entry in info.entries where (entry.encoding >> 24) & 0xf == 4 {
                if functionName(UInt64(entry.address)) == "_sigtramp" { sigtramps.insert(entry.address) }
            }
        }
        self.sigtramps = sigtramps
    }

    func readU32(_ address: UInt64) -> UInt32? {
        for section in text where address >= section.address && address - section.address <= UInt64(Int.max) {
            let offset = Int(address - section.address)
            if offset <= section.bytes.count - 4 { return try? section.bytes.u32(at: offset, endian) }
        }
        return nil
    }

    func rule(for entry: CompactUnwindInfo.Entry) -> CompactUnwindRule {
        CompactUnwindRule.decode(entry.encoding, cpu: cpu, functionStart: UInt64(entry.address), readU32: readU32)
    }

    /// The entry covering `address`, by binary search.
    func entry(at address: UInt64) -> CompactUnwindInfo.Entry? {
        let entries = info.entries
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if UInt64(entries[middle].address) <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let entry = entries[low - 1]
        return address - UInt64(entry.address) < UInt64(entry.length) ? entry : nil
    }

    func rules(at address: UInt64) -> CallFrameRules? {
        guard let entry = entry(at: address) else { return nil }
        switch rule(for: entry) {
        case .rules(let text):
            return CallFrameRules(parsing: text)
        case .dwarf(let offset):
            guard sigtramps.contains(entry.address), fdesByOffset[Int(offset)] != nil else { return nil }
            return CallFrameRules(parsing: CompactUnwindRule.sigtrampRules)
        case .none:
            return nil
        }
    }

    /// Whether `encoding` is x86's stack-indirect mode (the frame size is the immediate of the
    /// prologue's `sub`), which symbolic does not decode.
    func isStackIndirect(_ encoding: UInt32) -> Bool {
        (cpu == .amd64 || cpu == .x86) && (encoding >> 24) & 0xf == 3
    }

    /// One `STACK CFI INIT` per entry, in entry order, exactly as symbolic's
    /// `read_compact_unwind_info` writes them (``breakpadRecords(symbolicCompatible:)`` with true).
    func breakpadRecords() -> [BreakpadCFIRecord] { breakpadRecords(symbolicCompatible: true) }

    /// One `STACK CFI INIT` per entry, in entry order; a DWARF-mode entry gives the records of
    /// the FDE it names (all its rows). With `symbolicCompatible`, stack-indirect entries are
    /// written as symbolic writes them, which does not decode that mode: as a stackless leaf
    /// on x86_64 (`.cfa: $rsp 8 + .ra: .cfa -8 + ^`), not at all on i386. Without it they get
    /// the frame size read from the `sub` instruction, the rules ``rules(at:)`` gives.
    func breakpadRecords(symbolicCompatible: Bool) -> [BreakpadCFIRecord] {
        var records: [BreakpadCFIRecord] = []
        for entry in info.entries {
            var rule = rule(for: entry)
            if symbolicCompatible && isStackIndirect(entry.encoding) {
                rule = cpu == .amd64 ? .rules(".cfa: $rsp 8 + .ra: .cfa -8 + ^") : .none
            }
            switch rule {
            case .rules(let text):
                records.append(BreakpadCFIRecord(address: UInt64(entry.address), size: UInt64(entry.length), rules: text))
            case .dwarf(let offset):
                guard let ehFrame, let fde = fdesByOffset[Int(offset)] else { continue }
                if sigtramps.contains(entry.address) {
                    records.append(BreakpadCFIRecord(address: UInt64(entry.address), size: UInt64(entry.length),
                                                     rules: CompactUnwindRule.sigtrampRules))
                } else {
                    records += ehFrame.breakpadRecords(for: fde, cpu: cpu, loadAddress: loadAddress)
                }
            case .none:
                continue
            }
        }
        return records
    }
}
