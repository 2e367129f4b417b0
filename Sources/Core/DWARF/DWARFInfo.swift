/// An attribute value as its form encodes it; strings and references are resolved later.
public enum DWARFFormValue: Sendable, Equatable {
    case address(UInt64)
    case addrx(UInt64)
    case unsigned(UInt64)
    case signed(Int64)
    case strp(UInt64)
    case lineStrp(UInt64)
    case strx(UInt64)
    case string(String)
    /// A reference relative to the unit's start.
    case ref(UInt64)
    /// A reference into `.debug_info` (section offset).
    case refAddr(UInt64)
    case refSig8(UInt64)
    /// A reference into a supplementary file (not followed).
    case refSup(UInt64)
    case secOffset(UInt64)
    /// data16 (e.g. an MD5).
    case block([UInt8])
    /// block*, exprloc: skipped, with their length.
    case skipped(Int)
    case flag(Bool)
    case rnglistx(UInt64)
    case loclistx(UInt64)
    case strpSup(UInt64)

    /// The value of a constant or offset form.
    public var unsigned: UInt64? {
        switch self {
        case .unsigned(let v), .secOffset(let v): return v
        case .signed(let v): return UInt64(bitPattern: v)
        default: return nil
        }
    }

    /// Reads one value of `form` (DW_FORM_*).
    public static func read(_ r: inout ByteReader, form: UInt64, is64: Bool, addressSize: UInt8, version: UInt16 = 5,
                            implicitConst: Int64 = 0, sections: DWARFSections) throws(ParseError) -> DWARFFormValue {
        let offsetSize = is64 ? 8 : 4
        var form = form
        var indirections = 0
        while form == 0x16 { // indirect
            indirections += 1
            form = try r.dwarfULEB128()
            if indirections > 4 || form == 0x21 {
                throw ParseError(.invalidValue, offset: r.fileOffset, context: r.context, "bad DW_FORM_indirect chain")
            }
        }
        switch form {
        case 0x01: return .address(try r.dwarfUnsigned(size: Int(addressSize)))
        case 0x03: let n = Int(try r.u16()); try r.skip(n); return .skipped(n)
        case 0x04: let n = try r.u32(); try checkLength(&r, UInt64(n)); try r.skip(Int(n)); return .skipped(Int(n))
        case 0x05: return .unsigned(UInt64(try r.u16()))
        case 0x06: return .unsigned(UInt64(try r.u32()))
        case 0x07: return .unsigned(try r.u64())
        case 0x08: return .string(try r.dwarfCString())
        case 0x09, 0x18:
            let n = try r.dwarfULEB128(); try checkLength(&r, n); try r.skip(Int(n)); return .skipped(Int(n))
        case 0x0a: let n = Int(try r.u8()); try r.skip(n); return .skipped(n)
        case 0x0b: return .unsigned(UInt64(try r.u8()))
        case 0x0c: return .flag(try r.u8() != 0)
        case 0x0d: return .signed(try r.dwarfSLEB128())
        case 0x0e: return .strp(try r.dwarfUnsigned(size: offsetSize))
        case 0x0f: return .unsigned(try r.dwarfULEB128())
        case 0x10: return .refAddr(try r.dwarfUnsigned(size: version <= 2 ? Int(addressSize) : offsetSize))
        case 0x11: return .ref(UInt64(try r.u8()))
        case 0x12: return .ref(UInt64(try r.u16()))
        case 0x13: return .ref(UInt64(try r.u32()))
        case 0x14: return .ref(try r.u64())
        case 0x15: return .ref(try r.dwarfULEB128())
        case 0x17: return .secOffset(try r.dwarfUnsigned(size: offsetSize))
        case 0x19: return .flag(true)
        case 0x1a, 0x1f02: return .strx(try r.dwarfULEB128())
        case 0x1b, 0x1f01: return .addrx(try r.dwarfULEB128())
        case 0x1c: return .refSup(UInt64(try r.u32()))
        case 0x1d, 0x1f21: return .strpSup(try r.dwarfUnsigned(size: offsetSize))
        case 0x1e: return .block(try r.bytes(16))
        case 0x1f: return .lineStrp(try r.dwarfUnsigned(size: offsetSize))
        case 0x20: return .refSig8(try r.u64())
        case 0x21: return .signed(implicitConst)
        case 0x22: return .loclistx(try r.dwarfULEB128())
        case 0x23: return .rnglistx(try r.dwarfULEB128())
        case 0x24: return .refSup(try r.u64())
        case 0x25: return .strx(UInt64(try r.u8()))
        case 0x26: return .strx(UInt64(try r.u16()))
        case 0x27: return .strx(try read24(&r))
        case 0x28: return .strx(UInt64(try r.u32()))
        case 0x29: return .addrx(UInt64(try r.u8()))
        case 0x2a: return .addrx(UInt64(try r.u16()))
        case 0x2b: return .addrx(try read24(&r))
        case 0x2c: return .addrx(UInt64(try r.u32()))
        case 0x1f20: return .refSup(try r.dwarfUnsigned(size: offsetSize))
        default:
            throw ParseError(.unsupported, offset: r.fileOffset, context: r.context, "unknown attribute form 0x\(String(form, radix: 16))")
        }
    }

    private static func read24(_ r: inout ByteReader) throws(ParseError) -> UInt64 {
        let b = try r.bytes(3)
        return r.endian == .little
            ? UInt64(b[0]) | UInt64(b[1]) << 8 | UInt64(b[2]) << 16
            : UInt64(b[2]) | UInt64(b[1]) << 8 | UInt64(b[0]) << 16
    }

