import CrashpipeCore

/// Symbols straight from a thin Mach-O's symbol table (LC_SYMTAB): function names for a
/// module without a Breakpad `.sym`. Addresses are relative to the `__TEXT` segment, as
/// Breakpad's dump_syms writes them; the leading underscore C compilers add is removed.
///
/// Mach-O symbols carry no size: each defined symbol in `__TEXT,__text` runs to the next one
/// (the last to the section's end). Names come from the table as they are (mangled); the
/// pipeline's demangle stage reads them. A fat file is refused (the store keeps one slice per
/// object). Unwind rules come from compact unwind (`__unwind_info`) and `__eh_frame`, which
/// compact unwind's DWARF-mode entries defer to.
public struct MachOSymbolFormat: SymbolFormat {
    public init() {}

    public var name: String { "macho" }

    public func recognizes(_ bytes: ByteView) -> Bool {
        guard let magic = try? bytes.u32(at: 0, .big) else { return false }
        return MachO.thinMagic(magic) != nil
    }

    public func load(_ bytes: ByteView, location: String) throws -> any ModuleSymbols {
        try MachOSymbolTable.read(try MachOFile(bytes), location: location)
    }
}

/// Reads the functions of a Mach-O symbol table.
enum MachOSymbolTable {
    static let N_STAB: UInt8 = 0xE0, N_TYPE: UInt8 = 0x0E, N_SECT: UInt8 = 0x0E

    static func read(_ file: MachOFile, location: String) throws(ParseError) -> SymbolTableSymbols {
        guard let table = file.symbolTable else {
            throw ParseError(.invalidValue, offset: 0, context: "Mach-O symbol table", "\(location) has no LC_SYMTAB: no function names to read")
        }
        // The 1-based section ordinal of __TEXT,__text, and its address range.
        var ordinal = 0
        var text: (ordinal: Int, start: UInt64, end: UInt64)?
        for segment in file.segments {
            for section in segment.sections {
                ordinal += 1
                if text == nil, section.segmentName == "__TEXT", section.name == "__text" {
                    text = (ordinal, section.address, section.address &+ section.size)
                }
            }
        }
        guard let text else {
            throw ParseError(.invalidValue, offset: 0, context: "Mach-O symbol table", "\(location) has no __TEXT,__text section")
        }
        let base = file.loadAddress
        let entrySize = file.is64 ? 16 : 12
        let symbols = try file.bytes.slice(offset: UInt64(table.symoff), size: UInt64(table.nsyms * entrySize), what: "symbol table")
        let strings = try file.bytes.slice(offset: UInt64(table.stroff), size: UInt64(table.strsize), what: "string table")
        var problems: [String] = []
        var starts: [(UInt64, String)] = []
        for index in 0..<table.nsyms {
            let at = index * entrySize
            guard let type = symbols[safe: at + 4], let sectionOrdinal = symbols[safe: at + 5] else { break }
            guard type & N_STAB == 0, type & N_TYPE == N_SECT, Int(sectionOrdinal) == text.ordinal else { continue }
            let value: UInt64
            let nameOffset: UInt32
            do {
                nameOffset = try symbols.u32(at: at, file.endian)
                value = try file.is64 ? symbols.u64(at: at + 8, file.endian) : UInt64(symbols.u32(at: at + 8, file.endian))
            } catch {
                problems.append("symbol \(index): \(error)")
                break
            }
            guard value >= base, value >= text.start, value < text.end else { continue }
            guard var name = try? strings.cString(at: Int(nameOffset)), !name.isEmpty else {
                problems.append("symbol \(index): name offset \(nameOffset) is outside the string table")
                continue
            }
            if name.hasPrefix("_") { name.removeFirst() }
            starts.append((value, name))
        }
        starts.sort { $0.0 < $1.0 }
        var functions: [SymbolTableSymbols.Entry] = []
        for (i, (address, name)) in starts.enumerated() where functions.last?.address != address - base {
            var next = text.end
            var j = i + 1
            while j < starts.count, starts[j].0 == address { j += 1 }
            if j < starts.count { next = starts[j].0 }
            functions.append(SymbolTableSymbols.Entry(address: address - base, size: next - address, name: name))
        }
        let frames = callFrameInfo(file)
        let names = SymbolTableSymbols(entries: functions)
        let debugInfo = dwarf(file, names: names)
        var unwindProblems: [String] = []
        let unwindTable = compactUnwind(file, ehFrame: frames?.cfi, names: names, problems: &unwindProblems)
        return SymbolTableSymbols(entries: functions, problems: problems + (frames?.cfi.problems.map { "\($0)" } ?? [])
                                      + unwindProblems + (debugInfo?.errors.map { "DWARF: \($0)" } ?? []),
                                  callFrameInfo: frames, debugInfo: debugInfo, unwindTable: unwindTable)
    }

