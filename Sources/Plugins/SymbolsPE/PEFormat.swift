import CrashpipeCore

/// Portable Executables (PE32 and PE32+ images: `.exe`, `.dll`, `.sys`).
///
/// Reads: the DOS header (`MZ`, `e_lfanew`), the `PE\0\0` signature, the COFF header, the
/// optional header (PE32 or PE32+), the section table, and three data directories: debug
/// (the CodeView record), export (named exports) and exception (`.pdata`).
///
/// Reports, as symbolic's `PeObject` does (checked against symbolic's test assertions and,
/// for patched and randomly damaged images, against `sentry-cli debug-files check` 3.8.2):
/// - kind `library` when the COFF header has `IMAGE_FILE_DLL`, `other` for a packer stub (a
///   `.stub*` section and an empty `.pdata`), `executable` otherwise;
/// - arch from the COFF `Machine` (see ``archName(machine:)``);
/// - code id: `TimeDateStamp` (8 hex digits) followed by `SizeOfImage`; none without an
///   optional header;
/// - debug id and debug file from the first CodeView entry of the debug directory: an `RSDS`
///   record gives GUID + age and the PDB path; in a deterministic build (entry minor version
///   `0x504d`, Portable PDB) the age is the entry's timestamp;
/// - load address: `ImageBase`;
/// - features: `symtab` when the export table has a named export (symbolic's `has_symbols`
///   is "exports not empty"; see ``PEImage/hasNamedExport()``), `debug` when a section is
///   named `.debug_info` (DWARF in MinGW images; long names resolved through the COFF string
///   table), `unwind` when an x86-64 or ARM64 image that is not a stub has a non-empty
///   exception directory.
///
/// Deliberate differences from symbolic: an `NB10` CodeView record (PDB 2.0) gives the PDB 2.0
/// debug id (signature + age, as Breakpad and minidumps write it) and its PDB name, where
/// symbolic reports the nil id and no name; an image without a usable CodeView record has no
/// debug id (nil) where symbolic prints the all-zero id.
///
/// Errors: a DOS, PE, COFF or optional header or a section table that is cut short, lies
/// outside the file or has a bad signature or value (optional header magic, more than 16 data
/// directories) throws a ``ParseError`` naming the structure and the offset; symbolic cannot
/// read such a file either. The debug directory (with the CodeView record and the other entries
/// symbolic decodes) and the exception directory are read leniently, as symbolic does: when one
/// lies outside the file, maps to no section or is too short, the object is still listed,
/// without a debug id or without `unwind`, and ``inspect(_:)`` returns the ParseError that says
/// what and where. The export table only decides `symtab`; one that cannot be read means no
/// exports.
public struct PEDebugFileFormat: DebugFileFormat {
    public init() {}

    public var name: String { "pe" }

    /// `MZ` at the start, as symbolic's `PeObject::test`.
    public func recognizes(_ bytes: ByteView) -> Bool {
        (try? bytes.u16(at: 0)) == 0x5a4d
    }

    public func objects(in bytes: ByteView) throws -> [DebugObject] {
        [try inspect(bytes).object]
    }

    /// The object and what could not be read of its debug and exception directories (see the
    /// type's documentation): each problem is a ``ParseError`` naming the structure and the
    /// offset. `objects(in:)` drops the problems because ``DebugObject`` has no place for them.
    public func inspect(_ bytes: ByteView) throws(ParseError) -> (object: DebugObject, problems: [ParseError]) {
        try PEImage(bytes).inspect()
    }
}

/// One entry of the section table.
struct PESection: Sendable {
    /// The name, with `/123` long names resolved through the COFF string table where possible.
    var name: String
    var virtualSize: UInt32
    var virtualAddress: UInt32
    var sizeOfRawData: UInt32
    var pointerToRawData: UInt32
    var characteristics: UInt32
}

/// One entry of the optional header's data directory table.
struct PEDataDirectory: Sendable {
    var virtualAddress: UInt32
    var size: UInt32
    /// Where the entry itself is in the file (for error messages).
    var entryOffset: Int
    /// goblin treats an all-zero entry as absent.
    var isPresent: Bool { virtualAddress != 0 || size != 0 }
}

