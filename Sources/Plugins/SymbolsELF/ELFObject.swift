import CrashpipeCore

// What symbolic-debuginfo's `ElfObject` reports (elf.rs: `code_id`, `debug_id`, `arch`, `kind`,
// `load_address`, `has_symbols`, `has_debug_info`, `has_unwind_info`), computed the same way.

extension ELFFile {
    func debugObject() -> DebugObject {
        let buildId = findBuildId()
        var features: DebugFeatures = []
        if hasSymbols { features.insert(.symtab) }
        if section(named: "debug_info") != nil { features.insert(.debug) }
        if section(named: "eh_frame") != nil || section(named: "debug_frame") != nil { features.insert(.unwind) }
        return DebugObject(format: "elf", kind: kind, arch: arch, debugId: debugId(buildId: buildId),
                           codeId: buildId.flatMap { CodeId(buildId: $0) }, debugFile: debugLink,
                           loadAddress: loadAddress, features: features)
    }

    // MARK: Identifiers

    /// The debug id: from the build id when there is one, else from the first page of `.text`
    /// XORed into 16 bytes. nil where symbolic reports the nil UUID: an empty build id (symbolic
    /// does not fall back to `.text` then) or neither a build id nor `.text` contents.
    func debugId(buildId: [UInt8]?) -> DebugId? {
        if let buildId { return buildId.isEmpty ? nil : guid(buildId) }
        guard let text = section(named: "text"), let data = try? sectionData(text) else { return nil }
        var hash = [UInt8](repeating: 0, count: 16)
        data.withUnsafeBytes { raw in
            for i in 0..<min(raw.count, 4096) { hash[i % 16] ^= raw[i] }
        }
        return guid(hash)
    }

    /// The first 16 bytes (zero-padded) as a GUID: the first three fields are swapped on
    /// little-endian files, where they were written as little-endian integers.
    private func guid(_ identifier: [UInt8]) -> DebugId {
        if endian == .little { return DebugId(elfBuildId: identifier) }
        var bytes = Array(identifier.prefix(16))
        bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
        return DebugId(guid: bytes, age: 0)!
    }

    /// The description of the first NT_GNU_BUILD_ID note: in PT_NOTE segments, then in
    /// `.note.gnu.build-id` sections. As in symbolic, the note's owner name is not checked, and a
    /// malformed note ends the search of its group (segments or sections).
    func findBuildId() -> [UInt8]? {
        let segments = programHeaders.filter { $0.type == ELF.PT_NOTE }
            .map { (offset: $0.offset, size: $0.filesz, align: $0.align) }
        if let found = buildId(in: segments) { return found }
        let sections = self.sections
            .filter { $0.type == ELF.SHT_NOTE && sectionName($0) == ".note.gnu.build-id" }
            .map { (offset: $0.offset, size: $0.size, align: $0.addralign) }
        return buildId(in: sections)
    }

    private func buildId(in areas: [(offset: UInt64, size: UInt64, align: UInt64)]) -> [UInt8]? {
        for area in areas {
            guard let start = Int(exactly: area.offset) else { return nil }
            let (end, overflow) = start.addingReportingOverflow(Int(clamping: area.size))
            var notes = ELFNotes(bytes: bytes, endian: endian, offset: start, end: overflow ? .max : end,
                                 alignment: area.align)
            while let result = notes.next() {
                guard case .success(let note) = result else { return nil }
                if note.type == ELF.NT_GNU_BUILD_ID {
                    return try? bytes.bytes(at: note.descOffset, count: note.descSize)
                }
            }
        }
        return nil
    }

    /// The file name in `.gnu_debuglink` (where `objcopy --add-gnu-debuglink` names the split
    /// debug file), if the section is there and holds a NUL-terminated name.
    var debugLink: String? {
        guard let link = section(named: "gnu_debuglink"), let data = try? sectionData(link),
              let name = try? data.cString(), !name.isEmpty, name.utf8.count < data.count else { return nil }
        return name
    }

    // MARK: Kind, architecture, load address

    /// symbolic's rule: ET_EXEC without a program interpreter, or ET_DYN without `.text`
    /// contents, is a split debug file (objcopy keeps e_type and removes contents).
    var kind: String {
        switch type {
        case ELF.ET_REL: return "relocatable"
        case ELF.ET_EXEC: return interpreter == nil ? "debug" : "executable"
        case ELF.ET_DYN: return section(named: "text") == nil ? "debug" : "library"
        case ELF.ET_CORE: return "dump"
        default: return "other"
        }
    }

    /// The PT_INTERP path (the last PT_INTERP with a size), when it is inside the file and
    /// valid UTF-8; as goblin reads it, without its terminating NUL.
    var interpreter: String? {
        var found: String?
        for header in programHeaders where header.type == ELF.PT_INTERP && header.filesz != 0 {
            found = nil
            if let data = try? bytes.slice(offset: header.offset, size: header.filesz - 1) {
                found = String(validating: data.array, as: UTF8.self)
            }
        }
        return found
    }

