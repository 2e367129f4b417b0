/// DWARF call frame information read from an `.eh_frame` or `.debug_frame` section: its CIEs
/// and FDEs, ready for ``unwindTable(for:)`` (the CFA-program interpreter) and for
/// ``breakpadRecords(cpu:loadAddress:)`` (Breakpad `STACK CFI` text).
///
/// Shared by the ELF and Mach-O readers: the caller finds the section and passes its bytes and
/// its address (pc-relative pointers in `.eh_frame` are relative to it).
///
/// Reading is lenient, as unwinders are: an entry that cannot be read is skipped and the problem
/// recorded in ``problems`` (a ``ParseError`` naming the offset); reading stops only where the
/// entry boundaries themselves are lost (a length past the end of the section). Everything is
/// bounds-checked and every loop consumes input, so no input makes it crash or loop forever.
public struct DWARFCallFrameInfo: Sendable {
    public enum Format: String, Sendable {
        /// `.eh_frame` (LSB): CIE id 0, CIE pointers relative to the field, `z` augmentations, DW_EH_PE pointers.
        case ehFrame = "eh_frame"
        /// `.debug_frame` (DWARF): CIE id 0xffffffff (64-bit: all ones), CIE pointers are section offsets.
        case debugFrame = "debug_frame"
    }

    /// A Common Information Entry.
    public struct CIE: Sendable, Hashable {
        /// Offset of the entry (its length field) in the section.
        public var offset: Int
        /// 64-bit DWARF (initial length 0xffffffff followed by a 64-bit length).
        public var is64Bit: Bool
        public var version: UInt8
        public var augmentation: String
        public var addressSize: Int
        public var segmentSelectorSize: Int
        public var codeAlignmentFactor: UInt64
        public var dataAlignmentFactor: Int64
        public var returnAddressRegister: UInt64
        /// Encoding of the FDEs' addresses (`R`); absptr when absent.
        public var pointerEncoding: UInt8
        /// Encoding of the FDEs' LSDA pointers (`L`); omit when absent.
        public var lsdaEncoding: UInt8
        /// The personality routine (`P`), as read (an indirect pointer is not followed).
        public var personality: UInt64?
        /// `S`: the frames are signal frames.
        public var isSignalFrame: Bool
        /// The augmentation starts with `z` (FDEs carry augmentation data).
        public var hasAugmentationData: Bool
        /// The initial instructions (section offsets).
        public var instructions: Range<Int>
    }

    /// A Frame Description Entry.
    public struct FDE: Sendable, Hashable {
        public var offset: Int
        /// Offset of its CIE in the section (a key of ``cies``).
        public var cieOffset: Int
        public var initialAddress: UInt64
        public var addressRange: UInt64
        public var lsda: UInt64?
        /// The call frame instructions (section offsets).
        public var instructions: Range<Int>
        public var endAddress: UInt64 { initialAddress &+ addressRange }
        public func covers(_ address: UInt64) -> Bool {
            address >= initialAddress && address &- initialAddress < addressRange
        }
    }

    public let format: Format
    public let section: ByteView
    public let sectionAddress: UInt64
    public let endian: Endian
    /// Default address size (4 or 8); a version 4 CIE may name its own.
    public let addressSize: Int
    /// Bases for `DW_EH_PE_textrel`/`datarel` when the caller knows them.
    public let textAddress: UInt64?
    public let dataAddress: UInt64?

    /// CIEs by section offset.
    public private(set) var cies: [Int: CIE] = [:]
    /// FDEs in section order.
    public private(set) var fdes: [FDE] = []
    /// Problems met while reading (each skipped an entry, or stopped reading).
    public private(set) var problems: [ParseError] = []
    /// Indices into `fdes` ordered by initial address.
    var byAddress: [Int] = []

    /// Reads an `.eh_frame` section loaded at `sectionAddress`.
    public init(ehFrame section: ByteView, sectionAddress: UInt64, addressSize: Int = 8, endian: Endian = .little,
                textAddress: UInt64? = nil, dataAddress: UInt64? = nil) {
        self.init(format: .ehFrame, section: section, sectionAddress: sectionAddress, addressSize: addressSize,
                  endian: endian, textAddress: textAddress, dataAddress: dataAddress)
    }

