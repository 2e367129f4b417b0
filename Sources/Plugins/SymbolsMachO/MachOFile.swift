import CrashpipeCore

// The Mach-O header, its load commands (segments with their sections, LC_UUID, LC_SYMTAB) and
// the universal ("fat") container, as <mach-o/loader.h> and <mach-o/fat.h> lay them out.

enum MachO {
    static let FAT_MAGIC: UInt32 = 0xcafe_babe
    static let FAT_MAGIC_64: UInt32 = 0xcafe_babf

    static let LC_SEGMENT: UInt32 = 0x1, LC_SYMTAB: UInt32 = 0x2, LC_SEGMENT_64: UInt32 = 0x19, LC_UUID: UInt32 = 0x1b

    /// Section types whose contents are not in the file.
    static let zeroFillTypes: Set<UInt32> = [0x1, 0xc, 0x12]  // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL

    /// Whether the first four bytes, read big-endian, are a thin Mach-O magic, and which layout.
    static func thinMagic(_ magic: UInt32) -> (is64: Bool, endian: Endian)? {
        switch magic {
        case 0xfeed_face: return (false, .big)     // MH_MAGIC written big-endian
        case 0xfeed_facf: return (true, .big)      // MH_MAGIC_64
        case 0xcefa_edfe: return (false, .little)  // MH_CIGAM: MH_MAGIC written little-endian
        case 0xcffa_edfe: return (true, .little)   // MH_CIGAM_64
        default: return nil
        }
    }

    /// One Mach-O image: the whole file, or one architecture of a universal file (`label` then
    /// names it for error messages).
    struct Slice {
        var bytes: ByteView
        var label: String?
    }