    private static func checkLength(_ r: inout ByteReader, _ n: UInt64) throws(ParseError) {
        guard n <= UInt64(r.remaining) else {
            throw ParseError(.outOfRange, offset: r.fileOffset, context: r.context, "block of \(n) bytes past the end (\(r.remaining) left)")
        }
    }

    /// The string this value names, if it is a string form.
    public func string(sections: DWARFSections, strOffsetsBase: UInt64?, is64: Bool) throws(ParseError) -> String? {
        switch self {
        case .string(let s): return s
        case .strp(let o): return try sections.debugStr.dwarfString(at: o)
        case .lineStrp(let o): return try sections.debugLineStr.dwarfString(at: o)
        case .strx(let index):
            guard let base = strOffsetsBase else { return nil }
            let size: UInt64 = is64 ? 8 : 4
            let (product, overflow) = index.multipliedReportingOverflow(by: size)
            guard !overflow else { return nil }
            let (position, overflow2) = base.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            let table = try sections.debugStrOffsets.dwarfSuffix(position, what: "string offset")
            var r = ByteReader(table, endian: sections.endian, context: "debug_str_offsets")
            return try sections.debugStr.dwarfString(at: try r.dwarfUnsigned(size: Int(size)))
        default: return nil
        }
    }
}

/// A half-open address range.
public struct DWARFRange: Sendable, Equatable, Hashable, Comparable {
    public var begin: UInt64
    public var end: UInt64
    public init(begin: UInt64, end: UInt64) { self.begin = begin; self.end = end }
    public static func < (a: DWARFRange, b: DWARFRange) -> Bool { (a.begin, a.end) < (b.begin, b.end) }
}

/// A file as line records name it: directory as written and file name.
public struct DWARFFileInfo: Sendable, Equatable {
    public var name: String
    public var directory: String
    /// Full path (comp dir / directory / name).
    public var path: String
    public init(name: String = "", directory: String = "", path: String = "") {
        self.name = name; self.directory = directory; self.path = path
    }
}

/// A line record of a function at one inlining level.
public struct DWARFLineInfo: Sendable, Equatable {
    public var address: UInt64
    public var size: UInt64?
    public var file: DWARFFileInfo
    public var line: UInt32
}

/// A function (one contiguous range of a subprogram) or an inlined call, with its line records
/// (at its own level: where an inlinee covers an address, the record is the call site) and its
/// inlinees.
public struct DWARFFunction: Sendable, Equatable {
    public var name: String
    public var address: UInt64
    public var size: UInt64
    /// All ranges of the DIE this comes from (a subprogram with several ranges yields one
    /// function per range, as symbolic does).
    public var ranges: [DWARFRange]
    public var lines: [DWARFLineInfo]
    public var inlinees: [DWARFFunction]
    public var isInline: Bool
    /// For inlinees: the call site in the caller.
    public var callFile: DWARFFileInfo?
    public var callLine: UInt32
    /// Position in DIE order (units in section order, nested subprograms before their parent).
    public var order: Int
}

/// A compile unit header.
public struct DWARFUnitHeader: Sendable, Equatable {
    public var offset: UInt64
    public var end: UInt64
    public var is64: Bool
    public var version: UInt16
    public var unitType: UInt8
    public var addressSize: UInt8
    public var abbrevOffset: UInt64
    /// Section offset of the first DIE.
    public var dieOffset: UInt64
}

/// One DIE with its attributes.
public struct DWARFDIE: Sendable {
    public var offset: UInt64
    public var tag: UInt64
    public var hasChildren: Bool
    public var depth: Int
    public var attributes: [(name: UInt64, value: DWARFFormValue)]

    public func attribute(_ name: UInt64) -> DWARFFormValue? {
        for attribute in attributes where attribute.name == name { return attribute.value }
        return nil
    }
}

struct DWARFAbbrev: Sendable {
    var tag: UInt64
    var hasChildren: Bool
    var specs: [(name: UInt64, form: UInt64, implicitConst: Int64)]
}

/// Debug information read from DWARF: functions with inlinees and line records, the source
/// files, and address → line lookups. Bad units are skipped and reported in ``errors``.
public struct DWARFDebugInfo: Sendable {
    /// Functions sorted by address (see ``DWARFFunction/order`` for DIE order).
    public private(set) var functions: [DWARFFunction] = []
    /// Full paths of each unit's line-program files, in unit order.
    public private(set) var files: [String] = []
    public private(set) var lineTable = DWARFLineTable()
    public private(set) var units: [DWARFUnitHeader] = []
    public private(set) var errors: [ParseError] = []

    /// - Parameters:
    ///   - addressOffset: added to every address (e.g. minus a Mach-O `__TEXT` vmaddr).
    ///   - symbolName: names from a symbol table, preferred for outer functions (as symbolic does).
    ///   - relocatable: keep functions at address 0 (object files).
    public init(_ sections: DWARFSections, addressOffset: Int64 = 0, relocatable: Bool = false,
                symbolName: ((UInt64) -> String?)? = nil) {
        var walker = DWARFWalker(sections: sections, addressOffset: addressOffset, relocatable: relocatable,
                                 symbolName: symbolName)
        walker.run()
        units = walker.units.map(\.header)
        errors = walker.errors
        files = walker.files
        functions = walker.functions.sorted { ($0.address, $0.order) < ($1.address, $1.order) }
        lineTable = DWARFLineTable(walker.lineSequences)
    }