    /// The CPU in symbolic's names. RISC-V is named as crashpipe names it (symbolic has no
    /// RISC-V and says "unknown").
    var arch: String {
        switch machine {
        case ELF.EM_386: return "x86"
        case ELF.EM_X86_64: return "x86_64"
        case ELF.EM_AARCH64: return "arm64"
        case ELF.EM_ARM: return "arm"
        case ELF.EM_PPC: return "ppc"
        case ELF.EM_PPC64: return "ppc64"
        case ELF.EM_MIPS, ELF.EM_MIPS_RS3_LE: return flags & ELF.mips64Flags != 0 ? "mips64" : "mips"
        case ELF.EM_RISCV: return is64 ? "riscv64" : "riscv32"
        default: return "unknown"
        }
    }

    /// The first PT_LOAD segment's virtual address (segments are sorted by address).
    var loadAddress: UInt64 {
        programHeaders.first { $0.type == ELF.PT_LOAD }?.vaddr ?? 0
    }

    // MARK: Sections

    /// A section's name from the section name table, nil when unreadable or not UTF-8.
    func sectionName(_ section: ELFSectionHeader) -> String? {
        guard let names = sectionNames, Int(section.name) < names.count else { return nil }
        let start = Int(section.name)
        return names.withUnsafeBytes { raw in
            var end = start
            while end < raw.count, raw[end] != 0 { end += 1 }
            return String(validating: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
        }
    }

    /// The first section symbolic's `find_section` would return for `name` (given without the
    /// leading dot): sections without file contents (SHT_NOBITS, offset 0) and with empty
    /// names are skipped; a `.z` prefix marks a (GNU-style) compressed section, otherwise the
    /// first character is dropped. Sections whose contents lie outside the file are skipped too.
    func section(named name: String) -> ELFSectionHeader? {
        for section in sections where section.type != ELF.SHT_NOBITS && section.offset != 0 {
            guard let full = sectionName(section), !full.isEmpty else { continue }
            let bare = full.hasPrefix(".z") ? full.dropFirst(2) : full.dropFirst()
            guard bare == name, (try? sectionData(section)) != nil else { continue }
            return section
        }
        return nil
    }

    func sectionData(_ section: ELFSectionHeader) throws(ParseError) -> ByteView {
        try bytes.slice(offset: section.offset, size: section.size, what: "section contents")
    }

    /// Whether the file has a non-empty symbol table: a `.symtab` or `.dynsym` with at least one
    /// entry inside the file.
    var hasSymbols: Bool {
        let symbolSize: UInt64 = is64 ? 24 : 16
        return sections.contains { section in
            guard section.type == ELF.SHT_SYMTAB || section.type == ELF.SHT_DYNSYM, section.entsize != 0 else {
                return false
            }
            let count = section.size / section.entsize
            let (size, overflow) = count.multipliedReportingOverflow(by: symbolSize)
            return count > 0 && !overflow && (try? bytes.slice(offset: section.offset, size: size)) != nil
        }
    }
}

/// One note's header and where its description is.
struct ELFNote {
    var type: UInt32
    var descOffset: Int
    var descSize: Int
}

/// The notes in a PT_NOTE segment or SHT_NOTE section, read as goblin reads them: 32-bit
/// `namesz`, `descsz`, `type`, then the name and the description, each padded to the area's
/// alignment (4 when it says less than 4; 8 is allowed, anything else is an error). Reading
/// continues while the next note starts before the area's end; a note may not leave the file.
struct ELFNotes {
    let bytes: ByteView
    let endian: Endian
    var offset: Int
    let end: Int
    let alignment: UInt64

    mutating func next() -> Result<ELFNote, ParseError>? {
        guard offset < end else { return nil }
        do {
            return .success(try read())
        } catch {
            return .failure(error)
        }
    }

    private mutating func read() throws(ParseError) -> ELFNote {
        let align: Int
        switch alignment {
        case 0...4: align = 4
        case 8: align = 8
        default:
            throw ParseError(.unsupported, offset: bytes.fileOffset(offset), context: "note",
                             "note alignment \(alignment) is neither 4 nor 8")
        }
        let start = offset
        let nameSize = Int(try bytes.u32(at: start, endian))
        let descSize = Int(try bytes.u32(at: start + 4, endian))
        let type = try bytes.u32(at: start + 8, endian)
        func aligned(_ value: Int) -> Int {
            let rest = (value - start) % align
            return rest == 0 ? value : value + (align - rest)
        }
        // The name (nameSize - 1 bytes of UTF-8, then its NUL), then the description.
        let name = try bytes.slice(offset: start + 12, size: max(nameSize - 1, 0), what: "note name")
        guard String(validating: name.array, as: UTF8.self) != nil else {
            throw ParseError(.badEncoding, offset: bytes.fileOffset(start + 12), context: "note", "the note name is not UTF-8")
        }
        let descOffset = aligned(start + 12 + nameSize)
        try bytes.check(offset: descOffset, size: descSize, what: "note description")
        offset = aligned(descOffset + descSize)
        return ELFNote(type: type, descOffset: descOffset, descSize: descSize)
    }
}
