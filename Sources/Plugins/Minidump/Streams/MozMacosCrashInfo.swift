import CrashpipeCore

/// MINIDUMP_MAC_CRASH_INFO (Mozilla stream 0x4d7a0001): the `__DATA,__crash_info` records
/// (CrashReporterClient.h `crashreporter_annotations_t`) of the macOS modules that had one:
/// abort messages, signatures and backtraces that libraries leave for the crash reporter.
///
/// Layout: u32 stream type, u32 record count, u32 record_start_size (where the strings start
/// in each record), then 20 location descriptors. Each record: u64 stream type, u64 version;
/// version 4 adds u64 thread and dialog mode, version 5 abort cause; at record_start_size come
/// NUL-terminated strings (version 4 and up: module path, message, signature, backtrace,
/// message2, each at most 8 KiB). The count is cut to the 20 slots and to the stream's length
/// before anything is allocated; a record that cannot be read is a problem of that record.
/// Fills notes only.
public struct MozMacosCrashInfo: MinidumpStream {
    public static let streamType = StreamType.mozMacosCrashInfo
    /// rust-minidump's MAC_CRASH_INFOS_MAX: the header has room for this many records.
    static let maxRecords = 20
    /// rust-minidump's MAC_CRASH_INFO_STRING_MAX_SIZE.
    static let maxStringSize = 8192
    static let stringNames = ["module_path", "message", "signature_string", "backtrace", "message2"]

    public struct Record: Sendable, Encodable {
        @Hex public var rva: UInt32
        public var size: UInt32
        @Hex public var streamType: UInt64
        public var version: UInt64
        @OptionalHex public var thread: UInt64?
        @OptionalHex public var dialogMode: UInt64?
        @OptionalHex public var abortCause: UInt64?
        public var modulePath: String?
        public var message: String?
        public var signatureString: String?
        public var backtrace: String?
        public var message2: String?
        public var problems: [String]

        mutating func setString(_ index: Int, _ value: String) {
            switch index {
            case 0: modulePath = value
            case 1: message = value
            case 2: signatureString = value
            case 3: backtrace = value
            default: message2 = value
            }
        }
    }