    /// The `__DWARF` segment's sections (a dSYM's contents), with `__TEXT`-relative addresses
    /// and outer names from the symbol table; nil without `__debug_info`.
    static func dwarf(_ file: MachOFile, names: SymbolTableSymbols) -> DWARFDebugInfo? {
        var sections: [String: ByteView] = [:]
        for segment in file.segments where segment.name == "__DWARF" {
            for section in segment.sections where section.offset != 0 {
                guard let name = section.name, DWARFSections.names.contains(DWARFSections.normalize(name)),
                      let data = try? file.bytes.slice(offset: UInt64(section.offset), size: section.size, what: name) else { continue }
                sections[name] = data
            }
        }
        guard sections["__debug_info"] != nil else { return nil }
        let info = DWARFDebugInfo(DWARFSections(endian: file.endian, sections: sections),
                                  addressOffset: -Int64(bitPattern: file.loadAddress),
                                  symbolName: { address in
                                      guard let found = names.lookup(address), found.functionAddress == address else { return nil }
                                      return found.function
                                  })
        // Kept when it only has errors, so that they reach the problems.
        return info.functions.isEmpty && info.errors.isEmpty ? nil : info
    }

    /// The CPU whose unwind rules this plugin writes (x86, x86_64, arm64), or nil.
    static func unwindCPU(_ file: MachOFile) -> CPU? {
        switch file.cputype {
        case 0x0100_0007: return .amd64
        case 7: return .x86
        case 0x0100_000C: return .arm64
        default: return nil
        }
    }

    /// `__TEXT,__unwind_info` as an unwind table (its DWARF-mode entries defer to `ehFrame`);
    /// nil without the section or when its header is unreadable (the reason goes to `problems`).
    static func compactUnwind(_ file: MachOFile, ehFrame: DWARFCallFrameInfo?, names: SymbolTableSymbols,
                              problems: inout [String]) -> CompactUnwindTable? {
        guard let cpu = unwindCPU(file) else { return nil }
        var textSections: [(address: UInt64, bytes: ByteView)] = []
        var unwindInfo: ByteView?
        let base = file.loadAddress
        for segment in file.segments where segment.name == "__TEXT" {
            for section in segment.sections where section.offset != 0 && section.address >= base {
                guard let data = try? file.bytes.slice(offset: UInt64(section.offset), size: section.size,
                                                       what: section.name ?? "section") else { continue }
                if section.name == "__unwind_info" {
                    if unwindInfo == nil { unwindInfo = data }
                } else {
                    textSections.append((section.address - base, data))
                }
            }
        }
        guard let unwindInfo else { return nil }
        let info: CompactUnwindInfo
        do {
            info = try CompactUnwindInfo(unwindInfo, endian: file.endian)
        } catch {
            problems.append("__unwind_info: \(error)")
            return nil
        }
        problems += info.problems.map { "__unwind_info: \($0)" }
        return CompactUnwindTable(info: info, cpu: cpu, ehFrame: ehFrame, loadAddress: base, text: textSections,
                                  endian: file.endian, functionName: { address in
                                      guard let found = names.lookup(address), !found.isPublic || found.functionAddress == address
                                      else { return nil }
                                      return found.function
                                  })
    }

    /// `__TEXT,__eh_frame` with the CPU its register numbers belong to (x86, x86_64, arm64).
    static func callFrameInfo(_ file: MachOFile) -> (cfi: DWARFCallFrameInfo, cpu: CPU, loadAddress: UInt64)? {
        guard let cpu = unwindCPU(file) else { return nil }
        for segment in file.segments where segment.name == "__TEXT" {
            for section in segment.sections where section.name == "__eh_frame" && section.offset != 0 {
                guard let data = try? file.bytes.slice(offset: UInt64(section.offset), size: section.size, what: "__eh_frame") else {
                    return nil
                }
                return (DWARFCallFrameInfo(ehFrame: data, sectionAddress: section.address, addressSize: file.is64 ? 8 : 4,
                                           endian: file.endian), cpu, file.loadAddress)
            }
        }
        return nil
    }
}
