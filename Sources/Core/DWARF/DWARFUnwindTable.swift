/// How to compute the CFA in one row of an unwind table.
public enum DWARFCFARule: Sendable, Hashable {
    case registerOffset(register: UInt64, offset: Int64)
    /// `DW_CFA_def_cfa_expression`: the expression's bytes (section offsets); not evaluated.
    case expression(Range<Int>)
}

/// How to recover one register of the caller.
public enum DWARFRegisterRule: Sendable, Hashable {
    case sameValue
    /// Saved at CFA + n.
    case offset(Int64)
    /// The value is CFA + n.
    case valOffset(Int64)
    /// Held in another register.
    case register(UInt64)
    /// `DW_CFA_expression` / `DW_CFA_val_expression`: not evaluated.
    case expression(Range<Int>)
    case valExpression(Range<Int>)
}

/// One register's rule in a row (rows keep the order in which rules were set, as gimli does,
/// which is the order symbolic writes them in).
public struct DWARFRegisterRuleEntry: Sendable, Hashable {
    public var register: UInt64
    public var rule: DWARFRegisterRule
}

/// The rules that hold from `start` up to (not including) `end`.
public struct DWARFUnwindRow: Sendable, Hashable {
    public var start: UInt64
    public var end: UInt64
    public var cfa: DWARFCFARule
    public var registers: [DWARFRegisterRuleEntry]

    public func rule(for register: UInt64) -> DWARFRegisterRule? {
        registers.first { $0.register == register }?.rule
    }
}

/// The rows an FDE's program yields, and the problem that stopped it early (if any): the rows
/// up to that point, and a last row from there to the end of the FDE, are still given.
public struct DWARFUnwindTable: Sendable, Equatable {
    public var fde: DWARFCallFrameInfo.FDE
    public var cie: DWARFCallFrameInfo.CIE
    public var rows: [DWARFUnwindRow]
    public var problem: ParseError?
}

extension DWARFCallFrameInfo {
    /// The interpreter's state: the current row's rules.
    struct State: Hashable {
        var cfa: DWARFCFARule = .registerOffset(register: 0, offset: 0)
        var registers: [DWARFRegisterRuleEntry] = []

        /// Sets a rule; nil (undefined) removes it the way gimli does (swap-remove).
        mutating func set(_ register: UInt64, _ rule: DWARFRegisterRule?) throws(ParseError) {
            if let index = registers.firstIndex(where: { $0.register == register }) {
                if let rule {
                    registers[index].rule = rule
                } else {
                    registers.swapAt(index, registers.count - 1)
                    registers.removeLast()
                }
            } else if let rule {
                guard registers.count < DWARFCallFrameInfo.maxRegisterRules else {
                    throw ParseError(.absurdCount, offset: 0, "more than \(DWARFCallFrameInfo.maxRegisterRules) register rules")
                }
                registers.append(DWARFRegisterRuleEntry(register: register, rule: rule))
            }
        }
    }

    /// Limits that keep hostile programs cheap.
    static let maxRegisterRules = 256
    static let maxStateDepth = 64

    /// Runs the CIE's initial instructions and the FDE's program; never throws: a bad
    /// instruction ends the program (as gimli's iterator does for symbolic) and is reported.
    public func unwindTable(for fde: FDE) -> DWARFUnwindTable? {
        unwindTable(for: fde, ignoringUndefined: false)
    }

    /// `ignoringUndefined`: DW_CFA_undefined leaves the rule as it was (Breakpad's dump_syms).
    func unwindTable(for fde: FDE, ignoringUndefined: Bool) -> DWARFUnwindTable? {
        guard let cie = cies[fde.cieOffset] else { return nil }
        var rows: [DWARFUnwindRow] = []
        var problem: ParseError?
        let mask: UInt64 = cie.addressSize == 4 ? 0xffff_ffff : .max
        let end = fde.endAddress & mask

        var state = State()
        var stack: [State] = []
        var location = fde.initialAddress
        // The CIE's initial instructions establish the initial row (advances there are ignored).
        var initialStack: [State] = []
        do throws(ParseError) {
            try run(cie.instructions, cie: cie, fde: nil, state: &state, initial: nil, stack: &initialStack,
                    location: &location, mask: mask, ignoringUndefined: ignoringUndefined) { _, _ in }
        } catch {
            problem = error
        }
        let initial = state
        location = fde.initialAddress
        if problem == nil {
            do throws(ParseError) {
                try run(fde.instructions, cie: cie, fde: fde, state: &state, initial: initial, stack: &stack,
                        location: &location, mask: mask, ignoringUndefined: ignoringUndefined) { row, next in
                    rows.append(DWARFUnwindRow(start: row.start, end: next, cfa: row.cfa, registers: row.registers))
                }
            } catch {
                problem = error
            }
        }
        rows.append(DWARFUnwindRow(start: location, end: end, cfa: state.cfa, registers: state.registers))
        return DWARFUnwindTable(fde: fde, cie: cie, rows: rows, problem: problem)
    }

