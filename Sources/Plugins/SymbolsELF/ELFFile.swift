import CrashpipeCore

// The ELF header and its program and section header tables, as the System V gABI lays them out
// (`Elf32_Ehdr`/`Elf64_Ehdr`, `Elf*_Phdr`, `Elf*_Shdr`), read in the file's byte order.

/// One program header (segment).
struct ELFProgramHeader {
    var type: UInt32
    var offset: UInt64
    var vaddr: UInt64
    var filesz: UInt64
    var align: UInt64
}

/// One section header.
struct ELFSectionHeader {
    var name: UInt32
    var type: UInt32
    var flags: UInt64
    var offset: UInt64
    var size: UInt64
    var link: UInt32
    var info: UInt32
    var addralign: UInt64
    var entsize: UInt64
    /// sh_addr: where the section is loaded.
    var address: UInt64 = 0
}

enum ELF {
    static let ET_NONE: UInt16 = 0, ET_REL: UInt16 = 1, ET_EXEC: UInt16 = 2, ET_DYN: UInt16 = 3, ET_CORE: UInt16 = 4

    static let PT_LOAD: UInt32 = 1, PT_INTERP: UInt32 = 3, PT_NOTE: UInt32 = 4

    static let SHT_SYMTAB: UInt32 = 2, SHT_NOTE: UInt32 = 7, SHT_NOBITS: UInt32 = 8, SHT_DYNSYM: UInt32 = 11
    static let SHF_COMPRESSED: UInt64 = 0x800, SHF_EXECINSTR: UInt64 = 0x4

    /// e_phnum's escape: the real count is in section header 0's sh_info.
    static let PN_XNUM: UInt16 = 0xffff
    /// e_shstrndx's escape: the real index is in section header 0's sh_link.
    static let SHN_XINDEX: UInt16 = 0xffff

    static let NT_GNU_BUILD_ID: UInt32 = 3

    static let EM_386: UInt16 = 3, EM_MIPS: UInt16 = 8, EM_MIPS_RS3_LE: UInt16 = 10, EM_PPC: UInt16 = 20
    static let EM_PPC64: UInt16 = 21, EM_ARM: UInt16 = 40, EM_X86_64: UInt16 = 62, EM_AARCH64: UInt16 = 183
    static let EM_RISCV: UInt16 = 243

    /// MIPS ABI flags symbolic takes to mean a 64-bit object (EF_MIPS_ABI_O64 | EF_MIPS_ABI_EABI64).
    static let mips64Flags: UInt32 = 0x2000 | 0x4000
}

/// The parts of an ELF file the object listing needs. Construction reads and checks the header
/// and both header tables; everything else is read on demand and skipped when damaged.
struct ELFFile {
    let bytes: ByteView
    let is64: Bool
    let endian: Endian
    let type: UInt16
    let machine: UInt16
    let flags: UInt32
    let programHeaders: [ELFProgramHeader]
    let sections: [ELFSectionHeader]
    /// The section name string table, nil when missing or outside the file.
    let sectionNames: ByteView?

