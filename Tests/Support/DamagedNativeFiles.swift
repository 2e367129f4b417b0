import CrashpipeCore
import Testing

/// What loading (possibly damaged) bytes through a symbol format gave, and what the loaded
/// symbols answered at the probed addresses.
public struct DamagedLoad {
    /// The ParseError the format threw, if it refused the bytes.
    public var error: ParseError?
    public var symbols: (any ModuleSymbols)?
    /// Probed addresses that found a function, found one with a source line (DWARF), and had
    /// call frame rules.
    public var found = 0, lined = 0, rules = 0
    /// The probed addresses that answered with a source line.
    public var linedAddresses: Set<UInt64> = []

    public var problems: [String] { symbols?.problems ?? [] }
}

/// Loads `bytes` through `format` (as the pipeline does for a native debug file), then asks the
/// symbols about every address in `probes`: lookup, hasFunction and callFrameInfo. A thrown
/// error must be a ParseError that says what went wrong and where (context or offset); any
/// other error is recorded as a test issue. A crash or a hang would end the test run.
/// Where each 32-bit DWARF unit of the `.debug_info` at `offset` (`size` bytes) in `bytes` ends,
/// relative to the section.
public func dwarfUnitEnds(_ bytes: [UInt8], offset: Int, size: Int) throws -> [Int] {
    let view = ByteView(bytes)
    var ends: [Int] = []
    var at = 0
    while at < size {
        at += 4 + Int(try view.u32(at: offset + at))
        ends.append(at)
    }
    return ends
}

public func loadDamaged(_ format: any SymbolFormat, _ bytes: [UInt8], probes: [UInt64], label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) -> DamagedLoad {
    var result = DamagedLoad()
    let symbols: any ModuleSymbols
    do {
        symbols = try format.load(ByteView(bytes), location: label)
    } catch let error as ParseError {
        // Offset 0 without a context says nothing about where, unless the file is that short.
        if error.detail.isEmpty || (error.context == nil && error.offset == 0 && bytes.count >= 64) {
            Issue.record("\(label): a ParseError without context: \(error)", sourceLocation: sourceLocation)
        }
        result.error = error
        return result
    } catch {
        Issue.record("\(label): not a ParseError: \(error)", sourceLocation: sourceLocation)
        return result
    }
    result.symbols = symbols
    for address in probes {
        if let info = symbols.lookup(address) {
            result.found += 1
            if info.line != nil {
                result.lined += 1
                result.linedAddresses.insert(address)
            }
            _ = info.inlines.count
        }
        _ = symbols.hasFunction(at: address)
        if symbols.callFrameInfo(at: address) != nil { result.rules += 1 }
    }
    _ = symbols.problems
    return result
}

/// Little-endian bytes for hand-made DWARF, call frame information and object files.
public struct LEBytes {
    public var bytes: [UInt8] = []
    public init() {}
    public var count: Int { bytes.count }
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { put(v) }
    public mutating func u32(_ v: UInt32) { put(v) }
    public mutating func u64(_ v: UInt64) { put(v) }
    public mutating func uleb(_ v: UInt64) {
        var v = v
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while v != 0
    }
    public mutating func sleb(_ v: Int64) {
        var v = v
        while true {
            let byte = UInt8(v & 0x7f)
            v >>= 7
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) { bytes.append(byte); return }
            bytes.append(byte | 0x80)
        }
    }
    /// A LEB128 that never ends within `length` bytes (continuation bit on every byte).
    public mutating func endlessLEB(_ length: Int = 24) { bytes += [UInt8](repeating: 0x80, count: length) }
    public mutating func str(_ s: String) { bytes += Array(s.utf8) + [0] }
    public mutating func patch32(at offset: Int, _ v: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }
    private mutating func put<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }
}

/// Hand-made DWARF 4 (32-bit, 8-byte addresses) for damage tests through the object formats:
/// compile units with subprograms, inlined calls, declarations referred to by
/// DW_AT_abstract_origin / DW_AT_specification (DW_FORM_ref_addr, so references may cross
/// units and form cycles), DW_AT_ranges, DW_AT_sibling, and one line program.
public struct SyntheticDWARF {
    public var info = LEBytes()
    public var abbrev: [UInt8]
    public var line: [UInt8] = []
    public var ranges: [UInt8] = []
    public var rnglists: [UInt8] = []
    public var str: [UInt8] = [0]

    /// Abbreviation codes.
    public enum Code {
        public static let unit: UInt64 = 1, function: UInt64 = 2, inlined: UInt64 = 3, declaration: UInt64 = 4
        public static let origin: UInt64 = 5, specification: UInt64 = 6, ranged: UInt64 = 7, withSibling: UInt64 = 8
        public static let rangedIndex: UInt64 = 9
    }