    /// Roughly the memory the functions (with their inlinees, ranges and line records) and the
    /// line table hold, for caches to weigh.
    public var estimatedBytes: Int {
        func cost(_ function: DWARFFunction) -> Int {
            MemoryLayout<DWARFFunction>.stride + function.name.utf8.count
                + function.ranges.count * MemoryLayout<DWARFRange>.stride
                + function.lines.count * MemoryLayout<DWARFLineInfo>.stride
                + function.inlinees.reduce(0) { $0 + cost($1) }
        }
        let rows = lineTable.sequences.reduce(0) { total, sequence in
            total + sequence.addresses.count * (MemoryLayout<UInt64>.stride + MemoryLayout<UInt32>.stride + MemoryLayout<Int>.stride)
                + sequence.files.reduce(0) { $0 + 16 + $1.utf8.count }
        }
        return functions.reduce(0) { $0 + cost($1) } + rows
    }

    /// Leaves out the functions `isRemoved` picks, such as those a linker discarded, whose
    /// addresses point into no code.
    public mutating func removeFunctions(where isRemoved: (DWARFFunction) -> Bool) {
        functions.removeAll(where: isRemoved)
    }

    /// The function whose range contains `address` (the innermost top-level one).
    public func function(at address: UInt64) -> DWARFFunction? {
        var low = 0, high = functions.count
        while low < high {
            let mid = (low + high) / 2
            if functions[mid].address <= address { low = mid + 1 } else { high = mid }
        }
        var index = low - 1
        while index >= 0 && index >= low - 8 {
            let f = functions[index]
            if address >= f.address && address - f.address < f.size { return f }
            index -= 1
        }
        return nil
    }

    /// File and line at `address`.
    public func line(at address: UInt64) -> (file: String, line: UInt32)? { lineTable.line(at: address) }
}

/// Address → (file, line) over all units' line programs.
public struct DWARFLineTable: Sendable {
    public struct Sequence: Sendable {
        public var start: UInt64
        public var end: UInt64
        public var addresses: [UInt64]
        public var lines: [UInt32]
        public var fileIndices: [Int]
        public var files: [String]
    }
    public private(set) var sequences: [Sequence] = []

    public init() {}

    init(_ sequences: [Sequence]) {
        self.sequences = sequences.sorted { $0.start < $1.start }
    }

    public func line(at address: UInt64) -> (file: String, line: UInt32)? {
        row(at: address).map { ($0.file, $0.line) }
    }

    /// The line-table row covering `address`, with the row's own start address.
    public func row(at address: UInt64) -> (address: UInt64, file: String, line: UInt32)? {
        var low = 0, high = sequences.count
        while low < high {
            let mid = (low + high) / 2
            if sequences[mid].start <= address { low = mid + 1 } else { high = mid }
        }
        var index = low - 1
        while index >= 0 && index >= low - 4 {
            let s = sequences[index]
            if address < s.end {
                var lo = 0, hi = s.addresses.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if s.addresses[mid] <= address { lo = mid + 1 } else { hi = mid }
                }
                if lo > 0 { return (s.addresses[lo - 1], s.files[s.fileIndices[lo - 1]], s.lines[lo - 1]) }
            }
            index -= 1
        }
        return nil
    }
}

// MARK: - Walking

private enum AT {
    static let name: UInt64 = 0x03, stmtList: UInt64 = 0x10, lowPC: UInt64 = 0x11, highPC: UInt64 = 0x12
    static let compDir: UInt64 = 0x1b, abstractOrigin: UInt64 = 0x31, specification: UInt64 = 0x47
    static let ranges: UInt64 = 0x55, callFile: UInt64 = 0x58, callLine: UInt64 = 0x59
    static let linkageName: UInt64 = 0x6e, strOffsetsBase: UInt64 = 0x72, addrBase: UInt64 = 0x73
    static let rnglistsBase: UInt64 = 0x74, mipsLinkageName: UInt64 = 0x2007, gnuAddrBase: UInt64 = 0x2133
    static let gnuRangesBase: UInt64 = 0x2132
    static let kept: Set<UInt64> = [name, stmtList, lowPC, highPC, compDir, abstractOrigin, specification, ranges,
                                    callFile, callLine, linkageName, strOffsetsBase, addrBase, rnglistsBase,
                                    mipsLinkageName, gnuAddrBase, gnuRangesBase]
}

private enum TAG {
    static let subprogram: UInt64 = 0x2e, inlined: UInt64 = 0x1d
}

struct DWARFUnit: Sendable {
    var header: DWARFUnitHeader
    var abbrevs: [UInt64: DWARFAbbrev]
    var root: DWARFDIE?
    var lowPC: UInt64 = 0
    var strOffsetsBase: UInt64?
    var addrBase: UInt64 = 0
    var rnglistsBase: UInt64 = 0
    var compDir = ""
    var name = ""
    var program: DWARFLineProgram?
    var sequences: [DWARFLineSequence] = []
}

struct DWARFWalker {
    static let maxDepth = 512
    static let maxInlineDepth = 256
    static let maxNameDepth = 32

    let sections: DWARFSections
    let addressOffset: Int64
    let relocatable: Bool
    let symbolName: ((UInt64) -> String?)?
    var units: [DWARFUnit] = []
    var errors: [ParseError] = []
    var files: [String] = []
    var functions: [DWARFFunction] = []
    var lineSequences: [DWARFLineTable.Sequence] = []
    var seenRanges: Set<DWARFRange> = []
    var abbrevCache: [UInt64: [UInt64: DWARFAbbrev]] = [:]
    var nameCache: [UInt64: String?] = [:]
    var reportedReferences: Set<UInt64> = []

