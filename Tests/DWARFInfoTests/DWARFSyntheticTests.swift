import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// Little-endian byte writer for hand-made DWARF.
struct W {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func uleb(_ v: UInt64) {
        var v = v
        repeat {
            var byte = UInt8(v & 0x7f); v >>= 7
            if v != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while v != 0
    }
    mutating func sleb(_ v: Int64) {
        var v = v
        while true {
            let byte = UInt8(v & 0x7f); v >>= 7
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) { bytes.append(byte); return }
            bytes.append(byte | 0x80)
        }
    }
    mutating func str(_ s: String) { bytes += Array(s.utf8) + [0] }
    mutating func patch32(at offset: Int, _ v: UInt32) { for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
}

/// One DWARF 4 unit: a CU with a subprogram `f` at 0x1000..0x1040 holding an inlined call of
/// `inl` (through DW_AT_abstract_origin) at 0x1010..0x1020, called from a.c:7; and a line
/// program for a.c (dir src) with rows 0x1000 l.5, 0x1010 l.6 (file 2 = b.h), 0x1020 l.8.
struct Synthetic {
    enum Variant { case plain, originCycle, missingAbbrev, unknownForm, stmtListOutOfRange, strpOutOfRange, dwarf64, version5 }
    var abbrev: [UInt8] = []
    var info: [UInt8] = []
    var line: [UInt8] = []
    var str: [UInt8] = Array("inl_from_strp\0".utf8)
    var lineStr: [UInt8] = Array("/work\0src\0a.c\0b.h\0".utf8)
    /// Offset of the first DIE's abbreviation code in `info`.
    var firstDIE = 0