    /// Reads a `.debug_frame` section (32- or 64-bit DWARF, CIE versions 1, 3 and 4).
    public init(debugFrame section: ByteView, sectionAddress: UInt64 = 0, addressSize: Int = 8, endian: Endian = .little) {
        self.init(format: .debugFrame, section: section, sectionAddress: sectionAddress, addressSize: addressSize,
                  endian: endian, textAddress: nil, dataAddress: nil)
    }

    public init(format: Format, section: ByteView, sectionAddress: UInt64, addressSize: Int, endian: Endian,
                textAddress: UInt64?, dataAddress: UInt64?) {
        self.format = format
        self.section = section
        self.sectionAddress = sectionAddress
        self.addressSize = addressSize
        self.endian = endian
        self.textAddress = textAddress
        self.dataAddress = dataAddress
        readEntries()
        byAddress = fdes.indices.sorted { (fdes[$0].initialAddress, $0) < (fdes[$1].initialAddress, $1) }
    }

    /// The first problem, for callers that want reading to be all-or-nothing.
    public func validate() throws(ParseError) {
        if let first = problems.first { throw first }
    }

    var context: String { format.rawValue }

    func pointerBases(function: UInt64? = nil) -> DWARFPointerBases {
        DWARFPointerBases(section: sectionAddress, text: textAddress, data: dataAddress, function: function)
    }

    // MARK: - Entries

    struct Header {
        var start: Int
        var is64Bit: Bool
        var contentStart: Int
        var end: Int
        /// A zero length: the end-of-section terminator (`.eh_frame`) or padding (`.debug_frame`).
        var isEmpty: Bool { end == contentStart }
    }

    func header(at offset: Int) throws(ParseError) -> Header {
        var cursor = DWARFCursor(view: section, endian: endian, offset: offset, limit: section.count, context: context)
        let length32 = try cursor.fixed(UInt32.self, "entry length")
        var length = UInt64(length32)
        var is64 = false
        if length32 == 0xffff_ffff {
            is64 = true
            length = try cursor.fixed(UInt64.self, "64-bit entry length")
        } else if length32 >= 0xffff_fff0 {
            throw cursor.error(.invalidValue, at: offset, "reserved initial length 0x\(String(length32, radix: 16))")
        }
        let remaining = section.count - cursor.offset
        guard length <= UInt64(remaining) else {
            throw cursor.error(.outOfRange, at: offset,
                               "entry length 0x\(String(length, radix: 16)) runs past the end of the section (\(remaining) bytes remain)")
        }
        return Header(start: offset, is64Bit: is64, contentStart: cursor.offset, end: cursor.offset + Int(length))
    }

    /// Size of the CIE id / CIE pointer field.
    func idSize(_ header: Header) -> Int { format == .ehFrame ? 4 : (header.is64Bit ? 8 : 4) }

    /// Reads the id field: nil for a CIE, else the section offset of the FDE's CIE.
    func cieReference(_ header: Header) throws(ParseError) -> Int? {
        var cursor = DWARFCursor(view: section, endian: endian, offset: header.contentStart, limit: header.end, context: context)
        let id = idSize(header) == 8 ? try cursor.fixed(UInt64.self, "CIE id") : UInt64(try cursor.fixed(UInt32.self, "CIE id"))
        switch format {
        case .ehFrame:
            if id == 0 { return nil }
            guard id <= UInt64(header.contentStart) else {
                throw cursor.error(.outOfRange, at: header.contentStart,
                                   "CIE pointer 0x\(String(id, radix: 16)) points before the start of the section")
            }
            return header.contentStart - Int(id)
        case .debugFrame:
            if id == (header.is64Bit ? UInt64.max : 0xffff_ffff) { return nil }
            guard id < UInt64(section.count) else {
                throw cursor.error(.outOfRange, at: header.contentStart,
                                   "CIE pointer 0x\(String(id, radix: 16)) points outside the section (\(section.count) bytes)")
            }
            return Int(id)
        }
    }