    // Per-unit walk state.
    var dies: [DWARFDIE] = []
    var cursor = 0
    var unitIndex = 0

    init(sections: DWARFSections, addressOffset: Int64, relocatable: Bool, symbolName: ((UInt64) -> String?)?) {
        self.sections = sections
        self.addressOffset = addressOffset
        self.relocatable = relocatable
        self.symbolName = symbolName
    }

    func adjust(_ address: UInt64) -> UInt64 { address &+ UInt64(bitPattern: addressOffset) }

    mutating func run() {
        readUnits()
        for index in units.indices {
            unitIndex = index
            do throws(ParseError) {
                try walkUnit(index)
            } catch {
                errors.append(error)
            }
        }
    }

    // MARK: Units and abbreviations

    mutating func readUnits() {
        let info = sections.debugInfo
        var offset: UInt64 = 0
        while offset < UInt64(info.count) {
            do throws(ParseError) {
                let header = try Self.readHeader(sections, at: offset)
                offset = header.end
                guard header.unitType != 2 && header.unitType != 6 else { continue } // type units
                var unit = DWARFUnit(header: header, abbrevs: try abbrevs(at: header.abbrevOffset))
                do throws(ParseError) {
                    try readRoot(&unit)
                } catch {
                    errors.append(error)
                }
                units.append(unit)
            } catch {
                errors.append(error)
                // A bad length ends the walk; other header errors skip to the next unit if it is known.
                return
            }
        }
    }

    static func readHeader(_ sections: DWARFSections, at offset: UInt64) throws(ParseError) -> DWARFUnitHeader {
        let info = sections.debugInfo
        var r = ByteReader(info, endian: sections.endian, offset: Int(offset), context: "compile unit header")
        let (length, is64) = try r.dwarfInitialLength()
        let bodyStart = UInt64(r.offset)
        guard length <= UInt64(r.remaining) else {
            throw ParseError(.outOfRange, offset: info.fileOffset(Int(offset)), context: "compile unit header",
                             "unit length \(length) runs past the end of .debug_info (\(r.remaining) bytes left)")
        }
        let end = bodyStart + length
        let version = try r.u16()
        guard (2...5).contains(version) else {
            throw ParseError(.unsupported, offset: r.fileOffset - 2, context: "compile unit header", "DWARF version \(version)")
        }
        var unitType: UInt8 = 1
        let addressSize: UInt8
        let abbrevOffset: UInt64
        if version >= 5 {
            unitType = try r.u8()
            addressSize = try r.u8()
            abbrevOffset = try r.dwarfUnsigned(size: is64 ? 8 : 4)
            switch unitType {
            case 4, 5: _ = try r.u64()
            case 2, 6: _ = try r.u64(); _ = try r.dwarfUnsigned(size: is64 ? 8 : 4)
            default: break
            }
        } else {
            abbrevOffset = try r.dwarfUnsigned(size: is64 ? 8 : 4)
            addressSize = try r.u8()
        }
        guard [1, 2, 4, 8].contains(addressSize) else {
            throw ParseError(.invalidValue, offset: r.fileOffset, context: "compile unit header", "address size \(addressSize)")
        }
        guard UInt64(r.offset) <= end else {
            throw ParseError(.truncated, offset: r.fileOffset, context: "compile unit header", "header longer than the unit")
        }
        return DWARFUnitHeader(offset: offset, end: end, is64: is64, version: version, unitType: unitType,
                               addressSize: addressSize, abbrevOffset: abbrevOffset, dieOffset: UInt64(r.offset))
    }

    mutating func abbrevs(at offset: UInt64) throws(ParseError) -> [UInt64: DWARFAbbrev] {
        if let cached = abbrevCache[offset] { return cached }
        let table = try Self.parseAbbrevs(sections, at: offset)
        abbrevCache[offset] = table
        return table
    }

    static func parseAbbrevs(_ sections: DWARFSections, at offset: UInt64) throws(ParseError) -> [UInt64: DWARFAbbrev] {
        let section = try sections.debugAbbrev.dwarfSuffix(offset, what: "abbreviation table")
        var r = ByteReader(section, endian: sections.endian, context: "abbreviation table")
        var table: [UInt64: DWARFAbbrev] = [:]
        while true {
            let code = try r.dwarfULEB128()
            if code == 0 { break }
            let tag = try r.dwarfULEB128()
            let children = try r.u8() != 0
            var specs: [(name: UInt64, form: UInt64, implicitConst: Int64)] = []
            while true {
                let name = try r.dwarfULEB128()
                let form = try r.dwarfULEB128()
                if name == 0 && form == 0 { break }
                let value: Int64 = form == 0x21 ? try r.dwarfSLEB128() : 0
                specs.append((name, form, value))
            }
            table[code] = DWARFAbbrev(tag: tag, hasChildren: children, specs: specs)
        }
        return table
    }

