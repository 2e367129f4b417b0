import CrashpipeCore

/// Symbols straight from an ELF file's symbol table (`.symtab`, else `.dynsym`, merged with
/// the `.symtab` of MiniDebugInfo's `.gnu_debugdata` when there is one): function names for a
/// module that has no Breakpad `.sym`, as a stripped binary's exports or an unstripped binary's
/// full table. Addresses are module-relative (symbol value minus the first PT_LOAD address, as
/// Breakpad's dump_syms writes them).
///
/// A symbol with a size covers `[value, value + size)`; sizeless symbols answer as public
/// symbols (the nearest preceding name). Unwind rules come from `.eh_frame` (else
/// `.debug_frame`) and names, lines and inline frames from the `.debug_*` sections, through
/// Core's DWARF readers; compressed sections (SHF_COMPRESSED zlib or zstd, GNU `.zdebug_*`) are
/// inflated first, never past `maxDecompressedSize` bytes each. A damaged compressed section
/// is left out with a problem naming it and the offset.
public struct ELFSymbolFormat: SymbolFormat {
    /// The most one compressed section (or `.gnu_debugdata`) may inflate to.
    public var maxDecompressedSize: Int

    public init(maxDecompressedSize: Int = 1 << 30) {
        self.maxDecompressedSize = maxDecompressedSize
    }

    public var name: String { "elf" }

    public func recognizes(_ bytes: ByteView) -> Bool { ELFDebugFileFormat().recognizes(bytes) }

    public func load(_ bytes: ByteView, location: String) throws -> any ModuleSymbols {
        try ELFSymbolTable.read(try ELFFile(bytes), location: location, limit: maxDecompressedSize)
    }
}

/// Reads the function symbols of an ELF symbol table.
enum ELFSymbolTable {
    static let STT_FUNC: UInt8 = 2, STT_GNU_IFUNC: UInt8 = 10
    static let SHN_UNDEF: UInt16 = 0