    @Hex public var headerStreamType: UInt32
    public var recordCount: UInt32
    public var recordStartSize: UInt32
    public var records: [Record]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "MozMacosCrashInfo stream")
        let headerType = try r.u32()
        headerStreamType = headerType
        recordCount = try r.u32()
        recordStartSize = try r.u32()
        warnings = []
        if headerType != Self.streamType.rawValue {
            warnings.append("header names stream type \(formatHex(headerType))")
        }
        var count = Int(recordCount)
        if count > Self.maxRecords {
            warnings.append("record count is \(recordCount) but the header has room for \(Self.maxRecords); reading \(Self.maxRecords)")
            count = Self.maxRecords
        }
        let fits = r.remaining / 8
        if count > fits {
            warnings.append("record count is \(min(Int(recordCount), Self.maxRecords)) but the stream holds only \(fits) record locations; reading \(fits)")
            count = fits
        }
        records = []
        records.reserveCapacity(count)
        var firstVersion: UInt64?
        for index in 0..<count {
            let size = try r.u32(), rva = try r.u32()
            let record = Self.record(dump, size: size, rva: rva, stringsStart: Int(recordStartSize))
            if let firstVersion, firstVersion != record.version, record.problems.isEmpty {
                warnings.append("record \(index) has version \(record.version), record 0 has \(firstVersion); they share one string offset")
            }
            if firstVersion == nil { firstVersion = record.version }
            records.append(record)
        }
    }

    static func record(_ dump: MinidumpFile, size: UInt32, rva: UInt32, stringsStart: Int) -> Record {
        var record = Record(rva: rva, size: size, streamType: 0, version: 0, problems: [])
        do {
            let data = try dump.location(size: size, rva: rva, what: "crash info record")
            var r = dump.reader(data, context: "crash info record")
            record.streamType = try r.u64()
            record.version = try r.u64()
            if record.version >= 4 {
                record.thread = try r.u64()
                record.dialogMode = try r.u64()
            }
            if record.version >= 5 { record.abortCause = try r.u64() }
            guard record.version >= 4 else { return record }
            guard r.offset <= stringsStart else {
                record.problems.append("record_start_size \(stringsStart) is inside the version \(record.version) fields")
                return record
            }
            var offset = stringsStart
            for index in 0..<stringNames.count {
                guard offset < data.count else {
                    record.problems.append("record ends before its \(stringNames[index])")
                    break
                }
                var end = offset
                while end < data.count, end - offset < maxStringSize, data[safe: end] != 0 { end += 1 }
                guard end < data.count, data[safe: end] == 0 else {
                    record.problems.append("\(stringNames[index]) has no terminator within \(maxStringSize) bytes")
                    break
                }
                record.setString(index, StreamStrings.text(try data.slice(offset: offset, size: end - offset)))
                offset = end + 1
            }
        } catch {
            record.problems.append("\(error)")
        }
        return record
    }

    public var problems: [String] {
        records.enumerated().flatMap { i, rec in rec.problems.map { "record \(i): \($0)" } }
    }

    /// In the layout of rust-minidump's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        out.line("MINIDUMP_MAC_CRASH_INFO")
        out.line("  num_records = \(records.count)")
        for (i, rec) in records.enumerated() {
            out.line()
            var fields: [(String, String)] = [
                ("version", "\(rec.version)"),
                ("thread", rec.thread.map { "\($0)" } ?? ""),
                ("dialog_mode", rec.dialogMode.map { String($0, radix: 16) } ?? ""),
                ("module_path", rec.modulePath ?? ""),
                ("message", rec.message ?? ""),
                ("signature_string", rec.signatureString ?? ""),
                ("backtrace", rec.backtrace ?? ""),
                ("message2", rec.message2 ?? ""),
                ("abort_cause", rec.abortCause.map { String($0, radix: 16) } ?? ""),
            ]
            for problem in rec.problems { fields.append(("(problem)", problem)) }
            out.line("  RECORD[\(i)]")
            for (key, value) in fields { out.line("    " + DumpPrinter.column(key, 18) + "= " + value) }
        }
        for warning in warnings { out.line("  (problem) = \(warning)") }
        out.line()
    }
}

/// MINIDUMP_MAC_BOOTARGS (Mozilla stream 0x4d7a0002): the kernel's boot arguments.
///
/// Layout: u32 stream type and the RVA64 of a MINIDUMP_STRING, packed (12 bytes) as
/// rust-minidump reads it; when that RVA does not lead to a string and the stream is long enough
/// for a naturally aligned u64, the RVA at offset 8 is tried. Fills notes only.
public struct MozMacosBootargs: MinidumpStream {
    public static let streamType = StreamType.mozMacosBootargs

    @Hex public var headerStreamType: UInt32
    @Hex public var bootargsRva: UInt64
    public var bootargs: String?
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "MozMacosBootargs stream")
        headerStreamType = try r.u32()
        bootargsRva = try r.u64()
        warnings = []
        do {
            bootargs = try StreamStrings.string(in: dump, atRVA64: bootargsRva, fieldOffset: data.fileOffset(4), what: "boot args")
        } catch {
            if data.count >= 16, let aligned = try? data.u64(at: 8, dump.endian),
               let text = try? StreamStrings.string(in: dump, atRVA64: aligned, fieldOffset: data.fileOffset(8),
                                                    what: "boot args") {
                bootargsRva = aligned
                bootargs = text
                warnings.append("boot args RVA read at offset 8 (naturally aligned layout)")
            } else {
                warnings.append("boot args: \(error)")
            }
        }
    }

    /// rust-minidump's minidump_dump line.
    public func dump(to out: inout DumpPrinter) {
        out.line("mac_boot_args = \(bootargs ?? "")")
        out.line()
    }
}