    mutating func readEntries() {
        var offset = 0
        var failedCIEs: Set<Int> = []
        while offset < section.count {
            let header: Header
            do throws(ParseError) {
                header = try self.header(at: offset)
            } catch {
                problems.append(error)
                return
            }
            if header.isEmpty {
                // `.eh_frame` ends at a zero length; `.debug_frame` may carry 4-byte zero padding.
                if format == .ehFrame || header.is64Bit { return }
                offset = header.end
                continue
            }
            do throws(ParseError) {
                if let cieOffset = try cieReference(header) {
                    let cie = try self.cie(at: cieOffset, failed: &failedCIEs)
                    fdes.append(try parseFDE(header, cie: cie))
                } else if cies[header.start] == nil && !failedCIEs.contains(header.start) {
                    do throws(ParseError) {
                        cies[header.start] = try parseCIE(header)
                    } catch {
                        failedCIEs.insert(header.start)
                        throw error
                    }
                }
            } catch {
                problems.append(error)
            }
            offset = header.end
        }
    }

    /// The CIE at `offset`, read on first use (a `.debug_frame` FDE may point forward).
    mutating func cie(at offset: Int, failed: inout Set<Int>) throws(ParseError) -> CIE {
        if let cie = cies[offset] { return cie }
        if failed.contains(offset) {
            throw ParseError(.invalidValue, offset: section.fileOffset(offset), context: context,
                             "the CIE at 0x\(String(offset, radix: 16)) could not be read")
        }
        do throws(ParseError) {
            let header = try self.header(at: offset)
            guard !header.isEmpty, try cieReference(header) == nil else {
                throw ParseError(.invalidValue, offset: section.fileOffset(offset), context: context,
                                 "CIE pointer 0x\(String(offset, radix: 16)) does not point at a CIE")
            }
            let cie = try parseCIE(header)
            cies[offset] = cie
            return cie
        } catch {
            failed.insert(offset)
            throw error
        }
    }

    func parseCIE(_ header: Header) throws(ParseError) -> CIE {
        var cursor = DWARFCursor(view: section, endian: endian, offset: header.contentStart + idSize(header),
                                 limit: header.end, context: context)
        let version = try cursor.u8("CIE version")
        guard version == 1 || version == 3 || version == 4 else {
            throw cursor.error(.unsupported, at: cursor.offset - 1, "CIE version \(version) is not supported")
        }
        let augmentation = try cursor.cString("CIE augmentation")
        var cie = CIE(offset: header.start, is64Bit: header.is64Bit, version: version, augmentation: augmentation,
                      addressSize: addressSize, segmentSelectorSize: 0, codeAlignmentFactor: 1, dataAlignmentFactor: 1,
                      returnAddressRegister: 0, pointerEncoding: DWARFPointerEncoding.absptr,
                      lsdaEncoding: DWARFPointerEncoding.omit, personality: nil, isSignalFrame: false,
                      hasAugmentationData: augmentation.hasPrefix("z"), instructions: 0..<0)
        // GCC 2.x "eh": a pointer to the exception table follows the augmentation string.
        if augmentation.contains("eh") { _ = try cursor.address(size: addressSize, "eh data pointer") }
        if version >= 4 {
            let size = Int(try cursor.u8("CIE address size"))
            guard size == 2 || size == 4 || size == 8 else {
                throw cursor.error(.unsupported, at: cursor.offset - 1, "CIE address size \(size) is not supported")
            }
            cie.addressSize = size
            cie.segmentSelectorSize = Int(try cursor.u8("CIE segment selector size"))
            guard cie.segmentSelectorSize <= 8 else {
                throw cursor.error(.invalidValue, at: cursor.offset - 1, "segment selector size \(cie.segmentSelectorSize)")
            }
        }
        cie.codeAlignmentFactor = try cursor.uleb("code alignment factor")
        cie.dataAlignmentFactor = try cursor.sleb("data alignment factor")
        cie.returnAddressRegister = version == 1 ? UInt64(try cursor.u8("return address register"))
                                                 : try cursor.uleb("return address register")
        if cie.hasAugmentationData {
            let length = try cursor.uleb("augmentation data length")
            let data = try cursor.skip(length, "augmentation data")
            var aug = DWARFCursor(view: section, endian: endian, offset: data.lowerBound, limit: data.upperBound, context: context)
            for character in augmentation.utf8.dropFirst() {
                switch character {
                case UInt8(ascii: "L"): cie.lsdaEncoding = try aug.u8("LSDA encoding")
                case UInt8(ascii: "R"): cie.pointerEncoding = try aug.u8("FDE pointer encoding")
                case UInt8(ascii: "P"):
                    let encoding = try aug.u8("personality encoding")
                    cie.personality = try aug.pointer(encoding, addressSize: cie.addressSize, bases: pointerBases(),
                                                      what: "personality routine", allowIndirect: true)
                case UInt8(ascii: "S"): cie.isSignalFrame = true
                case UInt8(ascii: "B"), UInt8(ascii: "G"): break  // AArch64 BTI / MTE tagged frames
                default:
                    // Unknown letter: the augmentation data length lets us skip the rest (as libgcc does).
                    aug.offset = data.upperBound
                }
            }
        } else {
            // Without `z` only GCC's old "eh" (and `S`) can be read: the data of other letters has no known length.
            guard ["", "eh", "S", "ehS"].contains(augmentation) else {
                throw cursor.error(.unsupported, at: header.start,
                                   "CIE augmentation \"\(augmentation)\" is not supported")
            }
            if augmentation.contains("S") { cie.isSignalFrame = true }
        }
        cie.instructions = cursor.offset..<header.end
        return cie
    }