    static func read(_ file: ELFFile, location: String, limit: Int = ELF.defaultDecompressedLimit) throws(ParseError) -> SymbolTableSymbols {
        var problems: [String] = []
        let table = file.sections.first { $0.type == ELF.SHT_SYMTAB && $0.size > 0 }
            ?? file.sections.first { $0.type == ELF.SHT_DYNSYM && $0.size > 0 }
        let frames = callFrameInfo(file, limit: limit, problems: &problems)
        // MiniDebugInfo: the local function symbols a stripped binary keeps in `.gnu_debugdata`,
        // at the outer file's addresses (dump_syms merges them the same way).
        var mini: (file: ELFFile, table: ELFSectionHeader)?
        do {
            if let inner = try file.miniDebugInfo(limit: limit) {
                if let innerTable = inner.sections.first(where: { $0.type == ELF.SHT_SYMTAB && $0.size > 0 }) {
                    mini = (inner, innerTable)
                } else {
                    problems.append(".gnu_debugdata (MiniDebugInfo): the inflated ELF file has no .symtab")
                }
            }
        } catch {
            problems.append("\(error)")
        }
        guard table != nil || mini != nil else {
            guard let frames else {
                let why = problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))"
                throw ParseError(.invalidValue, offset: 0, context: "ELF symbol table",
                                 "\(location) has neither .symtab nor .dynsym nor .eh_frame/.debug_frame: nothing to read\(why)")
            }
            return SymbolTableSymbols(entries: [], problems: problems, callFrameInfo: frames)
        }
        var found: [SymbolTableSymbols.Entry] = []
        if let table {
            found += try functions(file, table: table, base: file.loadAddress, machine: file.machine, problems: &problems)
        }
        if let mini {
            do {
                found += try functions(mini.file, table: mini.table, base: file.loadAddress, machine: file.machine, problems: &problems)
            } catch {
                problems.append("\(error.within(".gnu_debugdata (MiniDebugInfo) .symtab"))")
            }
        }
        let names = SymbolTableSymbols(entries: found)
        let debugInfo = dwarf(file, names: names, limit: limit, problems: &problems)
        return SymbolTableSymbols(entries: found, problems: problems + (frames?.cfi.problems.map { "\($0)" } ?? [])
                                      + (debugInfo?.errors.map { "DWARF: \($0)" } ?? []),
                                  callFrameInfo: frames, debugInfo: debugInfo, sectionMarkers: pltMarkers(file))
    }

    /// The procedure linkage table sections (`.plt`, `.plt.got`, `.plt.sec`, ...), which have no
    /// symbols: Mozilla's dump_syms names them `<.plt ELF section in MODULE>`.
    static func pltMarkers(_ file: ELFFile) -> [SymbolTableSymbols.Entry] {
        file.sections.compactMap { section in
            guard section.size > 0, section.address >= file.loadAddress, let name = file.sectionName(section),
                  name == ".plt" || name.hasPrefix(".plt.") else { return nil }
            return SymbolTableSymbols.Entry(address: section.address - file.loadAddress, size: 0,
                                            name: "\(name) ELF section")
        }
    }

    /// The FUNC and IFUNC symbols of `table` (a section of `file`) defined at or above `base`,
    /// module-relative. A damaged entry ends the table; a bad name skips the symbol.
    static func functions(_ file: ELFFile, table: ELFSectionHeader, base: UInt64, machine: UInt16,
                          problems: inout [String]) throws(ParseError) -> [SymbolTableSymbols.Entry] {
        let entrySize = file.is64 ? 24 : 16
        guard table.entsize == 0 || Int(clamping: table.entsize) >= entrySize else {
            throw ParseError(.invalidValue, offset: file.bytes.fileOffset(Int(clamping: table.offset)), context: "ELF symbol table",
                             "entry size \(table.entsize) is smaller than \(entrySize)")
        }
        let stride = table.entsize == 0 ? entrySize : Int(clamping: table.entsize)
        let data: ByteView, strings: ByteView
        do {
            data = try file.sectionData(table)
        } catch {
            throw error.within("ELF symbol table")
        }
        guard Int(table.link) < file.sections.count else {
            throw ParseError(.outOfRange, offset: file.bytes.fileOffset(Int(clamping: table.offset)), context: "ELF symbol table",
                             "its string table is section \(table.link), the file has \(file.sections.count)")
        }
        do {
            strings = try file.sectionData(file.sections[Int(table.link)])
        } catch {
            throw error.within("ELF symbol table's string table")
        }
        var found: [SymbolTableSymbols.Entry] = []
        var index = 1  // entry 0 is the null symbol
        // An absurd sh_entsize gives a stride near Int.max: count entries by division.
        while index < data.count / stride {
            let at = index * stride
            index += 1
            let nameOffset: UInt32, info: UInt8, sectionIndex: UInt16, value: UInt64, size: UInt64
            do {
                nameOffset = try data.u32(at: at, file.endian)
                if file.is64 {
                    info = data[safe: at + 4] ?? 0
                    sectionIndex = try data.u16(at: at + 6, file.endian)
                    value = try data.u64(at: at + 8, file.endian)
                    size = try data.u64(at: at + 16, file.endian)
                } else {
                    value = UInt64(try data.u32(at: at + 4, file.endian))
                    size = UInt64(try data.u32(at: at + 8, file.endian))
                    info = data[safe: at + 12] ?? 0
                    sectionIndex = try data.u16(at: at + 14, file.endian)
                }
            } catch {
                problems.append("symbol \(index - 1): \(error)")
                break
            }
            let type = info & 0xF
            guard type == STT_FUNC || type == STT_GNU_IFUNC, sectionIndex != SHN_UNDEF, value >= base else { continue }
            guard let name = try? strings.cString(at: Int(nameOffset)), !name.isEmpty else {
                problems.append("symbol \(index - 1): name offset \(nameOffset) is outside the string table")
                continue
            }
            // ARM: bit 0 of a Thumb function's address marks the instruction set.
            let address = (machine == ELF.EM_ARM ? value & ~1 : value) - base
            found.append(SymbolTableSymbols.Entry(address: address, size: size, name: name))
        }
        return found
    }

    /// The file's DWARF (`.debug_*` sections, inflated when compressed, and GNU `.zdebug_*`),
    /// with module-relative addresses and outer function names from the symbol table; nil
    /// without `.debug_info`. A section that cannot be read or inflated is left out, with a
    /// problem.
    static func dwarf(_ file: ELFFile, names: SymbolTableSymbols, limit: Int = ELF.defaultDecompressedLimit,
                      problems: inout [String]) -> DWARFDebugInfo? {
        var sections: [String: ByteView] = [:]
        for section in file.sections where section.type != ELF.SHT_NOBITS {
            guard let full = file.sectionName(section) else { continue }
            let name = ELFFile.uncompressedName(full)
            guard name.hasPrefix(".debug_"), DWARFSections.names.contains(DWARFSections.normalize(name)),
                  sections[name] == nil else { continue }
            do {
                sections[name] = try file.sectionContents(section, limit: limit)
            } catch {
                problems.append("\(error)")
            }
        }
        guard sections[".debug_info"] != nil else { return nil }
        let base = file.loadAddress
        var info = DWARFDebugInfo(DWARFSections(endian: file.endian, sections: sections), addressOffset: -Int64(bitPattern: base),
                                  symbolName: { address in
                                      guard let found = names.lookup(address), found.functionAddress == address else { return nil }
                                      return found.function
                                  })
        // Functions the linker discarded keep addresses near 0 that point into no code: only
        // those inside an executable section stay (not in relocatable files, whose sections
        // all start at 0).
        if file.type != ELF.ET_REL {
            let code = file.sections.filter { $0.flags & ELF.SHF_EXECINSTR != 0 && $0.size > 0 && $0.address >= base }
                .map { ($0.address - base)..<($0.address - base &+ $0.size) }
            if !code.isEmpty { info.removeFunctions { function in !code.contains { $0.contains(function.address) } } }
        }
        // Kept when it only has errors, so that they reach the problems.
        return info.functions.isEmpty && info.errors.isEmpty ? nil : info
    }

    /// `.eh_frame` (else `.debug_frame`, inflated when compressed) with the CPU its register
    /// numbers belong to; nil for CPUs without register names or files without either section
    /// (or when it cannot be inflated: then with a problem).
    static func callFrameInfo(_ file: ELFFile, limit: Int = ELF.defaultDecompressedLimit,
                              problems: inout [String]) -> (cfi: DWARFCallFrameInfo, cpu: CPU, loadAddress: UInt64)? {
        let cpu: CPU
        switch file.machine {
        case ELF.EM_X86_64: cpu = .amd64
        case ELF.EM_386: cpu = .x86
        case ELF.EM_AARCH64: cpu = .arm64
        case ELF.EM_ARM: cpu = .arm
        default: return nil
        }
        let addressSize = file.is64 ? 8 : 4
        func contents(_ section: ELFSectionHeader) -> ByteView? {
            do {
                return try file.sectionContents(section, limit: limit)
            } catch {
                problems.append("\(error)")
                return nil
            }
        }
        if let section = file.section(named: "eh_frame"), let data = contents(section) {
            let text = file.section(named: "text")?.address
            return (DWARFCallFrameInfo(ehFrame: data, sectionAddress: section.address, addressSize: addressSize,
                                       endian: file.endian, textAddress: text), cpu, file.loadAddress)
        }
        if let section = file.section(named: "debug_frame"), let data = contents(section) {
            return (DWARFCallFrameInfo(debugFrame: data, addressSize: addressSize, endian: file.endian), cpu, file.loadAddress)
        }
        return nil
    }
}
