import CrashpipeCore

// A reader for uploaded debug-file archives (sentry-cli's zipped dSYM folders, symbol folders
// users zip themselves). It trusts nothing in the file: every offset and size is checked before
// it is used, entry names that could escape a target folder are refused, and extraction never
// produces more than an entry's declared size (APPNOTE.TXT 6.3.10 is the format reference).

/// The limits a zip archive must fit. Sizes are bytes.
public struct ZipLimits: Sendable, Hashable {
    /// The most entries (files, directories, links) an archive may list; checked against the
    /// count in the end record before any entry is read. Default 10 000.
    public var entries: Int
    /// The most the entries' declared uncompressed sizes may add up to. Default 2 GiB.
    public var totalUncompressed: Int
    /// The largest declared uncompressed size of one entry; no extraction produces more.
    /// Default 1 GiB.
    public var perEntry: Int
    /// When set, an entry whose declared uncompressed size is more than this many times its
    /// compressed size is refused. Off by default: deflate cannot pass about 1032:1, and the
    /// size limits already bound what a bomb can cost.
    public var compressionRatio: Int?

    public init(entries: Int = 10_000, totalUncompressed: Int = 2 << 30, perEntry: Int = 1 << 30,
                compressionRatio: Int? = nil) {
        self.entries = entries
        self.totalUncompressed = totalUncompressed
        self.perEntry = perEntry
        self.compressionRatio = compressionRatio
    }

    public static let `default` = ZipLimits()
}

/// One entry of a `ZipArchive`'s central directory, validated: its name is a safe relative
/// path, its method is supported, its data lies inside the file.
public struct ZipEntry: Sendable, Hashable {
    /// Its position in `ZipArchive.entries`.
    public let index: Int
    /// The name, with `\` turned into `/`. Relative, without `..` components or NUL bytes.
    /// Decoded as UTF-8 (when flag bit 11 says so, or when the bytes are valid UTF-8), else as
    /// code page 437, as the format specifies.
    public let path: String
    /// The name ends with `/`.
    public let isDirectory: Bool
    /// A Unix symbolic link (made on Unix or macOS with the link mode bits); its content is the
    /// link target. Never followed here.
    public let isSymbolicLink: Bool
    /// 0 (stored) or 8 (deflate): the only methods an archive may use.
    public let method: UInt16
    /// The CRC-32 the extracted bytes must have.
    public let crc32: UInt32
    public let compressedSize: Int
    /// The declared size; extraction produces exactly this many bytes or fails.
    public let uncompressedSize: Int
    /// Where its local header starts.
    public let headerOffset: Int
    /// Where its data starts (after the local header, name and extra field).
    let dataOffset: Int
}

/// Why an archive or an entry was refused.
public struct ZipError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        /// The structure is broken: no end record, records cut short or outside the file, bad
        /// signatures, counts or sizes that contradict each other.
        case malformed
        /// An entry name is an absolute path, has a `..` component, a NUL byte, a drive letter,
        /// or is empty.
        case unsafePath
        /// Encryption, a compression method other than stored and deflate, a split archive.
        case unsupported
        /// More entries or bigger declared sizes than `ZipLimits` allow.
        case limitExceeded
        /// An entry's data does not match its header: deflate data that does not decode,
        /// inflates past or short of the declared size (the bomb guard), or fails its CRC-32.
        case corruptData
    }

    public var reason: Reason
    /// What is wrong, in one sentence.
    public var what: String
    /// The entry's name as it appears in the archive (control characters escaped), when the
    /// problem is one entry's.
    public var entry: String?
    /// The entry's position in the central directory.
    public var entryIndex: Int?
    /// The file offset of the record or data at fault.
    public var offset: Int?

    public init(_ reason: Reason, _ what: String, entry: String? = nil, entryIndex: Int? = nil, offset: Int? = nil) {
        self.reason = reason
        self.what = what
        self.entry = entry
        self.entryIndex = entryIndex
        self.offset = offset
    }

    /// `entry `name` at offset 1234: what`, leaving out what is not known.
    public var description: String {
        var place: [String] = []
        if let entry { place.append("entry `\(entry)`") }
        if let offset { place.append("at offset \(offset)") }
        return place.isEmpty ? what : place.joined(separator: " ") + ": " + what
    }
}

