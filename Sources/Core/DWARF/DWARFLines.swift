/// One row of a DWARF line-number matrix.
public struct DWARFLineRow: Sendable, Equatable {
    public var address: UInt64
    /// Index into the program's file table, as DWARF numbers it (1-based before v5, 0-based in v5).
    public var file: UInt64
    public var line: UInt32
    public var endSequence: Bool

    public init(address: UInt64, file: UInt64, line: UInt32, endSequence: Bool) {
        self.address = address
        self.file = file
        self.line = line
        self.endSequence = endSequence
    }
}

/// A file of a line program's file table.
public struct DWARFFileEntry: Sendable, Equatable {
    /// The file name as written (may be a path).
    public var name: String
    /// Its directory as written; for the directory index 0 before DWARF 5, the unit's comp dir.
    public var directory: String
    /// The full path: comp dir / directory / name, with `.` and `..` resolved.
    public var path: String
    /// DW_LNCT_MD5, when present.
    public var md5: [UInt8]?
}

/// A parsed `.debug_line` program: header, file table and rows (all sequences).
public struct DWARFLineProgram: Sendable {
    public var offset: UInt64
    public var version: UInt16
    public var is64: Bool
    public var addressSize: UInt8
    public var minimumInstructionLength: UInt8
    public var maximumOperationsPerInstruction: UInt8
    public var defaultIsStmt: Bool
    public var lineBase: Int8
    public var lineRange: UInt8
    public var opcodeBase: UInt8
    public var includeDirectories: [String] = []
    /// Files in table order; use ``file(_:)`` to look one up by its DWARF index.
    public var files: [DWARFFileEntry] = []
    public var rows: [DWARFLineRow] = []
    /// Set when the opcodes stopped early on bad data: rows before it are kept.
    public var error: ParseError?

    /// The file with DWARF index `index` (1-based before DWARF 5).
    public func file(_ index: UInt64) -> DWARFFileEntry? {
        let position = version >= 5 ? index : index &- 1
        guard position < UInt64(files.count) else { return nil }
        return files[Int(position)]
    }

    /// Parses the program at `offset` of `debug_line`. `compDir` comes from the unit (directory 0
    /// before DWARF 5; relative paths are joined to it); `strOffsetsBase` resolves strx forms. Header errors throw; opcode errors end the
    /// rows early and are kept in ``error``.
    public static func parse(_ sections: DWARFSections, offset: UInt64, addressSize: UInt8 = 8,
                             compDir: String = "",
                             strOffsetsBase: UInt64? = nil) throws(ParseError) -> DWARFLineProgram {
        let section = sections.debugLine
        let tail = try section.dwarfSuffix(offset, what: "line program")
        var reader = ByteReader(tail, endian: sections.endian, context: "line program header")
        let (unitLength, is64) = try reader.dwarfInitialLength()
        let afterLength = reader.offset
        guard unitLength <= UInt64(reader.remaining) else {
            throw ParseError(.outOfRange, offset: tail.fileOffset(0), context: "line program header",
                             "unit length \(unitLength) runs past the end of .debug_line (\(reader.remaining) bytes left)")
        }
        let unit = try tail.slice(offset: 0, size: afterLength + Int(unitLength), what: "line program")
        reader = ByteReader(unit, endian: sections.endian, offset: afterLength, context: "line program header")
        let version = try reader.u16()
        guard (2...5).contains(version) else {
            throw ParseError(.unsupported, offset: reader.fileOffset - 2, context: "line program header", "line program version \(version)")
        }
        var addressSize = addressSize
        if version >= 5 {
            addressSize = try reader.u8()
            _ = try reader.u8() // segment selector size
        }
        let headerLength = is64 ? try reader.u64() : UInt64(try reader.u32())
        let programStart = UInt64(reader.offset) &+ headerLength
        guard headerLength <= UInt64(reader.remaining) else {
            throw ParseError(.outOfRange, offset: reader.fileOffset, context: "line program header",
                             "header length \(headerLength) runs past the end of the unit (\(reader.remaining) bytes left)")
        }
        let minInst = try reader.u8()
        let maxOps: UInt8 = version >= 4 ? try reader.u8() : 1
        let defaultIsStmt = try reader.u8() != 0
        let lineBase = Int8(bitPattern: try reader.u8())
        let lineRange = try reader.u8()
        let opcodeBase = try reader.u8()
        guard lineRange != 0 else {
            throw ParseError(.invalidValue, offset: reader.fileOffset - 2, context: "line program header", "line_range is 0")
        }
        var opcodeLengths: [UInt8] = []
        if opcodeBase > 1 { opcodeLengths = try reader.bytes(Int(opcodeBase) - 1) }

        var program = DWARFLineProgram(offset: offset, version: version, is64: is64, addressSize: addressSize,
                                       minimumInstructionLength: minInst, maximumOperationsPerInstruction: maxOps,
                                       defaultIsStmt: defaultIsStmt, lineBase: lineBase, lineRange: lineRange,
                                       opcodeBase: opcodeBase)
        if version >= 5 {
            let dirs = try readEntries(&reader, sections: sections, is64: is64, strOffsetsBase: strOffsetsBase, what: "directory")
            program.includeDirectories = dirs.map(\.path)
            let files = try readEntries(&reader, sections: sections, is64: is64, strOffsetsBase: strOffsetsBase, what: "file")
            for entry in files {
                let dir = entry.dirIndex < UInt64(program.includeDirectories.count)
                    ? program.includeDirectories[Int(entry.dirIndex)] : ""
                program.files.append(DWARFFileEntry(name: entry.path, directory: dir,
                                                    path: joinPath(compDir, joinPath(dir, entry.path)), md5: entry.md5))
            }
        } else {
            while true {
                let dir = try reader.dwarfCString()
                if dir.isEmpty { break }
                program.includeDirectories.append(dir)
            }
            while true {
                let name = try reader.dwarfCString()
                if name.isEmpty { break }
                let dirIndex = try reader.dwarfULEB128()
                _ = try reader.dwarfULEB128()
                _ = try reader.dwarfULEB128()
                program.appendV4File(name: name, dirIndex: dirIndex, compDir: compDir)
            }
        }
        guard programStart <= UInt64(unit.count) else {
            throw ParseError(.outOfRange, offset: unit.fileOffset(afterLength), context: "line program header", "header length past the unit")
        }
        reader.offset = Int(programStart)
        reader.context = "line program"
        do throws(ParseError) {
            try program.run(&reader, opcodeLengths: opcodeLengths, compDir: compDir)
        } catch {
            program.error = error
        }
        return program
    }

