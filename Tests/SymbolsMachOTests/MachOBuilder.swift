import CrashpipeCore

/// Builds small thin Mach-O images for tests: a header, LC_UUID, LC_SYMTAB and segments with
/// sections (each section's contents follow the load commands), and universal files from them.
struct MachOBuilder {
    struct Section {
        var name: String
        var segment: String
        var data: [UInt8]
        /// Write offset 0 (stripped contents, as dsymutil leaves `__TEXT` in a dSYM).
        var stripped = false
        var flags: UInt32 = 0
    }

    struct Segment {
        var name: String
        var vmaddr: UInt64
        var sections: [Section] = []
    }

    var is64 = true
    var endian: Endian = .little
    var cputype: UInt32 = 0x0100_0007
    var cpusubtype: UInt32 = 3
    var filetype: UInt32 = 2
    var uuid: [UInt8]? = Array(0x10..<0x20)
    var symbolTable = true
    var segments: [Segment] = [
        Segment(name: "__PAGEZERO", vmaddr: 0),
        Segment(name: "__TEXT", vmaddr: 0x1_0000_0000, sections: [
            Section(name: "__text", segment: "__TEXT", data: [0x90, 0x90, 0xc3]),
            Section(name: "__unwind_info", segment: "__TEXT", data: [1, 0, 0, 0]),
        ]),
    ]

    struct Layout {
        var bytes: [UInt8]
        var headerSize: Int
        /// Where each load command starts, in order.
        var commandOffsets: [Int]
        /// Where each section header starts, by "segment,section".
        var sectionHeaderOffsets: [String: Int]
    }

    func build() -> [UInt8] { layout().bytes }

    func layout() -> Layout {
        let headerSize = is64 ? 32 : 28
        let segmentSize = is64 ? 72 : 56
        let sectionSize = is64 ? 80 : 68
        var commandsSize = 0
        if uuid != nil { commandsSize += 24 }
        if symbolTable { commandsSize += 24 }
        for segment in segments { commandsSize += segmentSize + segment.sections.count * sectionSize }
        var dataOffset = headerSize + commandsSize
        var contents: [UInt8] = []
        var sectionOffsets: [[Int]] = []
        for segment in segments {
            var offsets: [Int] = []
            for section in segment.sections {
                offsets.append(section.stripped ? 0 : dataOffset + contents.count)
                if !section.stripped { contents += section.data }
            }
            sectionOffsets.append(offsets)
        }
        let symoff = dataOffset + contents.count
        let nlist = is64 ? 16 : 12
        contents += [UInt8](repeating: 0, count: nlist) + [0, 0x5f, 0x6d, 0, 0, 0, 0, 0]  // one symbol, "\0_m\0"
        dataOffset = 0

        var w = Writer(endian: endian)
        w.u32(is64 ? 0xfeed_facf : 0xfeed_face)
        w.u32(cputype); w.u32(cpusubtype); w.u32(filetype)
        w.u32(UInt32((uuid != nil ? 1 : 0) + (symbolTable ? 1 : 0) + segments.count)); w.u32(UInt32(commandsSize))
        w.u32(0)
        if is64 { w.u32(0) }
        var commandOffsets: [Int] = []
        var headerOffsets: [String: Int] = [:]
        if let uuid {
            commandOffsets.append(w.data.count)
            w.u32(0x1b); w.u32(24); w.bytes(uuid)
        }
        if symbolTable {
            commandOffsets.append(w.data.count)
            w.u32(0x2); w.u32(24); w.u32(UInt32(symoff)); w.u32(1); w.u32(UInt32(symoff + nlist)); w.u32(8)
        }
        for (index, segment) in segments.enumerated() {
            commandOffsets.append(w.data.count)
            w.u32(is64 ? 0x19 : 0x1); w.u32(UInt32(segmentSize + segment.sections.count * sectionSize))
            w.bytes(Self.name(segment.name))
            w.word(segment.vmaddr, is64); w.word(0x1000, is64)  // vmaddr, vmsize
            w.word(0, is64); w.word(0, is64)                     // fileoff, filesize
            w.u32(7); w.u32(5); w.u32(UInt32(segment.sections.count)); w.u32(0)
            for (sectionIndex, section) in segment.sections.enumerated() {
                headerOffsets["\(section.segment),\(section.name)"] = w.data.count
                w.bytes(Self.name(section.name)); w.bytes(Self.name(section.segment))
                w.word(segment.vmaddr, is64); w.word(UInt64(section.data.count), is64)
                w.u32(UInt32(sectionOffsets[index][sectionIndex])); w.u32(0); w.u32(0); w.u32(0)
                w.u32(section.flags); w.u32(0); w.u32(0)
                if is64 { w.u32(0) }
            }
        }
        w.bytes(contents)
        return Layout(bytes: w.data, headerSize: headerSize, commandOffsets: commandOffsets,
                      sectionHeaderOffsets: headerOffsets)
    }

    static func name(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8.prefix(16))
        return bytes + [UInt8](repeating: 0, count: 16 - bytes.count)
    }

    /// A universal file: the fat header (32 or 64-bit entries) and each image at a 4096-byte
    /// boundary. Returns the file and where each fat_arch entry starts.
    static func fat(_ images: [MachOBuilder], fat64: Bool = false) -> (bytes: [UInt8], entryOffsets: [Int]) {
        var w = Writer(endian: .big)
        w.u32(fat64 ? 0xcafe_babf : 0xcafe_babe)
        w.u32(UInt32(images.count))
        var offset = 4096
        var entryOffsets: [Int] = []
        var bodies: [(Int, [UInt8])] = []
        for image in images {
            let body = image.build()
            entryOffsets.append(w.data.count)
            w.u32(image.cputype); w.u32(image.cpusubtype)
            if fat64 { w.u64(UInt64(offset)); w.u64(UInt64(body.count)) } else { w.u32(UInt32(offset)); w.u32(UInt32(body.count)) }
            w.u32(12)
            if fat64 { w.u32(0) }
            bodies.append((offset, body))
            offset += (body.count + 4095) / 4096 * 4096
        }
        for (at, body) in bodies {
            while w.data.count < at { w.u8(0) }
            w.bytes(body)
        }
        return (w.data, entryOffsets)
    }
}

/// Little helper for writing integers in one byte order.
struct Writer {
    var endian: Endian
    var data: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u32(_ v: UInt32) { append(v) }
    mutating func u64(_ v: UInt64) { append(v) }
    mutating func word(_ v: UInt64, _ is64: Bool) { if is64 { u64(v) } else { u32(UInt32(truncatingIfNeeded: v)) } }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        let value = endian == .little ? v.littleEndian : v.bigEndian
        Swift.withUnsafeBytes(of: value) { data += $0 }
    }
}

extension Array where Element == UInt8 {
    /// Overwrites `value` at `offset` in the given byte order.
    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int, _ endian: Endian = .little) {
        let v = endian == .little ? value.littleEndian : value.bigEndian
        Swift.withUnsafeBytes(of: v) { raw in
            for (i, byte) in raw.enumerated() { self[offset + i] = byte }
        }
    }
}