    init(_ bytes: ByteView) throws(ParseError) {
        self.bytes = bytes
        guard bytes.count >= 4, bytes[safe: 0] == 0x7f, bytes[safe: 1] == 0x45, bytes[safe: 2] == 0x4c,
              bytes[safe: 3] == 0x46 else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(0), context: "ELF header", "not an ELF file (no \\x7fELF)")
        }
        guard bytes.count >= 6 else {
            throw ParseError(.truncated, offset: bytes.fileOffset(bytes.count), context: "ELF header",
                             "the identification ends after \(bytes.count) bytes")
        }
        let is64: Bool
        switch bytes[safe: 4] {
        case 1: is64 = false
        case 2: is64 = true
        case let value:
            throw ParseError(.invalidValue, offset: bytes.fileOffset(4), context: "ELF header",
                             "EI_CLASS is \(value ?? 0), not 1 (32-bit) or 2 (64-bit)")
        }
        let endian: Endian
        switch bytes[safe: 5] {
        case 1: endian = .little
        case 2: endian = .big
        case let value:
            throw ParseError(.invalidValue, offset: bytes.fileOffset(5), context: "ELF header",
                             "EI_DATA is \(value ?? 0), not 1 (little-endian) or 2 (big-endian)")
        }
        let headerSize = is64 ? 64 : 52
        guard bytes.count >= headerSize else {
            throw ParseError(.truncated, offset: bytes.fileOffset(bytes.count), context: "ELF header",
                             "the \(is64 ? 64 : 32)-bit header needs \(headerSize) bytes, the file has \(bytes.count)")
        }
        self.is64 = is64
        self.endian = endian
        func u16(_ offset: Int) throws(ParseError) -> UInt16 { try bytes.u16(at: offset, endian) }
        func u32(_ offset: Int) throws(ParseError) -> UInt32 { try bytes.u32(at: offset, endian) }
        func word(_ offset: Int) throws(ParseError) -> UInt64 {
            try is64 ? bytes.u64(at: offset, endian) : UInt64(bytes.u32(at: offset, endian))
        }
        type = try u16(16)
        machine = try u16(18)
        let phoff = try word(is64 ? 32 : 28)
        let shoff = try word(is64 ? 40 : 32)
        flags = try u32(is64 ? 48 : 36)
        let phnum = try u16(is64 ? 56 : 44)
        let shnum = try u16(is64 ? 60 : 48)
        let shstrndx = try u16(is64 ? 62 : 50)

        let sections = try Self.readSections(bytes, at: shoff, count: shnum, is64: is64, endian: endian,
                                             field: is64 ? 40 : 32)
        self.sections = sections

        var programCount = Int(phnum)
        if phnum == ELF.PN_XNUM, let first = sections.first { programCount = Int(first.info) }
        programHeaders = try Self.readProgramHeaders(bytes, at: phoff, count: programCount, is64: is64, endian: endian,
                                                     field: is64 ? 32 : 28)

        var namesIndex = Int(shstrndx)
        if shstrndx == ELF.SHN_XINDEX, let first = sections.first { namesIndex = Int(first.link) }
        if namesIndex > 0, namesIndex < sections.count {
            let table = sections[namesIndex]
            sectionNames = try? bytes.slice(offset: table.offset, size: table.size)
        } else {
            sectionNames = nil
        }
    }

    /// The section header table. An offset of 0 means none; a count of 0 with a table means
    /// the count is in section header 0's sh_size (more than 0xff00 sections). `field` is where
    /// e_shoff is, for the error when it points past the end.
    static func readSections(_ bytes: ByteView, at offset: UInt64, count: UInt16, is64: Bool,
                             endian: Endian, field: Int) throws(ParseError) -> [ELFSectionHeader] {
        guard offset != 0 else { return [] }
        let entrySize = is64 ? 64 : 40
        guard let start = Int(exactly: offset), start <= bytes.count else {
            throw ParseError(.outOfRange, offset: bytes.fileOffset(field), context: "section header table",
                             "e_shoff 0x\(String(offset, radix: 16)) is past the end of the file (\(bytes.count) bytes)")
        }
        do {
            try bytes.check(offset: start, size: entrySize, what: "section header 0")
        } catch {
            throw error.within("section header table")
        }
        var reader = ByteReader(bytes, endian: endian, offset: start, context: "section header table")
        var first = reader
        let header0 = try readSection(&first, is64: is64)
        var total = Int(count)
        if count == 0 {
            guard let extended = Int(exactly: header0.size), extended <= Int(UInt32.max) else {
                throw ParseError(.absurdCount, offset: bytes.fileOffset(start), context: "section header table",
                                 "section header 0 gives \(header0.size) sections (e_shnum is 0)")
            }
            total = max(extended, 1)
        }
        return try reader.array(count: total, elementSize: entrySize, what: "section headers") { (r: inout ByteReader) throws(ParseError) in
            try readSection(&r, is64: is64)
        }
    }

    static func readSection(_ r: inout ByteReader, is64: Bool) throws(ParseError) -> ELFSectionHeader {
        let name = try r.u32()
        let type = try r.u32()
        if is64 {
            let flags = try r.u64()
            let address = try r.u64()
            let offset = try r.u64()
            let size = try r.u64()
            let link = try r.u32()
            let info = try r.u32()
            let addralign = try r.u64()
            let entsize = try r.u64()
            return ELFSectionHeader(name: name, type: type, flags: flags, offset: offset, size: size, link: link,
                                    info: info, addralign: addralign, entsize: entsize, address: address)
        }
        let flags = UInt64(try r.u32())
        let address = UInt64(try r.u32())
        let offset = UInt64(try r.u32())
        let size = UInt64(try r.u32())
        let link = try r.u32()
        let info = try r.u32()
        let addralign = UInt64(try r.u32())
        let entsize = UInt64(try r.u32())
        return ELFSectionHeader(name: name, type: type, flags: flags, offset: offset, size: size, link: link,
                                info: info, addralign: addralign, entsize: entsize, address: address)
    }

    static func readProgramHeaders(_ bytes: ByteView, at offset: UInt64, count: Int, is64: Bool,
                                   endian: Endian, field: Int) throws(ParseError) -> [ELFProgramHeader] {
        guard count > 0 else { return [] }
        guard let start = Int(exactly: offset), start <= bytes.count else {
            throw ParseError(.outOfRange, offset: bytes.fileOffset(field), context: "program header table",
                             "e_phoff 0x\(String(offset, radix: 16)) is past the end of the file (\(bytes.count) bytes)")
        }
        var reader = ByteReader(bytes, endian: endian, offset: start, context: "program header table")
        return try reader.array(count: count, elementSize: is64 ? 56 : 32, what: "program headers") { (r: inout ByteReader) throws(ParseError) in
            if is64 {
                let type = try r.u32()
                _ = try r.u32()  // p_flags
                let offset = try r.u64()
                let vaddr = try r.u64()
                _ = try r.u64()  // p_paddr
                let filesz = try r.u64()
                _ = try r.u64()  // p_memsz
                let align = try r.u64()
                return ELFProgramHeader(type: type, offset: offset, vaddr: vaddr, filesz: filesz, align: align)
            }
            let type = try r.u32()
            let offset = UInt64(try r.u32())
            let vaddr = UInt64(try r.u32())
            _ = try r.u32()  // p_paddr
            let filesz = UInt64(try r.u32())
            _ = try r.u32()  // p_memsz
            _ = try r.u32()  // p_flags
            let align = UInt64(try r.u32())
            return ELFProgramHeader(type: type, offset: offset, vaddr: vaddr, filesz: filesz, align: align)
        }
    }
}