    private mutating func appendV4File(name: String, dirIndex: UInt64, compDir: String) {
        let dir: String
        if dirIndex == 0 {
            dir = compDir
        } else if dirIndex <= UInt64(includeDirectories.count) {
            dir = includeDirectories[Int(dirIndex - 1)]
        } else {
            dir = ""
        }
        files.append(DWARFFileEntry(name: name, directory: dir, path: joinPath(compDir, joinPath(dir, name)), md5: nil))
    }

    private struct Entry {
        var path = ""
        var dirIndex: UInt64 = 0
        var md5: [UInt8]?
    }

    /// DWARF 5 directory or file entries: a format (content type, form pairs), then the entries.
    private static func readEntries(_ reader: inout ByteReader, sections: DWARFSections, is64: Bool,
                                    strOffsetsBase: UInt64?, what: String) throws(ParseError) -> [Entry] {
        let formatCount = try reader.u8()
        var format: [(UInt64, UInt64)] = []
        for _ in 0..<formatCount { format.append((try reader.dwarfULEB128(), try reader.dwarfULEB128())) }
        let count = try reader.dwarfULEB128()
        guard count <= UInt64(reader.remaining) else {
            throw ParseError(.absurdCount, offset: reader.fileOffset, context: reader.context, "\(count) \(what) entries in \(reader.remaining) bytes")
        }
        var entries: [Entry] = []
        for _ in 0..<count {
            var entry = Entry()
            for (type, form) in format {
                let value = try DWARFFormValue.read(&reader, form: form, is64: is64, addressSize: 8, sections: sections)
                switch type {
                case 1: entry.path = try value.string(sections: sections, strOffsetsBase: strOffsetsBase, is64: is64) ?? ""
                case 2: entry.dirIndex = value.unsigned ?? 0
                case 5: if case .block(let bytes) = value { entry.md5 = bytes }
                default: break
                }
            }
            entries.append(entry)
        }
        return entries
    }

