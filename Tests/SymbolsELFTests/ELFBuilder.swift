import CrashpipeCore

/// Builds small ELF files for tests: a header, PT_LOAD/PT_INTERP/PT_NOTE program headers, and
/// sections with the given names, types and contents, laid out in that order, then the
/// section name table and the section header table.
struct ELFBuilder {
    struct Section {
        var name: String
        var type: UInt32
        var flags: UInt64 = 0
        var data: [UInt8]
        var entsize: UInt64 = 0
        var align: UInt64 = 1
        /// sh_addr.
        var address: UInt64 = 0
    }

    var is64 = true
    var endian: Endian = .little
    var type: UInt16 = 2
    var machine: UInt16 = 62
    var flags: UInt32 = 0
    var loadAddress: UInt64 = 0x400000
    var interpreter: String? = "/lib64/ld-linux-x86-64.so.2"
    /// The GNU build id, written as a note in a PT_NOTE segment and/or a `.note.gnu.build-id` section.
    var buildId: [UInt8]?
    var buildIdInSegment = true
    var buildIdInSection = true
    /// By default one `.text` of 64 bytes that do not XOR to zero (the debug id of a file
    /// without a build id hashes them).
    var sections: [Section] = [Section(name: ".text", type: 1, flags: 6, data: (0..<64).map { UInt8(($0 * $0 + 3) & 0xff) })]

    static let ptLoad: UInt32 = 1, ptInterp: UInt32 = 3, ptNote: UInt32 = 4
    static let progbits: UInt32 = 1, symtab: UInt32 = 2, strtab: UInt32 = 3, note: UInt32 = 7, nobits: UInt32 = 8

    /// A note: namesz, descsz, type, "GNU\0", the description padded to 4.
    func note(type: UInt32 = 3, name: String = "GNU", desc: [UInt8]) -> [UInt8] {
        var w = Writer(endian: endian)
        let nameBytes = Array(name.utf8) + [0]
        w.u32(UInt32(nameBytes.count)); w.u32(UInt32(desc.count)); w.u32(type)
        w.bytes(nameBytes); w.pad(to: 4)
        w.bytes(desc); w.pad(to: 4)
        return w.data
    }

    struct Layout {
        var bytes: [UInt8]
        /// Where each named section's header starts, and the section header table.
        var sectionHeaderOffsets: [String: Int]
        var programHeaderOffset: Int
        var sectionHeaderTableOffset: Int
        var noteOffset: Int?
    }

    func build() -> [UInt8] { layout().bytes }