    init(_ variant: Variant = .plain) {
        let v5 = variant == .version5
        var a = W()
        // 1: compile_unit, children: name string, comp_dir string, low_pc addr, high_pc data4, stmt_list sec_offset
        a.uleb(1); a.uleb(0x11); a.u8(1)
        for (n, f) in [(0x03, 0x08), (0x1b, 0x08), (0x11, 0x01), (0x12, 0x06), (0x10, 0x17)] { a.uleb(UInt64(n)); a.uleb(UInt64(f)) }
        a.u8(0); a.u8(0)
        // 2: subprogram, children: name string, low_pc addr, high_pc data4
        a.uleb(2); a.uleb(0x2e); a.u8(1)
        for (n, f) in [(0x03, variant == .unknownForm ? 0x7f : 0x08), (0x11, 0x01), (0x12, 0x06)] { a.uleb(UInt64(n)); a.uleb(UInt64(f)) }
        a.u8(0); a.u8(0)
        // 3: inlined_subroutine: abstract_origin ref4, low_pc addr, high_pc data4, call_file data1, call_line data1
        a.uleb(3); a.uleb(0x1d); a.u8(0)
        for (n, f) in [(0x31, 0x13), (0x11, 0x01), (0x12, 0x06), (0x58, 0x0b), (0x59, 0x0b)] { a.uleb(UInt64(n)); a.uleb(UInt64(f)) }
        a.u8(0); a.u8(0)
        // 4: subprogram declaration: linkage name strp
        a.uleb(4); a.uleb(0x2e); a.u8(0)
        a.uleb(0x6e); a.uleb(0x0e)
        a.u8(0); a.u8(0)
        // 5: subprogram with only abstract_origin ref4 (for cycles)
        a.uleb(5); a.uleb(0x2e); a.u8(0)
        a.uleb(0x31); a.uleb(0x13)
        a.u8(0); a.u8(0)
        a.u8(0)
        abbrev = a.bytes

        var i = W()
        let is64 = variant == .dwarf64
        if is64 { i.u32(0xffff_ffff); i.u64(0) } else { i.u32(0) }
        let lengthEnd = i.bytes.count
        if v5 {
            i.u16(5); i.u8(1); i.u8(8); i.u32(0)
        } else {
            i.u16(4)
            if is64 { i.u64(0) } else { i.u32(0) }
            i.u8(8)
        }
        firstDIE = i.bytes.count
        i.uleb(1); i.str("a.c"); i.str("/work"); i.u64(0x1000); i.u32(0x100)
        if is64 { i.u64(variant == .stmtListOutOfRange ? 0x10000 : 0) } else { i.u32(variant == .stmtListOutOfRange ? 0x10000 : 0) }
        // declaration DIE the inlinee points at
        let declaration = UInt32(i.bytes.count)
        let inlinee: UInt32
        if variant == .originCycle {
            // 5 -> the inlinee, which points back at 5.
            i.uleb(5); let patch = i.bytes.count; i.u32(0)
            i.uleb(2); i.str("f"); i.u64(0x1000); i.u32(0x40)
            inlinee = UInt32(i.bytes.count)
            i.patch32(at: patch, inlinee)
        } else {
            i.uleb(4)
            if is64 { i.u64(variant == .strpOutOfRange ? 0xffff : 0) } else { i.u32(variant == .strpOutOfRange ? 0xffff : 0) }
            i.uleb(2); i.str("f"); i.u64(0x1000); i.u32(0x40)
            inlinee = UInt32(i.bytes.count)
        }
        _ = inlinee
        i.uleb(variant == .missingAbbrev ? 9 : 3); i.u32(declaration); i.u64(0x1010); i.u32(0x10); i.u8(1); i.u8(7)
        i.u8(0) // end of f's children
        i.u8(0) // end of CU's children
        if is64 {
            let length = UInt64(i.bytes.count - lengthEnd)
            for k in 0..<8 { i.bytes[4 + k] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(k))) }
        } else {
            i.patch32(at: 0, UInt32(i.bytes.count - 4))
        }
        info = i.bytes
        line = Synthetic.lineProgram(version: v5 ? 5 : 4)
    }

    static func lineProgram(version: UInt16, headerLengthOverride: UInt32? = nil, lineRange: UInt8 = 14) -> [UInt8] {
        var l = W()
        l.u32(0)
        l.u16(version)
        if version >= 5 { l.u8(8); l.u8(0) }
        let headerLengthAt = l.bytes.count
        l.u32(0)
        let headerStart = l.bytes.count
        l.u8(1) // min inst length
        if version >= 4 { l.u8(1) } // max ops
        l.u8(1) // default is_stmt
        l.u8(UInt8(bitPattern: -5)) // line base
        l.u8(lineRange)
        l.u8(13) // opcode base
        l.bytes += [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1]
        if version >= 5 {
            // directories: path line_strp; 2 entries: /work, src
            l.u8(1); l.uleb(1); l.uleb(0x1f)
            l.uleb(2); l.u32(0); l.u32(6)
            // files: path line_strp, directory_index udata, MD5 data16; 3 entries (0 = a.c)
            l.u8(3); l.uleb(1); l.uleb(0x1f); l.uleb(2); l.uleb(0x0f); l.uleb(5); l.uleb(0x1e)
            l.uleb(3)
            for (name, dir) in [(10, 1), (10, 1), (14, 1)] as [(UInt32, UInt64)] {
                l.u32(name); l.uleb(dir); l.bytes += [UInt8](repeating: 0xab, count: 16)
            }
        } else {
            l.str("src"); l.u8(0)
            l.str("a.c"); l.uleb(1); l.uleb(0); l.uleb(0)
            l.str("b.h"); l.uleb(1); l.uleb(0); l.uleb(0)
            l.u8(0)
        }
        let headerLength = UInt32(l.bytes.count - headerStart)
        l.patch32(at: headerLengthAt, headerLengthOverride ?? headerLength)
        // set_address 0x1000; advance_line 4 (line 5); copy
        l.u8(0); l.uleb(9); l.u8(2); l.u64(0x1000)
        l.u8(3); l.sleb(4); l.u8(1)
        // file 2; advance_pc 0x10; advance_line 1; copy  -> 0x1010 b.h:6
        l.u8(4); l.uleb(2); l.u8(2); l.uleb(0x10); l.u8(3); l.sleb(1); l.u8(1)
        // file 1; special opcode: address += 16, line += 2 -> 0x1020 a.c:8
        // adjusted = 16 * 14 + (2 - (-5)) = 231; opcode = 231 + 13 = 244
        l.u8(4); l.uleb(1); l.u8(244)
        // advance_pc 0x20; end_sequence at 0x1040
        l.u8(2); l.uleb(0x20); l.u8(0); l.uleb(1); l.u8(1)
        l.patch32(at: 0, UInt32(l.bytes.count - 4))
        return l.bytes
    }

    var sections: DWARFSections {
        DWARFSections(sections: ["debug_info": ByteView(info), "debug_abbrev": ByteView(abbrev), "debug_line": ByteView(line),
                                 "debug_str": ByteView(str), "debug_line_str": ByteView(lineStr)])
    }
}