    func parseFDE(_ header: Header, cie: CIE) throws(ParseError) -> FDE {
        var cursor = DWARFCursor(view: section, endian: endian, offset: header.contentStart + idSize(header),
                                 limit: header.end, context: context)
        let initial: UInt64
        let range: UInt64
        switch format {
        case .ehFrame:
            guard let start = try cursor.pointer(cie.pointerEncoding, addressSize: cie.addressSize, bases: pointerBases(),
                                                 what: "FDE initial location") else {
                throw cursor.error(.invalidValue, "FDE pointer encoding is DW_EH_PE_omit")
            }
            initial = start
            range = try cursor.pointer(cie.pointerEncoding & 0x0f, addressSize: cie.addressSize, bases: pointerBases(),
                                       what: "FDE address range", applyRelative: false) ?? 0
        case .debugFrame:
            if cie.segmentSelectorSize > 0 { _ = try cursor.skip(UInt64(cie.segmentSelectorSize), "segment selector") }
            initial = try cursor.address(size: cie.addressSize, "FDE initial location")
            range = try cursor.address(size: cie.addressSize, "FDE address range")
        }
        var lsda: UInt64?
        if cie.hasAugmentationData {
            let length = try cursor.uleb("FDE augmentation data length")
            let data = try cursor.skip(length, "FDE augmentation data")
            if cie.lsdaEncoding != DWARFPointerEncoding.omit {
                var aug = DWARFCursor(view: section, endian: endian, offset: data.lowerBound, limit: data.upperBound, context: context)
                lsda = try? aug.pointer(cie.lsdaEncoding, addressSize: cie.addressSize, bases: pointerBases(function: initial),
                                        what: "LSDA pointer", allowIndirect: true)
            }
        }
        return FDE(offset: header.start, cieOffset: cie.offset, initialAddress: initial, addressRange: range, lsda: lsda,
                   instructions: cursor.offset..<header.end)
    }

    // MARK: - Lookup

    /// The FDE covering `address` (in the section's address space), by binary search.
    public func fde(covering address: UInt64) -> FDE? {
        var low = 0
        var high = byAddress.count
        while low < high {
            let middle = (low + high) / 2
            if fdes[byAddress[middle]].initialAddress <= address { low = middle + 1 } else { high = middle }
        }
        // `low` is the first FDE starting above `address`; look back over a few overlapping ones.
        var index = low - 1
        var looked = 0
        while index >= 0 && looked < 16 {
            let candidate = fdes[byAddress[index]]
            if candidate.covers(address) { return candidate }
            index -= 1
            looked += 1
        }
        return nil
    }
}