    /// Reads the DIE at `reader`'s position; nil for a null entry.
    func readDIE(_ r: inout ByteReader, unit: DWARFUnit, depth: Int, keepAll: Bool) throws(ParseError) -> DWARFDIE? {
        let offset = UInt64(r.offset)
        let code = try r.dwarfULEB128()
        if code == 0 { return nil }
        guard let abbrev = unit.abbrevs[code] else {
            throw ParseError(.invalidValue, offset: r.view.fileOffset(Int(offset)), context: "debug_info",
                             "abbreviation code \(code) is not in the unit's table")
        }
        var attributes: [(name: UInt64, value: DWARFFormValue)] = []
        for spec in abbrev.specs {
            let value = try DWARFFormValue.read(&r, form: spec.form, is64: unit.header.is64, addressSize: unit.header.addressSize,
                                                version: unit.header.version, implicitConst: spec.implicitConst, sections: sections)
            if keepAll || AT.kept.contains(spec.name) { attributes.append((spec.name, value)) }
        }
        return DWARFDIE(offset: offset, tag: abbrev.tag, hasChildren: abbrev.hasChildren, depth: depth, attributes: attributes)
    }

    func unitReader(_ unit: DWARFUnit, at offset: UInt64) throws(ParseError) -> ByteReader {
        let view = try sections.debugInfo.slice(offset: 0, size: Int(unit.header.end), what: "compile unit")
        return ByteReader(view, endian: sections.endian, offset: Int(offset), context: "debug_info")
    }

    mutating func readRoot(_ unit: inout DWARFUnit) throws(ParseError) {
        var r = try unitReader(unit, at: unit.header.dieOffset)
        guard !r.isAtEnd, let root = try readDIE(&r, unit: unit, depth: 0, keepAll: false) else { return }
        unit.root = root
        if case .address(let a)? = root.attribute(AT.lowPC) { unit.lowPC = a }
        unit.strOffsetsBase = root.attribute(AT.strOffsetsBase)?.unsigned ?? (unit.header.version >= 5 ? 8 : nil)
        unit.addrBase = (root.attribute(AT.addrBase) ?? root.attribute(AT.gnuAddrBase))?.unsigned ?? 0
        unit.rnglistsBase = (root.attribute(AT.rnglistsBase) ?? root.attribute(AT.gnuRangesBase))?.unsigned ?? 0
        if case .addrx(let index)? = root.attribute(AT.lowPC) { unit.lowPC = (try? address(unit, index: index)) ?? 0 }
        unit.compDir = string(root.attribute(AT.compDir), unit: unit) ?? ""
        unit.name = string(root.attribute(AT.name), unit: unit) ?? ""
        if let stmt = root.attribute(AT.stmtList)?.unsigned {
            do throws(ParseError) {
                let program = try DWARFLineProgram.parse(sections, offset: stmt, addressSize: unit.header.addressSize,
                                                         compDir: unit.compDir,
                                                         strOffsetsBase: unit.strOffsetsBase)
                if let error = program.error { errors.append(error) }
                unit.program = program
                unit.sequences = DWARFLineSequence.sequences(of: program.rows)
            } catch {
                errors.append(error)
            }
        }
    }

    func string(_ value: DWARFFormValue?, unit: DWARFUnit) -> String? {
        guard let value else { return nil }
        return try? value.string(sections: sections, strOffsetsBase: unit.strOffsetsBase, is64: unit.header.is64)
    }

    func address(_ unit: DWARFUnit, index: UInt64) throws(ParseError) -> UInt64 {
        let size = UInt64(unit.header.addressSize)
        let (product, o1) = index.multipliedReportingOverflow(by: size)
        let (position, o2) = unit.addrBase.addingReportingOverflow(product)
        guard !o1, !o2 else {
            throw ParseError(.outOfRange, offset: 0, context: "debug_addr", "address index \(index) overflows")
        }
        let view = try sections.debugAddr.dwarfSuffix(position, what: "address index")
        var r = ByteReader(view, endian: sections.endian, context: "debug_addr")
        return try r.dwarfUnsigned(size: Int(size))
    }

    func fileInfo(_ unit: DWARFUnit, _ index: UInt64) -> DWARFFileInfo? {
        guard let entry = unit.program?.file(index) else { return nil }
        return DWARFFileInfo(name: entry.name, directory: entry.directory, path: entry.path)
    }

    // MARK: Walking one unit

    mutating func walkUnit(_ index: Int) throws(ParseError) {
        let unit = units[index]
        guard let root = unit.root else { return }
        // symbolic skips units the linker eliminated: low_pc 0 and no ranges (their files
        // are not listed either).
        if !relocatable && unit.lowPC == 0 && root.attribute(AT.ranges) == nil { return }
        // Files and lines first, so that a unit whose DIEs are bad still has them.
        if let program = unit.program {
            files += program.files.map(\.path)
            let paths = program.files.map(\.path)
            for sequence in unit.sequences {
                lineSequences.append(DWARFLineTable.Sequence(
                    start: adjust(sequence.start), end: adjust(sequence.end),
                    addresses: sequence.rows.map { adjust($0.address) }, lines: sequence.rows.map(\.line),
                    fileIndices: sequence.rows.map { row in
                        let position = Int(truncatingIfNeeded: program.version >= 5 ? row.file : row.file &- 1)
                        return position >= 0 && position < paths.count ? position : paths.count
                    },
                    files: paths + [""]))
            }
        }

        dies = []
        var r = try unitReader(unit, at: unit.header.dieOffset)
        var depth = 0
        var partial: ParseError?
        do throws(ParseError) {
            while !r.isAtEnd {
                if let die = try readDIE(&r, unit: unit, depth: depth, keepAll: false) {
                    dies.append(die)
                    if die.hasChildren {
                        depth += 1
                        guard depth <= Self.maxDepth else {
                            throw ParseError(.invalidValue, offset: r.fileOffset, context: "debug_info", "DIEs nested deeper than \(Self.maxDepth)")
                        }
                    }
                } else {
                    depth -= 1
                    if depth <= 0 { break }
                }
            }
        } catch {
            partial = error
        }
        cursor = 0
        do throws(ParseError) {
            try parseFunctions(depth: -1)
        } catch {
            partial = partial ?? error
        }
        dies = []
        if let partial { throw partial }
    }