    public init() {
        var a = LEBytes()
        func entry(_ code: UInt64, _ tag: UInt64, _ children: Bool, _ specs: [(UInt64, UInt64)]) {
            a.uleb(code); a.uleb(tag); a.u8(children ? 1 : 0)
            for (name, form) in specs { a.uleb(name); a.uleb(form) }
            a.u8(0); a.u8(0)
        }
        // compile_unit: name string, low_pc addr, high_pc data4, stmt_list sec_offset
        entry(Code.unit, 0x11, true, [(0x03, 0x08), (0x11, 0x01), (0x12, 0x06), (0x10, 0x17)])
        // subprogram with children: name, low_pc, high_pc
        entry(Code.function, 0x2e, true, [(0x03, 0x08), (0x11, 0x01), (0x12, 0x06)])
        // inlined_subroutine: abstract_origin ref_addr, low_pc, high_pc, call_file data1, call_line data1
        entry(Code.inlined, 0x1d, false, [(0x31, 0x10), (0x11, 0x01), (0x12, 0x06), (0x58, 0x0b), (0x59, 0x0b)])
        // subprogram declaration: name
        entry(Code.declaration, 0x2e, false, [(0x03, 0x08)])
        // subprogram with only abstract_origin ref_addr; with only specification ref_addr
        entry(Code.origin, 0x2e, false, [(0x31, 0x10)])
        entry(Code.specification, 0x2e, false, [(0x47, 0x10)])
        // subprogram: name, ranges sec_offset
        entry(Code.ranged, 0x2e, false, [(0x03, 0x08), (0x55, 0x17)])
        // subprogram with children: sibling ref4, name, low_pc, high_pc
        entry(Code.withSibling, 0x2e, true, [(0x01, 0x13), (0x03, 0x08), (0x11, 0x01), (0x12, 0x06)])
        // subprogram: name, ranges rnglistx (DWARF 5)
        entry(Code.rangedIndex, 0x2e, false, [(0x03, 0x08), (0x55, 0x23)])
        a.u8(0)
        abbrev = a.bytes
    }

    /// Starts a unit (DWARF 4, or 5) covering `low..<low+size`; returns its offset for
    /// ``endUnit(_:)``.
    public mutating func beginUnit(name: String = "a.c", low: UInt64, size: UInt32, stmtList: UInt32 = 0,
                                   version: UInt16 = 4) -> Int {
        let start = info.count
        if version >= 5 {
            info.u32(0); info.u16(version); info.u8(1); info.u8(8); info.u32(0)
        } else {
            info.u32(0); info.u16(version); info.u32(0); info.u8(8)
        }
        info.uleb(Code.unit); info.str(name); info.u64(low); info.u32(size); info.u32(stmtList)
        return start
    }

    /// Ends the unit's children and writes its length.
    public mutating func endUnit(_ start: Int) {
        info.u8(0)
        info.patch32(at: start, UInt32(info.count - start - 4))
    }

    /// A subprogram `name` at `low..<low+size`; `children` writes its children.
    public mutating func function(_ name: String, low: UInt64, size: UInt32, children: (inout SyntheticDWARF) -> Void = { _ in }) {
        info.uleb(Code.function); info.str(name); info.u64(low); info.u32(size)
        children(&self)
        info.u8(0)
    }

    /// An inlined call at `low..<low+size` of the DIE at section offset `origin`; returns where
    /// the reference is (to patch).
    @discardableResult
    public mutating func inlined(origin: UInt32, low: UInt64, size: UInt32, callLine: UInt8 = 7) -> Int {
        info.uleb(Code.inlined)
        let at = info.count
        info.u32(origin); info.u64(low); info.u32(size); info.u8(1); info.u8(callLine)
        return at
    }

    /// A declaration named `name`; returns its section offset.
    public mutating func declaration(_ name: String) -> UInt32 {
        let at = UInt32(info.count)
        info.uleb(Code.declaration); info.str(name)
        return at
    }

    /// A subprogram that only refers to another DIE (abstract_origin, or specification);
    /// returns its section offset and where its reference is (to patch).
    public mutating func reference(to target: UInt32, specification: Bool = false) -> (offset: UInt32, field: Int) {
        let at = UInt32(info.count)
        info.uleb(specification ? Code.specification : Code.origin)
        let field = info.count
        info.u32(target)
        return (at, field)
    }

    /// A subprogram whose addresses are the DW_AT_ranges list at `rangesOffset`.
    public mutating func ranged(_ name: String, rangesOffset: UInt32) {
        info.uleb(Code.ranged); info.str(name); info.u32(rangesOffset)
    }