    /// The images in a file: itself when thin, its architectures when universal. The fat
    /// header's slices must lie inside the file, after the header, and not overlap.
    static func slices(of bytes: ByteView) throws(ParseError) -> [Slice] {
        let magic = try bytes.u32(at: 0, .big)
        if thinMagic(magic) != nil { return [Slice(bytes: bytes, label: nil)] }
        guard magic == FAT_MAGIC || magic == FAT_MAGIC_64 else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(0), context: "Mach-O header",
                             "magic 0x\(String(magic, radix: 16)) is not a Mach-O or universal magic")
        }
        let is64 = magic == FAT_MAGIC_64
        var reader = ByteReader(bytes, endian: .big, offset: 4, context: "fat header")
        let count = Int(try reader.u32())
        let entrySize = is64 ? 32 : 20
        let entries = try reader.array(count: count, elementSize: entrySize, what: "fat_arch entries") {
            (r: inout ByteReader) throws(ParseError) -> (at: Int, cputype: UInt32, cpusubtype: UInt32, offset: UInt64, size: UInt64) in
            let at = r.fileOffset
            let cputype = try r.u32()
            let cpusubtype = try r.u32()
            let offset = try is64 ? r.u64() : UInt64(r.u32())
            let size = try is64 ? r.u64() : UInt64(r.u32())
            _ = try r.u32()  // align
            if is64 { _ = try r.u32() }  // reserved
            return (at, cputype, cpusubtype, offset, size)
        }
        let headerEnd = reader.offset
        var slices: [(start: UInt64, end: UInt64, index: Int)] = []
        var result: [Slice] = []
        for (index, entry) in entries.enumerated() {
            let label = "fat slice \(index) (\(archName(cputype: entry.cputype, cpusubtype: entry.cpusubtype)))"
            let (end, overflow) = entry.offset.addingReportingOverflow(entry.size)
            guard !overflow, end <= UInt64(bytes.count) else {
                throw ParseError(.outOfRange, offset: entry.at, context: label,
                                 "the slice at 0x\(String(entry.offset, radix: 16)) of 0x\(String(entry.size, radix: 16)) bytes "
                                 + "ends past the end of the file (\(bytes.count) bytes)")
            }
            guard entry.offset >= UInt64(headerEnd) else {
                throw ParseError(.invalidValue, offset: entry.at, context: label,
                                 "the slice at 0x\(String(entry.offset, radix: 16)) overlaps the fat header (0x\(String(headerEnd, radix: 16)) bytes)")
            }
            if let other = slices.first(where: { entry.offset < $0.end && $0.start < end }) {
                throw ParseError(.invalidValue, offset: entry.at, context: label,
                                 "the slice at 0x\(String(entry.offset, radix: 16))..<0x\(String(end, radix: 16)) overlaps fat slice "
                                 + "\(other.index) at 0x\(String(other.start, radix: 16))..<0x\(String(other.end, radix: 16))")
            }
            slices.append((entry.offset, end, index))
            let slice = try bytes.slice(offset: entry.offset, size: entry.size, what: label)
            if let inner = try? slice.u32(at: 0, .big), thinMagic(inner) == nil {
                throw ParseError(.badMagic, offset: slice.fileOffset(0), context: label,
                                 "magic 0x\(String(inner, radix: 16)) is not a thin Mach-O magic")
            }
            result.append(Slice(bytes: slice, label: label))
        }
        return result
    }

    /// symbolic's `Arch` name for a cputype and cpusubtype (capability bits masked off, as goblin
    /// does). Unknown subtypes of known CPUs are `<cpu>_unknown`.
    static func archName(cputype: UInt32, cpusubtype rawSubtype: UInt32) -> String {
        let subtype = rawSubtype & 0x00ff_ffff
        let abi64: UInt32 = 0x0100_0000, abi64_32: UInt32 = 0x0200_0000
        switch cputype {
        case 7:  // CPU_TYPE_I386
            return subtype == 3 ? "x86" : "x86_unknown"
        case 7 | abi64:  // CPU_TYPE_X86_64
            switch subtype {
            case 3: return "x86_64"
            case 8: return "x86_64h"
            default: return "x86_64_unknown"
            }
        case 12 | abi64:  // CPU_TYPE_ARM64
            switch subtype {
            case 0: return "arm64"
            case 1: return "arm64v8"
            case 2: return "arm64e"
            default: return "arm64_unknown"
            }
        case 12 | abi64_32:  // CPU_TYPE_ARM64_32
            switch subtype {
            case 0: return "arm64_32"
            case 1: return "arm64_32_v8"
            default: return "arm64_32_unknown"
            }
        case 12:  // CPU_TYPE_ARM
            switch subtype {
            case 0: return "arm"
            case 7: return "armv5"
            case 6: return "armv6"
            case 14: return "armv6m"
            case 9: return "armv7"
            case 10: return "armv7f"
            case 11: return "armv7s"
            case 12: return "armv7k"
            case 15: return "armv7m"
            case 16: return "armv7em"
            default: return "arm_unknown"
            }
        case 18:  // CPU_TYPE_POWERPC
            return subtype == 0 ? "ppc" : "unknown"
        case 18 | abi64:  // CPU_TYPE_POWERPC64
            return subtype == 0 ? "ppc64" : "unknown"
        default:
            return "unknown"
        }
    }

    /// A fixed 16-byte name field up to its first NUL; nil when not UTF-8.
    static func name(_ view: ByteView, at offset: Int) throws(ParseError) -> String? {
        let raw = try view.bytes(at: offset, count: 16)
        return String(validating: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

struct MachOSection {
    var segmentName: String?
    var name: String?
    var offset: UInt32
    var size: UInt64
    var flags: UInt32
    /// The section's virtual address.
    var address: UInt64 = 0
}

struct MachOSegment {
    var name: String?
    var vmaddr: UInt64
    var sections: [MachOSection]
}

/// One thin Mach-O image: its header and the load commands the object listing needs.
struct MachOFile {
    let bytes: ByteView
    let is64: Bool
    let endian: Endian
    let cputype: UInt32
    let cpusubtype: UInt32
    let filetype: UInt32
    private(set) var segments: [MachOSegment] = []
    /// The first LC_UUID's bytes.
    private(set) var uuid: [UInt8]?
    private(set) var hasSymbolTable = false
    /// The first LC_SYMTAB: symbol and string table file ranges (checked to lie in the file).
    private(set) var symbolTable: (symoff: Int, nsyms: Int, stroff: Int, strsize: Int)?

    init(_ bytes: ByteView) throws(ParseError) {
        self.bytes = bytes
        let magic = try bytes.u32(at: 0, .big)
        guard let layout = MachO.thinMagic(magic) else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(0), context: "Mach-O header",
                             "magic 0x\(String(magic, radix: 16)) is not a thin Mach-O magic")
        }
        is64 = layout.is64
        endian = layout.endian
        var header = ByteReader(bytes, endian: endian, offset: 4, context: "Mach-O header")
        cputype = try header.u32()
        cpusubtype = try header.u32()
        filetype = try header.u32()
        let commandCount = try header.u32()
        let commandsSize = try header.u32()
        _ = try header.u32()  // flags
        if is64 { _ = try header.u32() }  // reserved
        let start = header.offset
        let end = start + Int(commandsSize)
        guard end <= bytes.count else {
            throw ParseError(.outOfRange, offset: bytes.fileOffset(20), context: "Mach-O header",
                             "sizeofcmds \(commandsSize) does not fit in the \(bytes.count - start) bytes after the header")
        }
        guard Int(commandCount) <= Int(commandsSize) / 8 else {
            throw ParseError(.absurdCount, offset: bytes.fileOffset(16), context: "Mach-O header",
                             "\(commandCount) load commands cannot fit in sizeofcmds \(commandsSize) (8 bytes each at least)")
        }
        var offset = start
        for index in 0..<Int(commandCount) {
            let context = "load command \(index)"
            guard end - offset >= 8 else {
                throw ParseError(.truncated, offset: bytes.fileOffset(offset), context: context,
                                 "the load command needs 8 bytes, \(end - offset) remain of sizeofcmds")
            }
            let cmd = try bytes.u32(at: offset, endian)
            let size = Int(try bytes.u32(at: offset + 4, endian))
            guard size >= 8 else {
                throw ParseError(.invalidValue, offset: bytes.fileOffset(offset + 4), context: context,
                                 "cmdsize \(size) is smaller than the 8-byte command header")
            }
            guard size <= end - offset else {
                throw ParseError(.outOfRange, offset: bytes.fileOffset(offset + 4), context: context,
                                 "cmdsize \(size) runs past the end of the load commands (\(end - offset) bytes remain)")
            }
            let command = try bytes.slice(offset: offset, size: size, what: context)
            do {
                switch cmd {
                case MachO.LC_SEGMENT, MachO.LC_SEGMENT_64:
                    segments.append(try readSegment(command, is64: cmd == MachO.LC_SEGMENT_64))
                case MachO.LC_UUID:
                    let value = try command.bytes(at: 8, count: 16)
                    if uuid == nil { uuid = value }
                case MachO.LC_SYMTAB:
                    let table = try checkSymbolTable(command)
                    if symbolTable == nil { symbolTable = table }
                    hasSymbolTable = true
                default:
                    break
                }
            } catch {
                var tagged = error
                tagged.context = error.context.map { "\(context), \($0)" } ?? context
                throw tagged
            }
            offset += size
        }
    }

    /// An LC_SEGMENT or LC_SEGMENT_64 and its section headers, which must fit in the command;
    /// the segment's and the sections' file ranges must lie in the file.
    private func readSegment(_ command: ByteView, is64: Bool) throws(ParseError) -> MachOSegment {
        let name = try MachO.name(command, at: 8)
        var r = ByteReader(command, endian: endian, offset: 24, context: "segment \(name ?? "?")")
        let vmaddr = try is64 ? r.u64() : UInt64(r.u32())
        _ = try is64 ? r.u64() : UInt64(r.u32())  // vmsize
        let fileoff = try is64 ? r.u64() : UInt64(r.u32())
        let filesize = try is64 ? r.u64() : UInt64(r.u32())
        _ = try r.u32()  // maxprot
        _ = try r.u32()  // initprot
        let sectionCount = try r.u32()
        _ = try r.u32()  // flags
        let (fileEnd, overflow) = fileoff.addingReportingOverflow(filesize)
        guard !overflow, fileEnd <= UInt64(bytes.count) else {
            throw ParseError(.outOfRange, offset: command.fileOffset(is64 ? 40 : 32), context: "segment \(name ?? "?")",
                             "file range 0x\(String(fileoff, radix: 16)) + 0x\(String(filesize, radix: 16)) "
                             + "runs past the end of the file (\(bytes.count) bytes)")
        }
        let sections = try r.array(count: Int(sectionCount), elementSize: is64 ? 80 : 68, what: "section headers") {
            (s: inout ByteReader) throws(ParseError) -> MachOSection in
            let at = s.offset
            let sectionName = try MachO.name(command, at: at)
            let segmentName = try MachO.name(command, at: at + 16)
            try s.skip(32)
            let address = try is64 ? s.u64() : UInt64(s.u32())
            let size = try is64 ? s.u64() : UInt64(s.u32())
            let offset = try s.u32()
            _ = try s.u32()  // align
            _ = try s.u32()  // reloff
            _ = try s.u32()  // nreloc
            let flags = try s.u32()
            _ = try s.u32()  // reserved1
            _ = try s.u32()  // reserved2
            if is64 { _ = try s.u32() }  // reserved3
            let section = MachOSection(segmentName: segmentName, name: sectionName, offset: offset, size: size, flags: flags,
                                       address: address)
            if offset != 0 && !MachO.zeroFillTypes.contains(flags & 0xff) {
                let (end, overflow) = UInt64(offset).addingReportingOverflow(size)
                guard !overflow, end <= UInt64(bytes.count) else {
                    throw ParseError(.outOfRange, offset: command.fileOffset(at + (is64 ? 48 : 40)),
                                     context: "section \(segmentName ?? "?"),\(sectionName ?? "?")",
                                     "contents at 0x\(String(offset, radix: 16)) of 0x\(String(size, radix: 16)) bytes "
                                     + "run past the end of the file (\(bytes.count) bytes)")
                }
            }
            return section
        }
        return MachOSegment(name: name, vmaddr: vmaddr, sections: sections)
    }

    /// LC_SYMTAB's symbol and string tables must lie in the file.
    private func checkSymbolTable(_ command: ByteView) throws(ParseError) -> (symoff: Int, nsyms: Int, stroff: Int, strsize: Int) {
        var r = ByteReader(command, endian: endian, offset: 8, context: "LC_SYMTAB")
        let symoff = UInt64(try r.u32())
        let nsyms = UInt64(try r.u32())
        let stroff = UInt64(try r.u32())
        let strsize = UInt64(try r.u32())
        let symbolsEnd = symoff + nsyms * (is64 ? 16 : 12)
        guard symbolsEnd <= UInt64(bytes.count) else {
            throw ParseError(.outOfRange, offset: command.fileOffset(8), context: "LC_SYMTAB",
                             "\(nsyms) symbols at 0x\(String(symoff, radix: 16)) run past the end of the file (\(bytes.count) bytes)")
        }
        guard stroff + strsize <= UInt64(bytes.count) else {
            throw ParseError(.outOfRange, offset: command.fileOffset(16), context: "LC_SYMTAB",
                             "the string table at 0x\(String(stroff, radix: 16)) of \(strsize) bytes runs past the end of the file")
        }
        return (Int(symoff), Int(nsyms), Int(stroff), Int(strsize))
    }
}