    private mutating func run(_ reader: inout ByteReader, opcodeLengths: [UInt8], compDir: String) throws(ParseError) {
        var address: UInt64 = 0
        var file: UInt64 = 1
        var line: Int64 = 1
        let minInst = UInt64(minimumInstructionLength)
        func emit(_ end: Bool) {
            rows.append(DWARFLineRow(address: address, file: file, line: UInt32(truncatingIfNeeded: line), endSequence: end))
        }
        while !reader.isAtEnd {
            let opcode = try reader.u8()
            if opcode >= opcodeBase {
                let adjusted = UInt64(opcode - opcodeBase)
                address &+= minInst &* (adjusted / UInt64(lineRange))
                line &+= Int64(lineBase) + Int64(adjusted % UInt64(lineRange))
                emit(false)
                continue
            }
            switch opcode {
            case 0:
                let length = try reader.dwarfULEB128()
                guard length > 0, length <= UInt64(reader.remaining) else {
                    if length == 0 { continue }
                    throw ParseError(.outOfRange, offset: reader.fileOffset, context: reader.context,
                                     "extended opcode length \(length) past the end (\(reader.remaining) bytes left)")
                }
                let next = reader.offset + Int(length)
                let sub = try reader.u8()
                switch sub {
                case 1:
                    emit(true)
                    address = 0; file = 1; line = 1
                case 2:
                    let size = Int(length) - 1
                    address = size == 8 || size == 4 || size == 2 || size == 1 ? try reader.dwarfUnsigned(size: size) : address
                case 3:
                    let name = try reader.dwarfCString()
                    let dirIndex = try reader.dwarfULEB128()
                    if version < 5 { appendV4File(name: name, dirIndex: dirIndex, compDir: compDir) }
                default:
                    break
                }
                reader.offset = next
            case 1: emit(false)
            case 2: address &+= minInst &* (try reader.dwarfULEB128())
            case 3: line &+= try reader.dwarfSLEB128()
            case 4: file = try reader.dwarfULEB128()
            case 5: _ = try reader.dwarfULEB128()
            case 6, 7, 10, 11: break
            case 8: address &+= minInst &* ((255 - UInt64(opcodeBase)) / UInt64(lineRange))
            case 9: address &+= UInt64(try reader.u16())
            case 12: _ = try reader.dwarfULEB128()
            default:
                let count = Int(opcode) - 1 < opcodeLengths.count ? opcodeLengths[Int(opcode) - 1] : 0
                for _ in 0..<count { _ = try reader.dwarfULEB128() }
            }
        }
    }
}

/// Joins `name` to `base` unless it is absolute, then resolves `.` and `..` components.
func joinPath(_ base: String, _ name: String) -> String {
    if name.hasPrefix("/") || base.isEmpty { return cleanPath(name) }
    if name.isEmpty { return cleanPath(base) }
    return cleanPath(base.hasSuffix("/") ? base + name : base + "/" + name)
}

func cleanPath(_ path: String) -> String {
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == "..", let last = parts.last, last != ".." {
            parts.removeLast()
            continue
        }
        if part == "..", absolute { continue }
        parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    return absolute ? "/" + joined : joined
}

/// The rows of one sequence, prepared for lookups the way symbolic does: rows at address 0
/// dropped, rows at one address collapsed to the last, each row sized up to the next.
public struct DWARFLineSequence: Sendable {
    public struct Row: Sendable, Equatable {
        public var address: UInt64
        public var size: UInt64?
        public var file: UInt64
        public var line: UInt32
    }
    public var start: UInt64
    public var end: UInt64
    public var rows: [Row]

    /// Splits a program's rows into sequences sorted by start address.
    public static func sequences(of rows: [DWARFLineRow]) -> [DWARFLineSequence] {
        var sequences: [DWARFLineSequence] = []
        var current: [Row] = []
        var previous: UInt64 = 0
        for row in rows {
            if row.address == 0 { continue }
            if let last = current.last, row.address >= last.address {
                current[current.count - 1].size = row.address - last.address
            }
            if row.endSequence {
                if !current.isEmpty {
                    sequences.append(DWARFLineSequence(start: current[0].address,
                                                       end: row.address < previous ? previous &+ 1 : row.address, rows: current))
                    current = []
                }
                previous = 0
            } else if row.address < previous {
                continue
            } else {
                if let last = current.last, last.address == row.address {
                    current[current.count - 1].file = row.file
                    current[current.count - 1].line = row.line
                } else {
                    current.append(Row(address: row.address, size: nil, file: row.file, line: row.line))
                }
                previous = row.address
            }
        }
        if !current.isEmpty {
            sequences.append(DWARFLineSequence(start: current[0].address, end: previous &+ 1, rows: current))
        }
        sequences.sort { $0.start < $1.start }
        return sequences
    }

    /// Rows overlapping `begin..<end` of the first sequence that does (symbolic's `get_rows`).
    public static func rows(in sequences: [DWARFLineSequence], begin: UInt64, end: UInt64) -> ArraySlice<Row> {
        for sequence in sequences {
            if sequence.start >= end { break }
            if begin >= sequence.end { continue }
            let rows = sequence.rows
            // Last row with address <= begin, or 0.
            var low = 0, high = rows.count
            while low < high {
                let mid = (low + high) / 2
                if rows[mid].address <= begin { low = mid + 1 } else { high = mid }
            }
            let from = low == 0 ? 0 : low - 1
            // First row with address >= end.
            var lo2 = from, hi2 = rows.count
            while lo2 < hi2 {
                let mid = (lo2 + hi2) / 2
                if rows[mid].address < end { lo2 = mid + 1 } else { hi2 = mid }
            }
            return rows[from..<lo2]
        }
        return []
    }
}