struct DWARFSyntheticTests {
    @Test func readsFunctionsInlineesAndLines() throws {
        for variant in [Synthetic.Variant.plain, .dwarf64, .version5] {
            let info = DWARFDebugInfo(Synthetic(variant).sections)
            #expect(info.errors.isEmpty, "\(variant): \(info.errors)")
            try #require(info.functions.count == 1, "\(variant)")
            let f = info.functions[0]
            #expect(f.name == "f" && f.address == 0x1000 && f.size == 0x40)
            #expect(f.lines.map(\.address) == [0x1000, 0x1010, 0x1020])
            #expect(f.lines.map(\.line) == [5, 7, 8], "\(variant): call line 7 replaces the inlinee's rows")
            try #require(f.inlinees.count == 1)
            let inlinee = f.inlinees[0]
            #expect(inlinee.name == "inl_from_strp" && inlinee.address == 0x1010 && inlinee.size == 0x10)
            #expect(inlinee.lines.map(\.line) == [6] && inlinee.lines.first?.file.name == "b.h")
            #expect(inlinee.callLine == 7 && inlinee.callFile?.name == "a.c")
            #expect(info.line(at: 0x1000)! == ("/work/src/a.c", 5))
            #expect(info.line(at: 0x1015)! == ("/work/src/b.h", 6))
            #expect(info.line(at: 0x103f)! == ("/work/src/a.c", 8))
            #expect(info.line(at: 0x1040) == nil)
            #expect(info.line(at: 0xfff) == nil)
            #expect(info.function(at: 0x1020)?.name == "f")
        }
        let v5 = try DWARFLineProgram.parse(Synthetic(.version5).sections, offset: 0, compDir: "/work")
        #expect(v5.files.map(\.path) == ["/work/src/a.c", "/work/src/a.c", "/work/src/b.h"])
        #expect(v5.files[2].md5 == [UInt8](repeating: 0xab, count: 16))
        #expect(v5.rows.map(\.endSequence) == [false, false, false, true])
    }

    @Test func abstractOriginCycleEnds() {
        let info = DWARFDebugInfo(Synthetic(.originCycle).sections)
        #expect(info.functions.count == 1)
        #expect(info.functions.first?.inlinees.first?.name == "")
    }

    @Test func missingAbbreviationCodeIsAnErrorWithPartialResults() throws {
        let synthetic = Synthetic(.missingAbbrev)
        let info = DWARFDebugInfo(synthetic.sections)
        let error = try #require(info.errors.first)
        #expect(error.kind == .invalidValue && error.detail.contains("abbreviation code 9"))
        // `f` was read before the bad DIE.
        #expect(info.functions.map(\.name) == ["f"])
        #expect(info.files == ["/work/src/a.c", "/work/src/b.h"])
    }

    @Test func unknownFormIsUnsupported() throws {
        let info = DWARFDebugInfo(Synthetic(.unknownForm).sections)
        let error = try #require(info.errors.first)
        #expect(error.kind == .unsupported && error.detail.contains("0x7f"))
        #expect(info.functions.isEmpty)
    }