    mutating func parseFunctions(depth: Int) throws(ParseError) {
        while cursor < dies.count {
            let die = dies[cursor]
            if die.depth <= depth { return }
            cursor += 1
            if die.tag == TAG.subprogram { try parseFunction(die) }
        }
    }

    mutating func parseFunction(_ die: DWARFDIE) throws(ParseError) {
        let unit = units[unitIndex]
        var (ranges, _, _) = try parseRanges(die, unit: unit)
        ranges = ranges.filter { seenRanges.insert(DWARFRange(begin: adjust($0.begin), end: adjust($0.begin) &+ ($0.end - $0.begin))).inserted }
        if ranges.isEmpty { return try parseFunctions(depth: die.depth) }
        let first = adjust(ranges[0].begin)
        let name = symbolName?(first) ?? resolveName(die, unitIndex: unitIndex, depth: Self.maxNameDepth) ?? ""
        let adjusted = ranges.map { DWARFRange(begin: adjust($0.begin), end: adjust($0.end)) }
        var builders = ranges.map {
            DWARFFunctionBuilder(range: $0, name: name, address: adjust($0.begin), size: $0.end - $0.begin, ranges: adjusted)
        }
        try parseChildren(depth: die.depth, inlineDepth: 0, builders: &builders)
        for index in builders.indices {
            let range = builders[index].range
            for row in DWARFLineSequence.rows(in: unit.sequences, begin: range.begin, end: range.end) {
                builders[index].lines.append(DWARFLineInfo(address: adjust(row.address), size: row.size,
                                                           file: fileInfo(unit, row.file) ?? DWARFFileInfo(), line: row.line))
            }
        }
        for builder in builders {
            var function = builder.finish()
            function.order = functions.count
            functions.append(function)
        }
    }

    mutating func parseChildren(depth: Int, inlineDepth: Int, builders: inout [DWARFFunctionBuilder]) throws(ParseError) {
        while cursor < dies.count {
            let die = dies[cursor]
            if die.depth <= depth { return }
            cursor += 1
            switch die.tag {
            case TAG.subprogram: try parseFunction(die)
            case TAG.inlined: try parseInlinee(die, inlineDepth: inlineDepth, builders: &builders)
            default: break
            }
        }
    }

    mutating func parseInlinee(_ die: DWARFDIE, inlineDepth: Int, builders: inout [DWARFFunctionBuilder]) throws(ParseError) {
        guard inlineDepth < Self.maxInlineDepth else {
            throw ParseError(.invalidValue, offset: sections.debugInfo.fileOffset(Int(die.offset)), context: "debug_info",
                             "inlined subroutines nested deeper than \(Self.maxInlineDepth)")
        }
        let unit = units[unitIndex]
        let (ranges, callFile, callLine) = try parseRanges(die, unit: unit)
        if ranges.isEmpty { return try parseFunctions(depth: die.depth) }
        let name = resolveName(die, unitIndex: unitIndex, depth: Self.maxNameDepth) ?? ""
        let file = callFile.flatMap { fileInfo(unit, $0) } ?? DWARFFileInfo()
        let line = UInt32(truncatingIfNeeded: callLine ?? 0)
        try parseChildren(depth: die.depth, inlineDepth: inlineDepth + 1, builders: &builders)
        let adjusted = ranges.map { DWARFRange(begin: adjust($0.begin), end: adjust($0.end)) }
        for range in ranges {
            var low = 0, high = builders.count
            while low < high {
                let mid = (low + high) / 2
                if builders[mid].range.end <= range.begin { low = mid + 1 } else { high = mid }
            }
            guard low < builders.count, range.begin >= builders[low].range.begin else { continue }
            builders[low].inlinees.append(.init(depth: inlineDepth, name: name, address: adjust(range.begin),
                                                size: range.end - range.begin, callFile: file, callLine: line,
                                                ranges: adjusted))
        }
    }

    /// Ranges (sorted, merged, non-empty) and call site of a DIE, as symbolic's `parse_ranges`.
    func parseRanges(_ die: DWARFDIE, unit: DWARFUnit) throws(ParseError) -> ([DWARFRange], UInt64?, UInt64?) {
        var lowPC: UInt64?
        var highPC: UInt64?
        var highPCRelative: UInt64?
        var callFile: UInt64?
        var callLine: UInt64?
        var ranges: [DWARFRange] = []
        for (name, value) in die.attributes {
            switch name {
            case AT.lowPC:
                switch value {
                case .address(let a): lowPC = a
                case .addrx(let i): lowPC = try address(unit, index: i)
                default: break
                }
            case AT.highPC:
                switch value {
                case .address(let a): highPC = a
                case .addrx(let i): highPC = try address(unit, index: i)
                default: highPCRelative = value.unsigned
                }
            case AT.callFile: callFile = value.unsigned
            case AT.callLine: callLine = value.unsigned
            case AT.ranges:
                for range in try rangeList(value, unit: unit) where range.begin > 0 || relocatable {
                    ranges.append(range)
                }
            default: break
            }
        }
        if ranges.isEmpty, let low = lowPC, low != 0 || relocatable, low != .max, low != .max - 1 {
            if let high = highPC ?? highPCRelative.map({ low &+ $0 }), high > low {
                ranges.append(DWARFRange(begin: low, end: high))
            }
        }
        ranges = ranges.filter { $0.end > $0.begin }.sorted()
        var merged: [DWARFRange] = []
        for range in ranges {
            if let last = merged.last, range.begin < last.end {
                merged[merged.count - 1].end = max(last.end, range.end)
            } else {
                merged.append(range)
            }
        }
        return (merged, callFile, callLine)
    }