    func layout() -> Layout {
        let headerSize = is64 ? 64 : 52
        let phSize = is64 ? 56 : 32
        let shSize = is64 ? 64 : 40
        var allSections: [Section] = []
        var interpIndex: Int?
        if let interpreter {
            interpIndex = allSections.count
            allSections.append(Section(name: ".interp", type: Self.progbits, flags: 2, data: Array(interpreter.utf8) + [0]))
        }
        var noteData: [UInt8]?
        if let buildId { noteData = note(desc: buildId) }
        var noteIndex: Int?
        if let noteData, buildIdInSection {
            noteIndex = allSections.count
            allSections.append(Section(name: ".note.gnu.build-id", type: Self.note, flags: 2, data: noteData, align: 4))
        }
        allSections += sections
        var names: [UInt8] = [0]
        var nameOffsets: [Int] = []
        for section in allSections + [Section(name: ".shstrtab", type: Self.strtab, data: [])] {
            nameOffsets.append(names.count)
            names += Array(section.name.utf8) + [0]
        }

        var programHeaders: [(type: UInt32, offset: UInt64, vaddr: UInt64, size: UInt64, align: UInt64)] = []
        let programCount = 1 + (interpreter == nil ? 0 : 1) + (noteData != nil && buildIdInSegment ? 1 : 0)
        var offset = headerSize + programCount * phSize
        var dataOffsets: [Int] = []
        var body: [UInt8] = []
        var standaloneNote: Int?
        for section in allSections {
            while (offset + body.count) % 8 != 0 { body.append(0) }
            dataOffsets.append(offset + body.count)
            if section.type != Self.nobits { body += section.data }
        }
        if let noteData, buildIdInSegment, noteIndex == nil {
            while (offset + body.count) % 8 != 0 { body.append(0) }
            standaloneNote = offset + body.count
            body += noteData
        }
        let namesOffset = offset + body.count
        body += names
        while (offset + body.count) % 8 != 0 { body.append(0) }
        let shoff = offset + body.count
        offset = shoff

        programHeaders.append((Self.ptLoad, 0, loadAddress, UInt64(shoff), 0x1000))
        if let interpIndex {
            programHeaders.append((Self.ptInterp, UInt64(dataOffsets[interpIndex]), loadAddress + UInt64(dataOffsets[interpIndex]),
                                   UInt64(allSections[interpIndex].data.count), 1))
        }
        var noteOffset: Int?
        if let noteData, buildIdInSegment {
            let at = noteIndex.map { dataOffsets[$0] } ?? standaloneNote!
            noteOffset = at
            programHeaders.append((Self.ptNote, UInt64(at), loadAddress + UInt64(at), UInt64(noteData.count), 4))
        }

        var w = Writer(endian: endian)
        // e_ident
        w.bytes([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, endian == .little ? 1 : 2, 1, 0])
        w.bytes([UInt8](repeating: 0, count: 8))
        w.u16(type); w.u16(machine); w.u32(1)
        w.word(loadAddress, is64)                         // e_entry
        w.word(UInt64(headerSize), is64)                  // e_phoff
        w.word(UInt64(shoff), is64)                       // e_shoff
        w.u32(flags)
        w.u16(UInt16(headerSize)); w.u16(UInt16(phSize)); w.u16(UInt16(programHeaders.count))
        w.u16(UInt16(shSize)); w.u16(UInt16(allSections.count + 2)); w.u16(UInt16(allSections.count + 1))
        for ph in programHeaders {
            if is64 {
                w.u32(ph.type); w.u32(5); w.u64(ph.offset); w.u64(ph.vaddr); w.u64(ph.vaddr)
                w.u64(ph.size); w.u64(ph.size); w.u64(ph.align)
            } else {
                w.u32(ph.type); w.u32(UInt32(ph.offset)); w.u32(UInt32(ph.vaddr)); w.u32(UInt32(ph.vaddr))
                w.u32(UInt32(ph.size)); w.u32(UInt32(ph.size)); w.u32(5); w.u32(UInt32(ph.align))
            }
        }
        w.bytes(body)
        var headerOffsets: [String: Int] = [:]
        func sectionHeader(name: Int, type: UInt32, flags: UInt64, offset: UInt64, size: UInt64, align: UInt64, entsize: UInt64,
                           address: UInt64 = 0) {
            if is64 {
                w.u32(UInt32(name)); w.u32(type); w.u64(flags); w.u64(address); w.u64(offset); w.u64(size)
                w.u32(0); w.u32(0); w.u64(align); w.u64(entsize)
            } else {
                w.u32(UInt32(name)); w.u32(type); w.u32(UInt32(flags)); w.u32(UInt32(truncatingIfNeeded: address))
                w.u32(UInt32(offset)); w.u32(UInt32(size))
                w.u32(0); w.u32(0); w.u32(UInt32(align)); w.u32(UInt32(entsize))
            }
        }
        sectionHeader(name: 0, type: 0, flags: 0, offset: 0, size: 0, align: 0, entsize: 0)
        for (index, section) in allSections.enumerated() {
            headerOffsets[section.name] = w.data.count
            sectionHeader(name: nameOffsets[index], type: section.type, flags: section.flags,
                          offset: UInt64(dataOffsets[index]), size: UInt64(section.data.count), align: section.align,
                          entsize: section.entsize, address: section.address)
        }
        headerOffsets[".shstrtab"] = w.data.count
        sectionHeader(name: nameOffsets[allSections.count], type: Self.strtab, flags: 0, offset: UInt64(namesOffset),
                      size: UInt64(names.count), align: 1, entsize: 0)
        return Layout(bytes: w.data, sectionHeaderOffsets: headerOffsets, programHeaderOffset: headerSize,
                      sectionHeaderTableOffset: shoff, noteOffset: noteOffset)
    }
}

/// Little helper for writing integers in one byte order.
struct Writer {
    var endian: Endian
    var data: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u16(_ v: UInt16) { append(v) }
    mutating func u32(_ v: UInt32) { append(v) }
    mutating func u64(_ v: UInt64) { append(v) }
    mutating func word(_ v: UInt64, _ is64: Bool) { if is64 { u64(v) } else { u32(UInt32(truncatingIfNeeded: v)) } }
    mutating func pad(to alignment: Int) { while data.count % alignment != 0 { data.append(0) } }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        let value = endian == .little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: value) { data += $0 }
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