/// A zip archive held in memory, its central directory read and every entry validated up front.
///
/// Reading follows the central directory (never a scan of local headers): the end of central
/// directory record is searched backwards over the last 64 KiB + 22 bytes, ZIP64 end records and
/// zip64 extra fields are honoured (dSYMs past 4 GiB exist), and the central directory, each
/// local header and each entry's data must lie inside the file, before the central directory,
/// without two entries overlapping. Entries must be stored (0) or deflate (8), unencrypted, with
/// safe relative names, and fit the limits; `extract` verifies sizes and CRC-32. Split archives
/// are refused.
public struct ZipArchive: Sendable {
    /// The archive's bytes.
    public let bytes: [UInt8]
    /// The entries in central directory order.
    public let entries: [ZipEntry]
    public let limits: ZipLimits

    /// Whether `bytes` starts like a zip archive: a local file header (`PK\x03\x04`) or, for an
    /// archive without entries, the end of central directory record (`PK\x05\x06`).
    public static func isZip(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06])
    }

    /// Reads the central directory and validates every entry; throws on the first problem.
    public init(bytes: [UInt8], limits: ZipLimits = .default) throws(ZipError) {
        self.bytes = bytes
        self.limits = limits
        let reader = ZipReader(bytes: bytes, limits: limits)
        let directory = try reader.directory()
        entries = try reader.entries(in: directory)
    }

    /// The entry's bytes: stored data as is, deflate data inflated. Never produces more than the
    /// entry's declared size (a header that lies about it is an error, not a bomb); the result
    /// must have exactly the declared size and CRC-32.
    public func extract(_ entry: ZipEntry) throws(ZipError) -> [UInt8] {
        guard entry.index >= 0, entry.index < entries.count, entries[entry.index] == entry else {
            throw ZipError(.malformed, "the entry is not one of this archive's", entry: ZipReader.display(entry.path))
        }
        func fail(_ reason: ZipError.Reason, _ what: String) -> ZipError {
            ZipError(reason, what, entry: ZipReader.display(entry.path), entryIndex: entry.index, offset: entry.dataOffset)
        }
        let data = bytes[entry.dataOffset ..< entry.dataOffset + entry.compressedSize]
        let output: [UInt8]
        switch entry.method {
        case 0:
            output = Array(data)
        case 8 where data.isEmpty && entry.uncompressedSize == 0:
            // Some writers store an empty file as deflate with no data at all.
            output = []
        case 8:
            let cap = min(entry.uncompressedSize, limits.perEntry)
            do {
                output = try Decompression.decompress(data, codec: .deflate, maxOutput: cap)
            } catch {
                switch error.kind {
                case .tooBig:
                    throw fail(.corruptData, "inflates to more than its declared size of \(Render.size(entry.uncompressedSize)); "
                        + "inflating stopped there (a lying header, or a zip bomb)")
                case .truncated:
                    throw fail(.corruptData, "its \(Render.size(entry.compressedSize)) of deflate data end before the deflate stream does")
                case .trailing:
                    throw fail(.corruptData, "its deflate stream ends after \(error.inputOffset) of its \(Render.size(entry.compressedSize)) of data")
                case .noMemory:
                    throw fail(.limitExceeded, "there was not enough memory to inflate its declared \(Render.size(entry.uncompressedSize))")
                case .corrupt:
                    throw fail(.corruptData, "its deflate data is corrupt near byte \(error.inputOffset) of \(entry.compressedSize): \(error.message)")
                }
            }
        default:
            throw fail(.unsupported, ZipReader.methodProblem(entry.method))
        }
        if output.count != entry.uncompressedSize {
            throw fail(.corruptData, "inflates to \(Render.size(output.count)), but its header declares \(Render.size(entry.uncompressedSize))")
        }
        let crc = Decompression.crc32(output)
        if crc != entry.crc32 {
            throw fail(.corruptData, "CRC-32 mismatch: the extracted data's is \(ZipReader.hex(crc)), the header says \(ZipReader.hex(entry.crc32))")
        }
        return output
    }
}