    static let maxRangeEntries = 1 << 20

    func rangeList(_ value: DWARFFormValue, unit: DWARFUnit) throws(ParseError) -> [DWARFRange] {
        let addressSize = Int(unit.header.addressSize)
        let offsetSize = unit.header.is64 ? 8 : 4
        if unit.header.version < 5 {
            guard let offset = value.unsigned else { return [] }
            let view = try sections.debugRanges.dwarfSuffix(offset, what: "range list")
            var r = ByteReader(view, endian: sections.endian, context: "debug_ranges")
            var base = unit.lowPC
            var result: [DWARFRange] = []
            let maxAddress: UInt64 = addressSize == 8 ? .max : (1 << UInt64(addressSize * 8)) - 1
            for _ in 0..<Self.maxRangeEntries {
                let begin = try r.dwarfUnsigned(size: addressSize)
                let end = try r.dwarfUnsigned(size: addressSize)
                if begin == 0 && end == 0 { break }
                if begin == maxAddress { base = end; continue }
                result.append(DWARFRange(begin: base &+ begin, end: base &+ end))
            }
            return result
        }
        let offset: UInt64
        switch value {
        case .rnglistx(let index):
            let (product, o1) = index.multipliedReportingOverflow(by: UInt64(offsetSize))
            let (position, o2) = unit.rnglistsBase.addingReportingOverflow(product)
            guard !o1, !o2 else {
                let section = sections.debugRnglists
                throw ParseError(.outOfRange, offset: section.fileOffset(section.count), context: "debug_rnglists",
                                 "range list index \(index) (base 0x\(String(unit.rnglistsBase, radix: 16))) is past the end of the section")
            }
            let table = try sections.debugRnglists.dwarfSuffix(position, what: "range list index")
            var r = ByteReader(table, endian: sections.endian, context: "debug_rnglists")
            offset = unit.rnglistsBase &+ (try r.dwarfUnsigned(size: offsetSize))
        default:
            guard let v = value.unsigned else { return [] }
            offset = v
        }
        let view = try sections.debugRnglists.dwarfSuffix(offset, what: "range list")
        var r = ByteReader(view, endian: sections.endian, context: "debug_rnglists")
        var base = unit.lowPC
        var result: [DWARFRange] = []
        for _ in 0..<Self.maxRangeEntries {
            let kind = try r.u8()
            switch kind {
            case 0: return result
            case 1: base = try address(unit, index: try r.dwarfULEB128())
            case 2:
                let b = try address(unit, index: try r.dwarfULEB128())
                let e = try address(unit, index: try r.dwarfULEB128())
                result.append(DWARFRange(begin: b, end: e))
            case 3:
                let b = try address(unit, index: try r.dwarfULEB128())
                result.append(DWARFRange(begin: b, end: b &+ (try r.dwarfULEB128())))
            case 4:
                let b = try r.dwarfULEB128(), e = try r.dwarfULEB128()
                result.append(DWARFRange(begin: base &+ b, end: base &+ e))
            case 5: base = try r.dwarfUnsigned(size: addressSize)
            case 6:
                let b = try r.dwarfUnsigned(size: addressSize), e = try r.dwarfUnsigned(size: addressSize)
                result.append(DWARFRange(begin: b, end: e))
            case 7:
                let b = try r.dwarfUnsigned(size: addressSize)
                result.append(DWARFRange(begin: b, end: b &+ (try r.dwarfULEB128())))
            default:
                throw ParseError(.invalidValue, offset: r.fileOffset - 1, context: "debug_rnglists", "unknown range list entry kind \(kind)")
            }
        }
        return result
    }

    // MARK: Names

    /// Linkage name, else name, else the name of the DIE that DW_AT_abstract_origin /
    /// DW_AT_specification points to, at most `depth` hops. A cycle of references, or a chain
    /// longer than `depth`, gives no name and is reported in ``errors`` (once per DIE).
    mutating func resolveName(_ die: DWARFDIE, unitIndex: Int, depth: Int) -> String? {
        var visited: [UInt64] = []
        return resolveName(die, unitIndex: unitIndex, depth: depth, visited: &visited)
    }