/// The parts of a PE image's headers that identify it.
struct PEImage: Sendable {
    static let dosMagic: UInt16 = 0x5a4d                // "MZ"
    static let peSignature: UInt32 = 0x0000_4550        // "PE\0\0"
    static let dllFlag: UInt16 = 0x2000                 // IMAGE_FILE_DLL
    static let exportDirectory = 0
    static let exceptionDirectory = 3
    static let debugDirectory = 6
    static let debugTypeCodeView: UInt32 = 2
    /// How many forwarders `hasNamedExport` tries to resolve before giving up (bounds the work on
    /// a hostile export table; a real image has a plain export or a valid forwarder early).
    static let exportProbeLimit = 4096

    let bytes: ByteView
    let machine: UInt16
    let timeDateStamp: UInt32
    let characteristics: UInt16
    let pointerToSymbolTable: UInt32
    let numberOfSymbols: UInt32
    let optional: OptionalHeader?
    let sections: [PESection]

    struct OptionalHeader: Sendable {
        var isPE32Plus: Bool
        var imageBase: UInt64
        var fileAlignment: UInt32
        var sizeOfImage: UInt32
        var directories: [PEDataDirectory]

        func directory(_ index: Int) -> PEDataDirectory? {
            index < directories.count && directories[index].isPresent ? directories[index] : nil
        }
    }