    @Test func offsetsOutOfRange() throws {
        let noLines = DWARFDebugInfo(Synthetic(.stmtListOutOfRange).sections)
        #expect(noLines.errors.first?.kind == .outOfRange)
        // Only the inlined call's record remains, without a file (no file table).
        #expect(noLines.functions.first?.lines.map(\.line) == [7])
        #expect(noLines.functions.first?.lines.first?.file == DWARFFileInfo())
        #expect(noLines.functions.first?.inlinees.first?.lines.isEmpty == true)

        let noName = DWARFDebugInfo(Synthetic(.strpOutOfRange).sections)
        #expect(noName.functions.first?.inlinees.first?.name == "")

        #expect(throws: ParseError.self) { try DWARFLineProgram.parse(Synthetic().sections, offset: 1 << 40) }
    }

    @Test func unitLengthPastTheEnd() throws {
        var synthetic = Synthetic()
        synthetic.info[0] = 0xf0; synthetic.info[1] = 0xff; synthetic.info[2] = 0xff; synthetic.info[3] = 0x0f
        let info = DWARFDebugInfo(synthetic.sections)
        let error = try #require(info.errors.first)
        #expect(error.kind == .outOfRange && error.offset == 0)
        #expect(info.functions.isEmpty)
    }

    @Test func truncatedUnits() {
        let full = Synthetic()
        for cut in 1..<full.info.count {
            var synthetic = full
            synthetic.info = Array(full.info.prefix(cut))
            let info = DWARFDebugInfo(synthetic.sections)
            #expect(!info.errors.isEmpty, "cut at \(cut)")
            // Keep the unit length consistent with the cut: DIEs end early.
            if cut > full.firstDIE {
                synthetic.info[0] = UInt8(cut - 4)
                let shortened = DWARFDebugInfo(synthetic.sections)
                #expect(shortened.functions.count <= 1)
            }
        }
        for cut in 0..<full.line.count {
            var synthetic = full
            synthetic.line = Array(full.line.prefix(cut))
            #expect(throws: ParseError.self) { try DWARFLineProgram.parse(synthetic.sections, offset: 0) }
        }
        for cut in 0..<full.abbrev.count {
            var synthetic = full
            synthetic.abbrev = Array(full.abbrev.prefix(cut))
            _ = DWARFDebugInfo(synthetic.sections)
        }
    }