    private mutating func resolveName(_ die: DWARFDIE, unitIndex: Int, depth: Int, visited: inout [UInt64]) -> String? {
        visited.append(die.offset)
        let unit = units[unitIndex]
        var fallback: DWARFFormValue?
        var reference: DWARFFormValue?
        for (name, value) in die.attributes {
            switch name {
            case AT.linkageName, AT.mipsLinkageName: return string(value, unit: unit)
            case AT.name: fallback = value
            case AT.abstractOrigin, AT.specification: reference = value
            default: break
            }
        }
        if let fallback { return string(fallback, unit: unit) }
        guard let reference else { return nil }
        let target: UInt64
        switch reference {
        case .ref(let o): target = unit.header.offset &+ o
        case .refAddr(let o): target = o
        default: return nil
        }
        if visited.contains(target) {
            reportReference(at: die.offset, "DW_AT_abstract_origin/DW_AT_specification references form a cycle "
                                            + "(0x\(String(die.offset, radix: 16)) refers back to 0x\(String(target, radix: 16)))")
            return nil
        }
        if let cached = nameCache[target] { return cached }
        guard depth > 0 else {
            reportReference(at: die.offset, "DW_AT_abstract_origin/DW_AT_specification references nested deeper than "
                                            + "\(Self.maxNameDepth): the name is not resolved")
            return nil
        }
        guard let (targetUnit, targetDIE) = try? dieAt(target) else { return nil }
        let name = resolveName(targetDIE, unitIndex: targetUnit, depth: depth - 1, visited: &visited)
        nameCache[target] = name
        return name
    }

    /// Records a bad reference chain once per DIE.
    private mutating func reportReference(at offset: UInt64, _ detail: String) {
        guard reportedReferences.insert(offset).inserted else { return }
        errors.append(ParseError(.invalidValue, offset: sections.debugInfo.fileOffset(Int(offset)), context: "debug_info", detail))
    }

    /// The DIE at section offset `offset` and the index of its unit.
    func dieAt(_ offset: UInt64) throws(ParseError) -> (Int, DWARFDIE)? {
        var low = 0, high = units.count
        while low < high {
            let mid = (low + high) / 2
            if units[mid].header.offset <= offset { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return nil }
        let unit = units[low - 1]
        guard offset >= unit.header.dieOffset, offset < unit.header.end else { return nil }
        var r = try unitReader(unit, at: offset)
        guard let die = try readDIE(&r, unit: unit, depth: 0, keepAll: false) else { return nil }
        return (low - 1, die)
    }
}

/// Builds a function's inlinee tree and assigns line records to the right level, like
/// symbolic's `FunctionBuilder`.
struct DWARFFunctionBuilder {
    struct Inlinee {
        var depth: Int
        var name: String
        var address: UInt64
        var size: UInt64
        var callFile: DWARFFileInfo
        var callLine: UInt32
        var ranges: [DWARFRange]
    }
    var range: DWARFRange
    var name: String
    var address: UInt64
    var size: UInt64
    var ranges: [DWARFRange]
    var inlinees: [Inlinee] = []
    var lines: [DWARFLineInfo] = []

    init(range: DWARFRange, name: String, address: UInt64, size: UInt64, ranges: [DWARFRange]) {
        self.range = range; self.name = name; self.address = address; self.size = size; self.ranges = ranges
    }

    func finish() -> DWARFFunction {
        let inlinees = self.inlinees.enumerated().sorted { ($0.element.address, $0.element.depth, $0.offset) < ($1.element.address, $1.element.depth, $1.offset) }.map(\.element)
        let sorted = self.lines.enumerated().sorted { ($0.element.address, $0.offset) < ($1.element.address, $1.offset) }.map(\.element)
        // A line record running past the end of an inlinee continues after it: split it there,
        // so the rest lands in whatever covers that address (symbolic does the same).
        let functionEnd = address &+ size
        let ends = Set(inlinees.map { $0.address &+ $0.size }.filter { $0 < functionEnd }).sorted()
        var lines: [DWARFLineInfo] = []
        lines.reserveCapacity(sorted.count)
        for line in sorted {
            guard let size = line.size, size > 1 else { lines.append(line); continue }
            let end = line.address &+ size
            var low = 0, high = ends.count
            while low < high {
                let mid = (low + high) / 2
                if ends[mid] <= line.address { low = mid + 1 } else { high = mid }
            }
            var piece = line
            while low < ends.count && ends[low] < end {
                piece.size = ends[low] - piece.address
                lines.append(piece)
                piece = DWARFLineInfo(address: ends[low], size: end - ends[low], file: line.file, line: line.line)
                low += 1
            }
            lines.append(piece)
        }
        var stack: [(end: UInt64, function: DWARFFunction)] = [(address &+ size, DWARFFunction(
            name: name, address: address, size: size, ranges: ranges, lines: [], inlinees: [], isInline: false,
            callFile: nil, callLine: 0, order: 0))]
        func pop() {
            let function = stack.removeLast().function
            stack[stack.count - 1].function.inlinees.append(function)
        }
        func flush(address: UInt64) {
            while stack.count > 1 && stack[stack.count - 1].end <= address { pop() }
        }
        var i = 0, j = 0
        while i < inlinees.count || j < lines.count {
            if i < inlinees.count && (j >= lines.count || inlinees[i].address <= lines[j].address) {
                let inlinee = inlinees[i]
                i += 1
                flush(address: inlinee.address)
                while stack.count > inlinee.depth + 1 { pop() }
                stack[stack.count - 1].function.lines.append(DWARFLineInfo(address: inlinee.address, size: inlinee.size,
                                                                           file: inlinee.callFile, line: inlinee.callLine))
                stack.append((inlinee.address &+ inlinee.size, DWARFFunction(
                    name: inlinee.name, address: inlinee.address, size: inlinee.size, ranges: inlinee.ranges, lines: [],
                    inlinees: [], isInline: true, callFile: inlinee.callFile, callLine: inlinee.callLine, order: 0)))
                continue
            }
            let line = lines[j]
            j += 1
            flush(address: line.address)
            stack[stack.count - 1].function.lines.append(line)
        }
        while stack.count > 1 { pop() }
        return stack[0].function
    }
}