/// The parsing behind `ZipArchive.init`.
struct ZipReader {
    let bytes: [UInt8]
    let limits: ZipLimits

    /// Where the central directory is and how many entries it holds.
    struct Directory {
        var offset: Int
        var size: Int
        var count: Int
        /// The end record (or ZIP64 end record) that follows it.
        var endOffset: Int
    }

    static let eocdSignature: UInt32 = 0x0605_4B50
    static let eocd64Signature: UInt32 = 0x0606_4B50
    static let eocd64LocatorSignature: UInt32 = 0x0706_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50

    // MARK: Little-endian fields (callers check the range first)

    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }

    /// `length` bytes at `offset` lie within `0..<end`.
    static func fits(_ offset: Int, _ length: Int, within end: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= end && length <= end - offset
    }

    static func hex(_ value: UInt32, width: Int = 8) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// A name for messages: control characters (NUL among them) escaped, cut at 200 characters.
    static func display(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if out.unicodeScalars.count >= 200 { return out + "…" }
            if scalar.properties.generalCategory == .control {
                let digits = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (digits.count < 2 ? "0" : "") + digits
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func methodProblem(_ method: UInt16) -> String {
        let names: [UInt16: String] = [1: "shrink", 2: "reduce", 3: "reduce", 4: "reduce", 5: "reduce", 6: "implode",
                                       9: "deflate64", 10: "PKWARE DCL implode", 12: "bzip2", 14: "LZMA", 18: "IBM TERSE",
                                       19: "IBM LZ77", 93: "zstd", 95: "xz", 96: "JPEG", 97: "WavPack", 98: "PPMd",
                                       99: "WinZip AES encryption"]
        let name = names[method].map { " (\($0))" } ?? ""
        return "compression method \(method)\(name) is not supported (only 0, stored, and 8, deflate, are)"
    }

    // MARK: End records

    /// Finds the end of central directory record (and the ZIP64 one when its locator is there).
    func directory() throws(ZipError) -> Directory {
        let n = bytes.count
        guard n >= 22 else {
            throw ZipError(.malformed, "the file is \(Render.size(n)): too short for a zip archive, whose end of central directory record alone is 22 bytes")
        }
        var found: Int?
        var at = n - 22
        let lowest = max(0, n - 22 - 0xFFFF)
        while at >= lowest {
            if u32(at) == Self.eocdSignature && u16(at + 20) <= n - 22 - at {
                found = at
                break
            }
            at -= 1
        }
        guard let eocd = found else {
            throw ZipError(.malformed, "no end of central directory record in the last \(min(n, 22 + 0xFFFF)) bytes: "
                + "not a zip archive, or one cut short")
        }
        var offset = UInt64(u32(eocd + 16)), size = UInt64(u32(eocd + 12)), count = UInt64(u16(eocd + 10))
        var disk = UInt64(u16(eocd + 4)), directoryDisk = UInt64(u16(eocd + 6)), countOnDisk = UInt64(u16(eocd + 8))
        var disks: UInt64 = 1
        var record = eocd

        // A ZIP64 end record, when its locator sits just before the end record, replaces the
        // end record's values (whether or not they are the all-ones placeholders).
        if eocd >= 20 && u32(eocd - 20) == Self.eocd64LocatorSignature {
            let locator = eocd - 20
            disks = UInt64(u32(locator + 16))
            let declared = u64(locator + 8)
            guard declared <= UInt64(locator), Self.fits(Int(declared), 56, within: locator) else {
                throw ZipError(.malformed, "the ZIP64 end of central directory locator points at offset \(declared), "
                    + "where no 56-byte ZIP64 end record fits before the locator", offset: locator)
            }
            record = Int(declared)
            guard u32(record) == Self.eocd64Signature else {
                throw ZipError(.malformed, "no ZIP64 end of central directory record at offset \(record), where its locator points",
                               offset: locator)
            }
            disk = UInt64(u32(record + 16))
            directoryDisk = UInt64(u32(record + 20))
            countOnDisk = u64(record + 24)
            count = u64(record + 32)
            size = u64(record + 40)
            offset = u64(record + 48)
        }
        if disk != 0 || directoryDisk != 0 || countOnDisk != count || disks > 1 {
            throw ZipError(.unsupported, "this is one part of a split (multi-disk) archive (disk \(disk), central directory on disk "
                + "\(directoryDisk), \(countOnDisk) of \(count) entries here); split archives are not supported", offset: record)
        }
        if count > UInt64(max(0, limits.entries)) {
            throw ZipError(.limitExceeded, "the archive has \(count) entries, more than the limit of \(limits.entries)", offset: record)
        }
        guard offset <= UInt64(record), size <= UInt64(record) - offset else {
            throw ZipError(.malformed, "the central directory (\(size) bytes at offset \(offset)) does not lie inside the file "
                + "before its end record at offset \(record)", offset: record)
        }
        if count > size / 46 {
            throw ZipError(.malformed, "the end record declares \(count) entries, but a central directory of \(Render.size(Int(size))) "
                + "holds at most \(size / 46) (each record takes at least 46 bytes)", offset: record)
        }
        return Directory(offset: Int(offset), size: Int(size), count: Int(count), endOffset: record)
    }

    // MARK: Central directory

    func entries(in directory: Directory) throws(ZipError) -> [ZipEntry] {
        var entries: [ZipEntry] = []
        entries.reserveCapacity(directory.count)
        let end = directory.offset + directory.size
        var at = directory.offset
        var total = 0
        for index in 0..<directory.count {
            func fail(_ reason: ZipError.Reason, _ what: String, name: String? = nil, offset: Int? = nil) -> ZipError {
                ZipError(reason, what, entry: name, entryIndex: index, offset: offset ?? at)
            }
            guard Self.fits(at, 46, within: end) else {
                throw fail(.malformed, "central directory record \(index + 1) of \(directory.count) runs past the end of the central directory at offset \(end)")
            }
            guard u32(at) == Self.centralSignature else {
                throw fail(.malformed, "no central directory record signature for entry \(index + 1) of \(directory.count)")
            }
            let madeBy = u16(at + 4), flags = u16(at + 8), method = UInt16(u16(at + 10)), crc = u32(at + 16)
            var compressed = UInt64(u32(at + 20)), uncompressed = UInt64(u32(at + 24))
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            var diskStart = UInt64(u16(at + 34))
            let externalAttributes = u32(at + 38)
            var headerOffset = UInt64(u32(at + 42))
            guard Self.fits(at, 46 + nameLength + extraLength + commentLength, within: end) else {
                throw fail(.malformed, "the central directory record's name (\(nameLength) bytes), extra field (\(extraLength)) and comment "
                    + "(\(commentLength)) run past the end of the central directory at offset \(end)")
            }
            let nameBytes = bytes[(at + 46) ..< (at + 46 + nameLength)]
            let rawName = String(decoding: nameBytes, as: UTF8.self)
            let shown = Self.display(rawName)

            // The name, first: an unsafe name is reported as such whatever else is wrong.
            if nameBytes.contains(0) {
                throw fail(.unsafePath, "the name contains a NUL byte", name: shown)
            }
            let decoded: String
            if let utf8 = String(validating: nameBytes, as: UTF8.self) {
                decoded = utf8
            } else if flags & 0x800 != 0 {
                throw fail(.malformed, "the name is not valid UTF-8, though flag bit 11 says it is", name: shown)
            } else {
                decoded = String(String.UnicodeScalarView(nameBytes.map { Self.cp437($0) }))
            }
            let path = String(String.UnicodeScalarView(decoded.unicodeScalars.map { $0 == "\\" ? "/" : $0 }))
            let name = Self.display(decoded)
            if let problem = Self.pathProblem(path) {
                throw fail(.unsafePath, problem, name: name)
            }

            // zip64 extra field: the 64-bit values of the fields set to all ones, in this order.
            let extraStart = at + 46 + nameLength
            var field = extraStart
            while field + 4 <= extraStart + extraLength {
                let id = u16(field), size = u16(field + 2)
                guard size <= extraStart + extraLength - field - 4 else { break }
                if id == 0x0001 {
                    var value = field + 4
                    let valueEnd = value + size
                    func next(_ width: Int, _ what: String) throws(ZipError) -> UInt64 {
                        guard value + width <= valueEnd else {
                            throw fail(.malformed, "the zip64 extra field (\(size) bytes) is too short to hold the \(what)", name: name)
                        }
                        defer { value += width }
                        return width == 8 ? u64(value) : UInt64(u32(value))
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next(8, "uncompressed size") }
                    if compressed == 0xFFFF_FFFF { compressed = try next(8, "compressed size") }
                    if headerOffset == 0xFFFF_FFFF { headerOffset = try next(8, "local header offset") }
                    if diskStart == 0xFFFF { diskStart = try next(4, "disk number") }
                    break
                }
                field += 4 + size
            }
            if diskStart != 0 {
                throw fail(.unsupported, "the entry starts on disk \(diskStart) of a split archive; split archives are not supported", name: name)
            }

            // What the entry is and whether it can be extracted.
            if flags & 0x41 != 0 {
                throw fail(.unsupported, "the entry is encrypted (flag bits \(ZipReader.hex(UInt32(flags), width: 4))); encrypted entries are not supported",
                           name: name)
            }
            if method != 0 && method != 8 {
                throw fail(.unsupported, Self.methodProblem(method), name: name)
            }
            let bound = UInt64(Int.max)
            guard compressed <= bound, uncompressed <= bound, headerOffset <= bound else {
                throw fail(.malformed, "sizes or offset past 2^63: compressed \(compressed), uncompressed \(uncompressed), local header at \(headerOffset)",
                           name: name)
            }
            let compressedSize = Int(compressed), uncompressedSize = Int(uncompressed)
            if method == 0 && compressedSize != uncompressedSize {
                throw fail(.malformed, "the entry is stored, yet its compressed size \(compressedSize) differs from its uncompressed size \(uncompressedSize)",
                           name: name)
            }
            if uncompressedSize > limits.perEntry {
                throw fail(.limitExceeded, "declares \(Render.size(uncompressedSize)), more than the per-entry limit of \(Render.size(limits.perEntry))",
                           name: name)
            }
            if let ratio = limits.compressionRatio, uncompressedSize > 0 {
                let (most, overflow) = compressedSize.multipliedReportingOverflow(by: max(0, ratio))
                if !overflow && uncompressedSize > most {
                    throw fail(.limitExceeded, "declares \(Render.size(uncompressedSize)) from \(Render.size(compressedSize)), "
                        + "more than the compression ratio limit of \(ratio):1", name: name)
                }
            }
            let (sum, overflow) = total.addingReportingOverflow(uncompressedSize)
            if overflow || sum > limits.totalUncompressed {
                throw fail(.limitExceeded, "with this entry the declared uncompressed sizes add up to more than the limit of "
                    + "\(Render.size(limits.totalUncompressed))", name: name)
            }
            total = sum

            // The local header and the data, before the central directory.
            let local = Int(headerOffset)
            guard Self.fits(local, 30, within: directory.offset) else {
                throw fail(.malformed, "its local header offset \(local) is outside the entry data (offsets 0 to \(directory.offset), "
                    + "where the central directory starts)", name: name)
            }
            guard u32(local) == Self.localSignature else {
                throw fail(.malformed, "no local header signature at offset \(local), where the central directory says the entry starts",
                           name: name, offset: local)
            }
            let localFlags = u16(local + 6), localMethod = UInt16(u16(local + 8))
            let localName = u16(local + 26), localExtra = u16(local + 28)
            guard Self.fits(local, 30 + localName + localExtra, within: directory.offset) else {
                throw fail(.malformed, "the local header's name (\(localName) bytes) and extra field (\(localExtra) bytes) run past "
                    + "the start of the central directory at offset \(directory.offset)", name: name, offset: local)
            }
            if localMethod != method || localFlags & 0x41 != 0 {
                throw fail(.malformed, "the local header (method \(localMethod), flags \(Self.hex(UInt32(localFlags), width: 4))) contradicts the "
                    + "central directory (method \(method), flags \(Self.hex(UInt32(flags), width: 4)))", name: name, offset: local)
            }
            let dataOffset = local + 30 + localName + localExtra
            guard Self.fits(dataOffset, compressedSize, within: directory.offset) else {
                throw fail(.malformed, "its \(Render.size(compressedSize)) of data at offset \(dataOffset) run past the start of the "
                    + "central directory at offset \(directory.offset)", name: name, offset: dataOffset)
            }

            // Unix (3) and OS X (19) writers keep the mode in the high half of the external attributes.
            let host = madeBy >> 8
            let isLink = (host == 3 || host == 19) && (externalAttributes >> 16) & 0o170000 == 0o120000
            entries.append(ZipEntry(index: index, path: path, isDirectory: path.hasSuffix("/"), isSymbolicLink: isLink,
                                    method: method, crc32: crc, compressedSize: compressedSize,
                                    uncompressedSize: uncompressedSize, headerOffset: local, dataOffset: dataOffset))
            at += 46 + nameLength + extraLength + commentLength
        }
        if at != end {
            throw ZipError(.malformed, "the central directory has \(end - at) bytes after its \(directory.count) declared entries",
                           offset: at)
        }
        try Self.checkNoOverlap(entries)
        return entries
    }

    /// No two entries share bytes (local header through data). Overlapping entries are how a
    /// non-recursive zip bomb repeats one small deflate stream many times; no writer makes them.
    static func checkNoOverlap(_ entries: [ZipEntry]) throws(ZipError) {
        let ordered = entries.sorted { ($0.headerOffset, $0.index) < ($1.headerOffset, $1.index) }
        for (previous, entry) in zip(ordered, ordered.dropFirst()) where entry.headerOffset < previous.dataOffset + previous.compressedSize {
            throw ZipError(.malformed, "its local header at offset \(entry.headerOffset) lies inside entry `\(display(previous.path))` "
                + "(offsets \(previous.headerOffset) to \(previous.dataOffset + previous.compressedSize)): entries overlap",
                entry: display(entry.path), entryIndex: entry.index, offset: entry.headerOffset)
        }
    }

    /// Why `path` (a name with `\\` turned into `/`) is not a safe relative path, or nil.
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "the name is empty" }
        if path.hasPrefix("/") { return "the name is an absolute path" }
        let head = Array(path.unicodeScalars.prefix(2))
        if head.count == 2 && head[1] == ":" && head[0].isASCII && head[0].properties.isAlphabetic {
            return "the name starts with a drive letter"
        }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            return "the name has a `..` component"
        }
        return nil
    }

    /// Code page 437, the encoding of names without flag bit 11 that are not UTF-8.
    static func cp437(_ byte: UInt8) -> Unicode.Scalar {
        if byte < 0x80 { return Unicode.Scalar(byte) }
        let high: [UInt16] = [
            0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
            0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
            0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
            0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
            0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
            0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
            0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
            0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
        ]
        return Unicode.Scalar(high[Int(byte) - 0x80]) ?? "?"
    }
}