    /// A subprogram whose DW_AT_ranges is entry `index` of the unit's range list offsets
    /// (DW_FORM_rnglistx, DWARF 5).
    public mutating func rangedIndex(_ name: String, index: UInt64) {
        info.uleb(Code.rangedIndex); info.str(name); info.uleb(index)
    }

    /// A subprogram whose DW_AT_sibling is `sibling` (unit-relative); returns where the
    /// sibling field is.
    @discardableResult
    public mutating func withSibling(_ name: String, sibling: UInt32?, unitStart: Int, low: UInt64, size: UInt32) -> Int {
        let dieStart = info.count
        info.uleb(Code.withSibling)
        let field = info.count
        info.u32(sibling ?? UInt32(dieStart - unitStart))
        info.str(name); info.u64(low); info.u32(size)
        info.u8(0)
        return field
    }

    /// A DWARF 4 line program for `a.c` (in `/src`): each row `(address, file, line)`, then the
    /// end of the sequence at `end`. Returns the program's offset in `line`.
    @discardableResult
    public mutating func lineProgram(rows: [(address: UInt64, file: UInt64, line: Int64)], end: UInt64) -> UInt32 {
        var l = LEBytes()
        l.u32(0); l.u16(4)
        let headerLengthAt = l.count
        l.u32(0)
        let headerStart = l.count
        l.u8(1); l.u8(1); l.u8(1); l.u8(UInt8(bitPattern: -5)); l.u8(14); l.u8(13)
        l.bytes += [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]
        l.str("/src"); l.u8(0)
        l.str("a.c"); l.uleb(1); l.uleb(0); l.uleb(0)
        l.u8(0)
        l.patch32(at: headerLengthAt, UInt32(l.count - headerStart))
        var currentLine: Int64 = 1
        var currentFile: UInt64 = 1
        for row in rows {
            l.u8(0); l.uleb(9); l.u8(2); l.u64(row.address)             // DW_LNE_set_address
            if row.file != currentFile { l.u8(4); l.uleb(row.file); currentFile = row.file }
            l.u8(3); l.sleb(row.line - currentLine); currentLine = row.line  // advance_line
            l.u8(1)                                                          // copy
        }
        l.u8(0); l.uleb(9); l.u8(2); l.u64(end)
        l.u8(0); l.uleb(1); l.u8(1)                                          // end_sequence
        l.patch32(at: 0, UInt32(l.count - 4))
        let offset = UInt32(line.count)
        line += l.bytes
        return offset
    }

    /// The sections by their ELF names.
    public var sections: [(name: String, data: [UInt8])] {
        [(".debug_info", info.bytes), (".debug_abbrev", abbrev), (".debug_line", line), (".debug_ranges", ranges),
         (".debug_rnglists", rnglists), (".debug_str", str)].filter { !$0.data.isEmpty }
    }
}

/// Hand-made `.eh_frame` contents (absolute 8-byte FDE addresses: augmentation "zR" with
/// DW_EH_PE_absptr): CIEs and FDEs, good and bad.
public struct SyntheticEhFrame {
    public var bytes = LEBytes()
    public init() {}

    /// A CIE (rsp-based CFA, return address at CFA-8); `endlessCodeAlignment` writes a LEB128
    /// that never ends instead of the code alignment factor. Returns its offset.
    @discardableResult
    public mutating func cie(endlessCodeAlignment: Bool = false) -> Int {
        let start = bytes.count
        bytes.u32(0); bytes.u32(0); bytes.u8(1); bytes.str("zR")
        if endlessCodeAlignment { bytes.endlessLEB(); bytes.u8(1) } else { bytes.uleb(1) }
        bytes.sleb(-8); bytes.u8(16); bytes.uleb(1); bytes.u8(0x00)
        bytes.bytes += [0x0c, 7, 8, 0x90, 1]
        pad(start)
        return start
    }

    /// An FDE for `address..<address+size` whose CIE pointer names section offset `cie`
    /// (`nil`: the FDE itself).
    public mutating func fde(cie: Int?, address: UInt64, size: UInt64) {
        let start = bytes.count
        bytes.u32(0)
        let pointerAt = bytes.count
        bytes.u32(UInt32(truncatingIfNeeded: pointerAt - (cie ?? start)))
        bytes.u64(address); bytes.u64(size); bytes.uleb(0)
        bytes.bytes += [0x41, 0x0e, 16]  // advance_loc 1; def_cfa_offset 16
        pad(start)
    }

    private mutating func pad(_ start: Int) {
        while (bytes.count - start) % 8 != 4 { bytes.u8(0) }
        bytes.patch32(at: start, UInt32(bytes.count - start - 4))
    }

    /// Ends the section (a zero length).
    public mutating func terminate() { bytes.u32(0) }
}