    @Test func absurdLEB128() throws {
        var reader = ByteReader(ByteView([UInt8](repeating: 0xff, count: 12) + [0x01]))
        #expect(throws: ParseError.self) { try reader.dwarfULEB128() }
        reader.offset = 0
        #expect(throws: ParseError.self) { try reader.dwarfSLEB128() }
        var tooBig = ByteReader(ByteView([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))
        #expect(throws: ParseError.self) { try tooBig.dwarfULEB128() }
        var max = ByteReader(ByteView([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
        #expect(try max.dwarfULEB128() == .max)
        var minusOne = ByteReader(ByteView([0x7f]))
        #expect(try minusOne.dwarfSLEB128() == -1)

        // An abbreviation code that never ends.
        var synthetic = Synthetic()
        synthetic.info.replaceSubrange(synthetic.firstDIE..<(synthetic.firstDIE + 1), with: [UInt8](repeating: 0x80, count: 1))
        synthetic.info.replaceSubrange((synthetic.firstDIE + 1)..<(synthetic.firstDIE + 12), with: [UInt8](repeating: 0xff, count: 11))
        let info = DWARFDebugInfo(synthetic.sections)
        #expect(info.errors.contains { $0.detail.contains("LEB128") })
    }

    @Test func lineProgramHeaderLengthsPastTheEnd() throws {
        for version: UInt16 in [2, 3, 4, 5] {
            var synthetic = Synthetic()
            synthetic.line = Synthetic.lineProgram(version: version, headerLengthOverride: 0x7fff_0000)
            let error = try #require(throws: ParseError.self) { try DWARFLineProgram.parse(synthetic.sections, offset: 0) }
            #expect(error.kind == .outOfRange && error.detail.contains("header length"))
            synthetic.line = Synthetic.lineProgram(version: version)
            synthetic.line[0] = 0xf0; synthetic.line[1] = 0xff
            let unitError = try #require(throws: ParseError.self) { try DWARFLineProgram.parse(synthetic.sections, offset: 0) }
            #expect(unitError.kind == .outOfRange && unitError.offset == 0)
            synthetic.line = Synthetic.lineProgram(version: version, lineRange: 0)
            #expect(throws: ParseError.self) { try DWARFLineProgram.parse(synthetic.sections, offset: 0) }
        }
    }
}

/// DWARF 5 indexed forms: strx1 through DW_AT_str_offsets_base, addrx through DW_AT_addr_base,
/// DW_AT_ranges as rnglistx through DW_AT_rnglists_base, implicit_const, DW_AT_specification.
struct DWARF5IndexedFormTests {
    static func sections() -> DWARFSections {
        var a = W()
        func abbrev(_ code: UInt64, _ tag: UInt64, _ children: Bool, _ specs: [(UInt64, UInt64)], implicit: Int64? = nil) {
            a.uleb(code); a.uleb(tag); a.u8(children ? 1 : 0)
            for (n, f) in specs {
                a.uleb(n); a.uleb(f)
                if f == 0x21 { a.sleb(implicit ?? 0) }
            }
            a.u8(0); a.u8(0)
        }
        abbrev(1, 0x11, true, [(0x03, 0x25), (0x1b, 0x25), (0x11, 0x1b), (0x12, 0x06), (0x72, 0x17), (0x73, 0x17), (0x74, 0x17)])
        abbrev(2, 0x2e, true, [(0x47, 0x13), (0x55, 0x23)])
        abbrev(3, 0x2e, false, [(0x6e, 0x25), (0x3a, 0x21)], implicit: 1)
        abbrev(4, 0x1d, false, [(0x31, 0x13), (0x11, 0x1b), (0x12, 0x0b), (0x58, 0x0f), (0x59, 0x0f)])
        a.u8(0)

        var i = W()
        i.u32(0); i.u16(5); i.u8(1); i.u8(8); i.u32(0)
        i.u8(1); i.u8(0); i.u8(1); i.uleb(0); i.u32(0x100); i.u32(8); i.u32(8); i.u32(12)
        let declaration = UInt32(i.bytes.count)
        i.u8(3); i.u8(2)
        let inlineDeclaration = UInt32(i.bytes.count)
        i.u8(3); i.u8(3)
        i.u8(2); i.u32(declaration); i.uleb(0)
        i.u8(4); i.u32(inlineDeclaration); i.uleb(1); i.u8(8); i.uleb(1); i.uleb(3)
        i.u8(0); i.u8(0)
        i.patch32(at: 0, UInt32(i.bytes.count - 4))

        var s = W()
        s.str("a.c"); s.str("/w"); s.str("_Z1gv"); s.str("_Z3inlv")
        var offsets = W()
        offsets.u32(0); offsets.u16(5); offsets.u16(0)
        for o: UInt32 in [0, 4, 7, 13] { offsets.u32(o) }
        offsets.patch32(at: 0, UInt32(offsets.bytes.count - 4))
        var addr = W()
        addr.u32(0); addr.u16(5); addr.u8(8); addr.u8(0)
        for v: UInt64 in [0x2000, 0x2010] { addr.u64(v) }
        addr.patch32(at: 0, UInt32(addr.bytes.count - 4))
        var ranges = W()
        ranges.u32(0); ranges.u16(5); ranges.u8(8); ranges.u8(0); ranges.u32(1)
        ranges.u32(4)
        ranges.u8(1); ranges.uleb(0)            // base_addressx 0 -> 0x2000
        ranges.u8(4); ranges.uleb(0x80); ranges.uleb(0x90) // offset_pair (listed first: ranges get sorted)
        ranges.u8(4); ranges.uleb(0); ranges.uleb(0x20)
        ranges.u8(0)
        ranges.patch32(at: 0, UInt32(ranges.bytes.count - 4))
        return DWARFSections(sections: [
            "debug_info": ByteView(i.bytes), "debug_abbrev": ByteView(a.bytes), "debug_str": ByteView(s.bytes),
            "debug_str_offsets": ByteView(offsets.bytes), "debug_addr": ByteView(addr.bytes),
            "debug_rnglists": ByteView(ranges.bytes),
        ])
    }

    @Test func indexedForms() throws {
        let info = DWARFDebugInfo(Self.sections())
        #expect(info.errors.isEmpty, "\(info.errors)")
        #expect(info.units.map(\.version) == [5])
        let ranges = [DWARFRange(begin: 0x2000, end: 0x2020), DWARFRange(begin: 0x2080, end: 0x2090)]
        #expect(info.functions.map(\.name) == ["_Z1gv", "_Z1gv"])
        #expect(info.functions.map(\.address) == [0x2000, 0x2080])
        #expect(info.functions.map(\.size) == [0x20, 0x10])
        #expect(info.functions.allSatisfy { $0.ranges == ranges })
        let inlinee = try #require(info.functions.first?.inlinees.first)
        #expect(inlinee.name == "_Z3inlv" && inlinee.address == 0x2010 && inlinee.size == 8 && inlinee.callLine == 3)
        #expect(info.functions.last?.inlinees.isEmpty == true)
        #expect(info.function(at: 0x2085)?.address == 0x2080)
        #expect(info.function(at: 0x2050) == nil)
    }
}

struct DWARFNestingTests {
    /// A subprogram with `depth` nested inlined calls.
    static func nested(_ depth: Int) -> DWARFSections {
        var a = W()
        a.uleb(1); a.uleb(0x11); a.u8(1); a.uleb(0x11); a.uleb(0x01); a.uleb(0x12); a.uleb(0x06); a.u8(0); a.u8(0)
        a.uleb(2); a.uleb(0x2e); a.u8(1); a.uleb(0x03); a.uleb(0x08); a.uleb(0x11); a.uleb(0x01); a.uleb(0x12); a.uleb(0x06); a.u8(0); a.u8(0)
        a.uleb(3); a.uleb(0x1d); a.u8(1); a.uleb(0x03); a.uleb(0x08); a.uleb(0x11); a.uleb(0x01); a.uleb(0x12); a.uleb(0x06); a.u8(0); a.u8(0)
        a.u8(0)
        var i = W()
        i.u32(0); i.u16(4); i.u32(0); i.u8(8)
        i.u8(1); i.u64(0x1000); i.u32(0x1000)
        i.u8(2); i.str("f"); i.u64(0x1000); i.u32(0x1000)
        for _ in 0..<depth { i.u8(3); i.str("g"); i.u64(0x1000); i.u32(0x10) }
        for _ in 0..<(depth + 2) { i.u8(0) }
        i.patch32(at: 0, UInt32(i.bytes.count - 4))
        return DWARFSections(sections: ["debug_info": ByteView(i.bytes), "debug_abbrev": ByteView(a.bytes)])
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        var inlinees = DWARFDebugInfo(Self.nested(100)).functions.first?.inlinees ?? []
        var levels = 0
        while let next = inlinees.first { levels += 1; inlinees = next.inlinees }
        #expect(levels == 100)
        let tooDeepInlining = DWARFDebugInfo(Self.nested(300))
        #expect(tooDeepInlining.errors.contains { $0.detail.contains("inlined subroutines nested deeper") })
        let tooDeepDIEs = DWARFDebugInfo(Self.nested(5000))
        #expect(tooDeepDIEs.errors.contains { $0.detail.contains("DIEs nested deeper") })
    }
}