    init(_ bytes: ByteView) throws(ParseError) {
        self.bytes = bytes
        // DOS header: 64 bytes, e_lfanew at 0x3c.
        do { try bytes.check(offset: 0, size: 64, what: "DOS header") } catch { throw error.within("DOS header") }
        guard try bytes.u16(at: 0) == Self.dosMagic else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(0), context: "DOS header", "no MZ signature")
        }
        let peOffset = Int(try bytes.u32(at: 0x3c))
        do {
            try bytes.check(offset: peOffset, size: 24, what: "PE signature and COFF header at e_lfanew \(hexText(peOffset))")
        } catch { throw error.within("PE header") }
        guard try bytes.u32(at: peOffset) == Self.peSignature else {
            throw ParseError(.badMagic, offset: bytes.fileOffset(peOffset), context: "PE header",
                             "no PE\\0\\0 signature at e_lfanew \(hexText(peOffset))")
        }

        // COFF header.
        var coff = ByteReader(bytes, offset: peOffset + 4, context: "COFF header")
        machine = try coff.u16()
        let numberOfSections = Int(try coff.u16())
        timeDateStamp = try coff.u32()
        pointerToSymbolTable = try coff.u32()
        numberOfSymbols = try coff.u32()
        let sizeOfOptionalHeader = Int(try coff.u16())
        characteristics = try coff.u16()
        let optionalOffset = coff.offset

        optional = sizeOfOptionalHeader == 0 ? nil : try Self.readOptionalHeader(bytes, at: optionalOffset)

        // Section table, right after the optional header as declared.
        let tableOffset = optionalOffset + sizeOfOptionalHeader
        do {
            try bytes.check(offset: tableOffset, size: numberOfSections * 40,
                            what: "section table of \(numberOfSections) entries")
        } catch { throw error.within("section table") }
        var reader = ByteReader(bytes, offset: tableOffset, context: "section table")
        let stringTable = Self.stringTableOffset(pointerToSymbolTable, numberOfSymbols)
        var sections: [PESection] = []
        sections.reserveCapacity(numberOfSections)
        for _ in 0..<numberOfSections {
            let rawName = try reader.bytes(8)
            let virtualSize = try reader.u32()
            let virtualAddress = try reader.u32()
            let sizeOfRawData = try reader.u32()
            let pointerToRawData = try reader.u32()
            try reader.skip(12)                     // relocations, line numbers and their counts
            let sectionCharacteristics = try reader.u32()
            sections.append(PESection(name: Self.sectionName(rawName, bytes: bytes, stringTable: stringTable),
                                      virtualSize: virtualSize, virtualAddress: virtualAddress,
                                      sizeOfRawData: sizeOfRawData, pointerToRawData: pointerToRawData,
                                      characteristics: sectionCharacteristics))
        }
        self.sections = sections
    }

    private static func readOptionalHeader(_ bytes: ByteView, at offset: Int) throws(ParseError) -> OptionalHeader {
        var reader = ByteReader(bytes, offset: offset, context: "optional header")
        let magic = try reader.u16()
        let isPE32Plus: Bool
        switch magic {
        case 0x10b: isPE32Plus = false
        case 0x20b: isPE32Plus = true
        default:
            throw ParseError(.invalidValue, offset: bytes.fileOffset(offset), context: "optional header",
                             "magic \(hexText(magic)) is neither PE32 (0x10b) nor PE32+ (0x20b)")
        }
        // The fixed part: 96 bytes (PE32) or 112 (PE32+), then the directories.
        let fixedSize = isPE32Plus ? 112 : 96
        do {
            try bytes.check(offset: offset, size: fixedSize, what: isPE32Plus ? "PE32+ optional header" : "PE32 optional header")
        } catch { throw error.within("optional header") }
        let imageBase: UInt64 = isPE32Plus ? try bytes.u64(at: offset + 24) : UInt64(try bytes.u32(at: offset + 28))
        let fileAlignment = try bytes.u32(at: offset + 36)
        let sizeOfImage = try bytes.u32(at: offset + 56)
        let numberOfRvaAndSizes = try bytes.u32(at: offset + fixedSize - 4)
        // goblin (and so symbolic) rejects more than the sixteen defined entries.
        guard numberOfRvaAndSizes <= 16 else {
            throw ParseError(.invalidValue, offset: bytes.fileOffset(offset + fixedSize - 4), context: "optional header",
                             "NumberOfRvaAndSizes \(numberOfRvaAndSizes) is more than the 16 data directories")
        }
        let count = Int(numberOfRvaAndSizes)
        let tableOffset = offset + fixedSize
        do {
            try bytes.check(offset: tableOffset, size: count * 8, what: "data directory table of \(count) entries")
        } catch { throw error.within("optional header") }
        var directories: [PEDataDirectory] = []
        for index in 0..<count {
            let entry = tableOffset + index * 8
            directories.append(PEDataDirectory(virtualAddress: try bytes.u32(at: entry), size: try bytes.u32(at: entry + 4),
                                               entryOffset: entry))
        }
        return OptionalHeader(isPE32Plus: isPE32Plus, imageBase: imageBase, fileAlignment: fileAlignment,
                              sizeOfImage: sizeOfImage, directories: directories)
    }

    /// Where the COFF string table starts: after the symbol table (18-byte records).
    private static func stringTableOffset(_ pointer: UInt32, _ count: UInt32) -> Int? {
        guard pointer != 0 else { return nil }
        return Int(pointer) + Int(count) * 18
    }

    /// The section name: the 8 bytes up to the first NUL, or for `/123` (decimal) and `//AbCd`
    /// (base64) the string at that offset of the COFF string table, as goblin resolves it.
    private static func sectionName(_ raw: [UInt8], bytes: ByteView, stringTable: Int?) -> String {
        let short = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        guard let stringTable, short.hasPrefix("/") else { return short }
        var index: Int?
        if short.hasPrefix("//") {
            // Base64 digits, most significant first.
            var value = 0
            for c in short.utf8.dropFirst(2) {
                let digit: Int
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(c - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(c - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(c - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "+"): digit = 62
                case UInt8(ascii: "/"): digit = 63
                default: return short
                }
                value = value * 64 + digit
            }
            index = value
        } else {
            index = Int(short.dropFirst())
        }
        guard let index, index >= 0, index < bytes.count - min(stringTable, bytes.count),
              let name = try? bytes.cString(at: stringTable + index, maxLength: 256) else { return short }
        return name
    }

    // MARK: - Addresses

    /// The file offset of `rva`, found through the section table as goblin's `find_offset`
    /// does: a section covers `[VirtualAddress, VirtualAddress + read size)`, where the read size
    /// is the raw size rounded with the file alignment and to pages and capped by the
    /// page-rounded virtual size; nil when the file alignment is not a power of two or no section
    /// covers the address. A section without raw data covers nothing (some goblin versions let
    /// it cover its virtual size; the one in sentry-cli 3.8.2 does not: it finds no debug id once
    /// the `.rdata` holding the debug directory has SizeOfRawData 0).
    func fileOffset(ofRVA rva: UInt32) -> Int? {
        guard let optional else { return nil }
        let alignment = UInt64(optional.fileAlignment)
        guard alignment != 0, alignment & (alignment - 1) == 0 else { return nil }
        let address = UInt64(rva)
        for section in sections {
            let start = UInt64(section.virtualAddress)
            guard address >= start else { continue }
            let end = start + Self.readSize(section, alignment: alignment)
            if address < end {
                return Int(UInt64(section.pointerToRawData) + (address - start))
            }
        }
        return nil
    }

    private static func readSize(_ section: PESection, alignment: UInt64) -> UInt64 {
        func roundToPage(_ size: UInt64) -> UInt64 { (size + 0xfff) & ~0xfff }
        let pointer = UInt64(section.pointerToRawData)
        let rawSize = UInt64(section.sizeOfRawData)
        let virtualSize = UInt64(section.virtualSize)
        let alignedEnd = (pointer + rawSize + alignment - 1) & ~(alignment - 1)
        let alignedPointer = pointer & ~0x1ff
        let readSize = min(alignedEnd - alignedPointer, roundToPage(rawSize))
        if virtualSize == 0 { return readSize }
        return min(readSize, roundToPage(virtualSize))
    }

    /// The offset of a data directory's contents, or a ParseError naming the directory.
    private func contents(of directory: PEDataDirectory, _ what: String) throws(ParseError) -> Int {
        guard let offset = fileOffset(ofRVA: directory.virtualAddress) else {
            throw ParseError(.outOfRange, offset: bytes.fileOffset(directory.entryOffset), context: what,
                             "RVA \(hexText(directory.virtualAddress)) (size \(hexText(directory.size))) lies in no section")
        }
        return offset
    }

    // MARK: - Debug directory

    /// A CodeView record: the PDB the image was linked with.
    struct CodeView: Sendable, Equatable {
        var debugId: DebugId
        var pdbPath: String
    }

    /// The first CodeView entry of the debug directory, read as `RSDS` (PDB 7.0) or `NB10`
    /// (PDB 2.0); nil when there is no debug directory, no CodeView entry or another record.
    ///
    /// As in symbolic (goblin's `DebugData`), the whole directory must be in the file, and the
    /// first entry of each type goblin decodes must be readable too: the VC feature counts (20
    /// bytes), the extended DLL characteristics (4 bytes), a repro hash (its length and bytes)
    /// and LTCG/PGU POGO data (its declared size). When one is not, symbolic has no debug data
    /// at all, so there is no CodeView record either; the error says which entry failed.
    func codeView() throws(ParseError) -> CodeView? {
        guard let directory = optional?.directory(Self.debugDirectory) else { return nil }
        let context = "debug directory"
        let offset = try contents(of: directory, context)
        do {
            try bytes.check(offset: offset, size: Int(directory.size), what: "debug directory of \(directory.size) bytes")
        } catch { throw error.within(context) }
        struct Entry { var timeDateStamp: UInt32, minorVersion: UInt16, type: UInt32, size: Int, pointer: Int }
        var firstOfType: [UInt32: Entry] = [:]
        for index in 0..<Int(directory.size) / 28 {
            var entry = ByteReader(bytes, offset: offset + index * 28, context: context)
            try entry.skip(4)                       // Characteristics
            let timeDateStamp = try entry.u32()
            try entry.skip(2)                       // MajorVersion
            let minorVersion = try entry.u16()
            let type = try entry.u32()
            let sizeOfData = Int(try entry.u32())
            try entry.skip(4)                       // AddressOfRawData
            let pointerToRawData = Int(try entry.u32())
            if firstOfType[type] == nil {
                firstOfType[type] = Entry(timeDateStamp: timeDateStamp, minorVersion: minorVersion, type: type,
                                          size: sizeOfData, pointer: pointerToRawData)
            }
        }
        var record: CodeView?
        if let entry = firstOfType[Self.debugTypeCodeView] {
            record = try codeViewRecord(at: entry.pointer, size: entry.size,
                                        deterministicAge: entry.minorVersion == 0x504d ? entry.timeDateStamp : nil)
        }
        if let entry = firstOfType[12] {            // IMAGE_DEBUG_TYPE_VC_FEATURE
            try checkEntryData(entry.pointer, 20, "VC feature debug entry")
        }
        if let entry = firstOfType[20] {            // IMAGE_DEBUG_TYPE_EX_DLLCHARACTERISTICS
            try checkEntryData(entry.pointer, 4, "extended DLL characteristics debug entry")
        }
        if let entry = firstOfType[16], entry.size > 0 {    // IMAGE_DEBUG_TYPE_REPRO: length, hash
            try checkEntryData(entry.pointer, 4, "repro debug entry")
            let length = Int(try bytes.u32(at: entry.pointer))
            try checkEntryData(entry.pointer + 4, length, "repro debug entry")
        }
        if let entry = firstOfType[13] {            // IMAGE_DEBUG_TYPE_POGO: signature, data
            try checkEntryData(entry.pointer, 4, "POGO debug entry")
            let signature = try bytes.u32(at: entry.pointer)
            if signature == 0x4c54_4347 || signature == 0x5047_5500 {   // "LTCG", "PGU\0"
                guard entry.size > 4 else {
                    throw ParseError(.invalidValue, offset: bytes.fileOffset(entry.pointer), context: "POGO debug entry",
                                     "declared size \(entry.size) leaves no room after the signature")
                }
                try checkEntryData(entry.pointer, entry.size, "POGO debug entry")
            }
        }
        return record
    }

    private func checkEntryData(_ offset: Int, _ size: Int, _ what: String) throws(ParseError) {
        do {
            try bytes.check(offset: offset, size: size, what: "\(size) bytes of data")
        } catch { throw error.within(what) }
    }

    private func codeViewRecord(at offset: Int, size: Int, deterministicAge: UInt32?) throws(ParseError) -> CodeView? {
        var reader = ByteReader(bytes, offset: offset, context: "CodeView record")
        let signature = try reader.u32()
        switch signature {
        case 0x5344_5352: // "RSDS": signature, GUID, age, path
            guard size >= 24 else {
                throw ParseError(.truncated, offset: bytes.fileOffset(offset), context: "CodeView RSDS record",
                                 "declared size \(size) is shorter than the 24 bytes of signature, GUID and age")
            }
            let guid = try reader.bytes(16)
            let age = try reader.u32()
            let path = try pdbPath(at: reader.offset, length: size - 24)
            guard let id = DebugId(peGuid: guid, age: deterministicAge ?? age) else { return nil }
            return CodeView(debugId: id, pdbPath: path)
        case 0x3031_424e: // "NB10": signature, offset, timestamp signature, age, path
            guard size >= 16 else {
                throw ParseError(.truncated, offset: bytes.fileOffset(offset), context: "CodeView NB10 record",
                                 "declared size \(size) is shorter than the 16 bytes of signature, offset, timestamp and age")
            }
            try reader.skip(4)
            let timestamp = try reader.u32()
            let age = try reader.u32()
            let path = try pdbPath(at: reader.offset, length: size - 16)
            return CodeView(debugId: DebugId(pdb20Signature: timestamp, age: age), pdbPath: path)
        default:
            return nil
        }
    }

    /// The NUL-terminated path at the end of a CodeView record (invalid UTF-8 replaced).
    private func pdbPath(at offset: Int, length: Int) throws(ParseError) -> String {
        let path: String
        do {
            path = try bytes.slice(offset: offset, size: length, what: "PDB path of \(length) bytes").cString()
        } catch { throw error.within("CodeView record") }
        return path
    }

    // MARK: - Exports and exceptions

    /// Whether the export table has a named export, which is when symbolic's `has_symbols`
    /// (goblin's `exports` not empty) holds. Checked against `sentry-cli debug-files check` on
    /// patched images: the directory, the name pointer table, the ordinal table and the address
    /// table must map to the file and be wholly inside it (a count that runs past the end means
    /// no exports at all), and some name's ordinal must index the address table. An export's
    /// code address need not map to a section; a forwarder (an address inside the export
    /// directory) must map and read as `DLL.Name` or `DLL.#ordinal`. An export table that cannot
    /// be read counts as none, never as an error.
    func hasNamedExport() -> Bool {
        guard let directory = optional?.directory(Self.exportDirectory),
              let offset = fileOffset(ofRVA: directory.virtualAddress),
              (try? bytes.check(offset: offset, size: 40)) != nil,
              let addressCount = try? bytes.u32(at: offset + 20),
              let nameCount = try? bytes.u32(at: offset + 24),
              let addressTableRVA = try? bytes.u32(at: offset + 28),
              let namesRVA = try? bytes.u32(at: offset + 32),
              let ordinalsRVA = try? bytes.u32(at: offset + 36),
              let names = fileOffset(ofRVA: namesRVA),
              let ordinals = fileOffset(ofRVA: ordinalsRVA),
              let addresses = fileOffset(ofRVA: addressTableRVA),
              (try? bytes.check(offset: names, size: Int(nameCount) * 4)) != nil,
              (try? bytes.check(offset: ordinals, size: Int(nameCount) * 2)) != nil,
              (try? bytes.check(offset: addresses, size: Int(addressCount) * 4)) != nil else { return false }
        let exportStart = UInt64(directory.virtualAddress)
        let exportEnd = exportStart + UInt64(directory.size)
        var forwardersTried = 0
        for index in 0..<Int(nameCount) {
            guard let ordinal = try? bytes.u16(at: ordinals + index * 2), UInt32(ordinal) < addressCount,
                  let rva = try? bytes.u32(at: addresses + Int(ordinal) * 4) else { continue }
            guard UInt64(rva) >= exportStart && UInt64(rva) < exportEnd else { return true }
            // A forwarder: resolving it walks the sections, so a hostile table of thousands
            // of broken forwarders is cut short.
            forwardersTried += 1
            if forwardersTried > Self.exportProbeLimit { return false }
            if let target = fileOffset(ofRVA: rva), let text = try? bytes.cString(at: target, maxLength: 4096),
               isForwarder(text) {
                return true
            }
        }
        return false
    }

    private func isForwarder(_ text: String) -> Bool {
        guard let dot = text.firstIndex(of: "."), text.index(after: dot) < text.endIndex else { return false }
        let rest = text[text.index(after: dot)...]
        if rest.hasPrefix("#") { return UInt32(rest.dropFirst()) != nil }
        return true
    }

    /// A packer stub: a `.stub*` section and a `.pdata` section without raw data (symbolic's
    /// `is_pe_stub`).
    var isStub: Bool {
        sections.contains { $0.name.hasPrefix(".stub") }
            && sections.contains { $0.name == ".pdata" && $0.sizeOfRawData == 0 }
    }

    /// The number of `RUNTIME_FUNCTION` entries in the exception directory of an x86-64 (12
    /// bytes each) or ARM64 (8 bytes each) image; 0 for other CPUs, which have none that
    /// symbolic reads.
    func exceptionEntryCount() throws(ParseError) -> Int {
        let entrySize: Int
        switch machine {
        case 0x8664: entrySize = 12
        case 0xaa64: entrySize = 8
        default: return 0
        }
        guard let directory = optional?.directory(Self.exceptionDirectory) else { return 0 }
        let context = "exception directory"
        guard Int(directory.size) % entrySize == 0 else {
            throw ParseError(.invalidValue, offset: bytes.fileOffset(directory.entryOffset), context: context,
                             "size \(directory.size) is not a multiple of the \(entrySize)-byte RUNTIME_FUNCTION")
        }
        let offset = try contents(of: directory, context)
        guard offset % 4 == 0 else {
            throw ParseError(.invalidValue, offset: bytes.fileOffset(offset), context: context,
                             "table at file offset \(hexText(offset)) is not 4-byte aligned")
        }
        return Int(directory.size) / entrySize
    }

    // MARK: - Result

    /// The object, and the problems met in the parts that are read leniently: a debug
    /// directory, CodeView record or exception directory that cannot be read leaves the debug id
    /// (and debug file) or the unwind feature out, as symbolic does.
    func inspect() -> (object: DebugObject, problems: [ParseError]) {
        var problems: [ParseError] = []
        var codeView: CodeView?
        do { codeView = try self.codeView() } catch { problems.append(error) }
        var unwindEntries = 0
        do { unwindEntries = try exceptionEntryCount() } catch { problems.append(error) }
        let stub = isStub
        var features: DebugFeatures = []
        if hasNamedExport() { features.insert(.symtab) }
        if sections.contains(where: { $0.name == ".debug_info" }) { features.insert(.debug) }
        if unwindEntries > 0 && !stub { features.insert(.unwind) }
        let kind = characteristics & Self.dllFlag != 0 ? "library" : stub ? "other" : "executable"
        let object = DebugObject(
            format: "pe", kind: kind, arch: archName(machine: machine), debugId: codeView?.debugId,
            codeId: optional.map { CodeId(peTimestamp: timeDateStamp, sizeOfImage: $0.sizeOfImage) },
            debugFile: codeView.flatMap { $0.pdbPath.isEmpty ? nil : $0.pdbPath },
            loadAddress: optional?.imageBase ?? 0, features: features)
        return (object, problems)
    }
}