    /// The exact row in force at `address` (in the section's address space): unlike
    /// ``rules(at:cpu:loadAddress:)`` it shows registers whose rules a later instruction
    /// removed (DW_CFA_restore, DW_CFA_restore_state), and DWARF expressions. nil when no FDE
    /// covers the address or its CIE could not be read.
    public func row(at address: UInt64) -> DWARFUnwindRow? {
        guard let fde = fde(covering: address), let table = unwindTable(for: fde) else { return nil }
        return table.rows.last { $0.start <= address && address < $0.end }
            ?? table.rows.last { $0.start <= address }
    }

    /// Interprets `range`. `emit` gets the row that ends at each advance (with its start
    /// address) and the new location.
    func run(_ range: Range<Int>, cie: CIE, fde: FDE?, state: inout State, initial: State?, stack: inout [State],
             location: inout UInt64, mask: UInt64, ignoringUndefined: Bool = false,
             emit: (DWARFUnwindRow, UInt64) -> Void) throws(ParseError) {
        var cursor = DWARFCursor(view: section, endian: endian, offset: range.lowerBound, limit: range.upperBound,
                                 context: "\(context) CFA program")
        let caf = cie.codeAlignmentFactor
        let daf = cie.dataAlignmentFactor

        func advance(to next: UInt64) {
            guard fde != nil else { return }
            emit(DWARFUnwindRow(start: location, end: next, cfa: state.cfa, registers: state.registers), next)
            location = next
        }
        func factored(_ value: Int64) -> Int64 { value &* daf }
        func restore(_ register: UInt64) throws(ParseError) {
            try state.set(register, initial?.registers.first { $0.register == register }?.rule)
        }
        func located(_ error: ParseError, _ at: Int) -> ParseError {
            var copy = error
            if copy.offset == 0 { copy.offset = section.fileOffset(at) }
            if copy.context == nil { copy.context = cursor.context }
            return copy
        }

        while !cursor.isAtEnd {
            let start = cursor.offset
            let opcode = try cursor.u8("CFA opcode")
            do throws(ParseError) {
                switch opcode >> 6 {
                case 1: // DW_CFA_advance_loc
                    advance(to: (location &+ UInt64(opcode & 0x3f) &* caf) & mask)
                    continue
                case 2: // DW_CFA_offset
                    let offset = try cursor.uleb("DW_CFA_offset offset")
                    try state.set(UInt64(opcode & 0x3f), .offset(factored(Int64(bitPattern: offset))))
                    continue
                case 3: // DW_CFA_restore
                    try restore(UInt64(opcode & 0x3f))
                    continue
                default: break
                }
                switch opcode {
                case 0x00: break // DW_CFA_nop
                case 0x01: // DW_CFA_set_loc
                    let encoding = format == .ehFrame ? cie.pointerEncoding : DWARFPointerEncoding.absptr
                    let address = try cursor.pointer(encoding, addressSize: cie.addressSize,
                                                     bases: pointerBases(function: fde?.initialAddress),
                                                     what: "DW_CFA_set_loc address") ?? location
                    guard address >= location else {
                        throw cursor.error(.invalidValue, at: start,
                                           "DW_CFA_set_loc moves back from 0x\(String(location, radix: 16)) to 0x\(String(address, radix: 16))")
                    }
                    advance(to: address & mask)
                case 0x02: advance(to: (location &+ UInt64(try cursor.u8("advance_loc1 delta")) &* caf) & mask)
                case 0x03: advance(to: (location &+ UInt64(try cursor.fixed(UInt16.self, "advance_loc2 delta")) &* caf) & mask)
                case 0x04: advance(to: (location &+ UInt64(try cursor.fixed(UInt32.self, "advance_loc4 delta")) &* caf) & mask)
                case 0x05: // DW_CFA_offset_extended
                    let register = try cursor.uleb("register")
                    let offset = try cursor.uleb("offset")
                    try state.set(register, .offset(factored(Int64(bitPattern: offset))))
                case 0x06: try restore(try cursor.uleb("register")) // DW_CFA_restore_extended
                case 0x07: // DW_CFA_undefined
                    let register = try cursor.uleb("register")
                    if !ignoringUndefined { try state.set(register, nil) }
                case 0x08: try state.set(try cursor.uleb("register"), .sameValue)
                case 0x09: // DW_CFA_register
                    let register = try cursor.uleb("register")
                    let other = try cursor.uleb("register")
                    try state.set(register, .register(other))
                case 0x0a: // DW_CFA_remember_state
                    guard stack.count < Self.maxStateDepth else {
                        throw cursor.error(.absurdCount, at: start, "DW_CFA_remember_state nested more than \(Self.maxStateDepth) deep")
                    }
                    stack.append(state)
                case 0x0b: // DW_CFA_restore_state
                    guard let saved = stack.popLast() else {
                        throw cursor.error(.invalidValue, at: start, "DW_CFA_restore_state without a remembered state")
                    }
                    state = saved
                case 0x0c: // DW_CFA_def_cfa
                    let register = try cursor.uleb("register")
                    let offset = try cursor.uleb("offset")
                    state.cfa = .registerOffset(register: register, offset: Int64(bitPattern: offset))
                case 0x0d: // DW_CFA_def_cfa_register
                    let register = try cursor.uleb("register")
                    guard case .registerOffset(_, let offset) = state.cfa else {
                        throw cursor.error(.invalidValue, at: start, "DW_CFA_def_cfa_register after a CFA expression")
                    }
                    state.cfa = .registerOffset(register: register, offset: offset)
                case 0x0e, 0x13: // DW_CFA_def_cfa_offset(_sf)
                    let offset = opcode == 0x0e ? Int64(bitPattern: try cursor.uleb("offset")) : factored(try cursor.sleb("offset"))
                    guard case .registerOffset(let register, _) = state.cfa else {
                        throw cursor.error(.invalidValue, at: start, "DW_CFA_def_cfa_offset after a CFA expression")
                    }
                    state.cfa = .registerOffset(register: register, offset: offset)
                case 0x0f: // DW_CFA_def_cfa_expression
                    let block = try cursor.skip(try cursor.uleb("expression length"), "CFA expression")
                    state.cfa = .expression(block)
                case 0x10, 0x16: // DW_CFA_expression, DW_CFA_val_expression
                    let register = try cursor.uleb("register")
                    let block = try cursor.skip(try cursor.uleb("expression length"), "register expression")
                    try state.set(register, opcode == 0x10 ? .expression(block) : .valExpression(block))
                case 0x11: // DW_CFA_offset_extended_sf
                    let register = try cursor.uleb("register")
                    try state.set(register, .offset(factored(try cursor.sleb("offset"))))
                case 0x12: // DW_CFA_def_cfa_sf
                    let register = try cursor.uleb("register")
                    state.cfa = .registerOffset(register: register, offset: factored(try cursor.sleb("offset")))
                case 0x14: // DW_CFA_val_offset
                    let register = try cursor.uleb("register")
                    try state.set(register, .valOffset(factored(Int64(bitPattern: try cursor.uleb("offset")))))
                case 0x15: // DW_CFA_val_offset_sf
                    let register = try cursor.uleb("register")
                    try state.set(register, .valOffset(factored(try cursor.sleb("offset"))))
                case 0x2d: break // DW_CFA_GNU_window_save / DW_CFA_AARCH64_negate_ra_state: ignored
                case 0x2e: _ = try cursor.uleb("DW_CFA_GNU_args_size") // ignored
                case 0x2f: // DW_CFA_GNU_negative_offset_extended
                    let register = try cursor.uleb("register")
                    let offset = try cursor.uleb("offset")
                    try state.set(register, .offset(0 &- factored(Int64(bitPattern: offset))))
                default:
                    throw cursor.error(.unsupported, at: start, "unknown CFA instruction 0x\(String(opcode, radix: 16))")
                }
            } catch {
                throw located(error, start)
            }
        }
    }
}
