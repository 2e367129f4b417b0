import CrashpipeCore

/// Strings and identifiers as the extension streams store them: MINIDUMP_STRINGs behind 64-bit
/// RVAs, fixed-size UTF-16 arrays, NUL-terminated text and GUIDs in the dump's byte order.
enum StreamStrings {
    /// A MINIDUMP_STRING behind an RVA64 (thread names, macOS boot args). Dumps are at most 4 GiB
    /// in practice, so an RVA beyond 32 bits is out of range; the error then names `fieldOffset`,
    /// where the RVA was read.
    static func string(in dump: MinidumpFile, atRVA64 rva: UInt64, fieldOffset: Int, what: String) throws(ParseError) -> String {
        guard let small = UInt32(exactly: rva) else {
            throw ParseError(.outOfRange, offset: fieldOffset, context: what,
                             "RVA 0x\(String(rva, radix: 16)) is beyond the 4 GiB a minidump can address")
        }
        return try dump.string(at: small, what: what)
    }

    /// `units` UTF-16 code units read in the reader's byte order, cut at the first NUL.
    static func fixedUTF16(_ r: inout ByteReader, units: Int) throws(ParseError) -> String {
        let text = try r.view.utf16String(at: r.offset, units: units, endian: r.endian, stopAtNul: true)
        try r.skip(units * 2)
        return text
    }

    /// UTF-16 code units filling `view` in `endian` order, cut at the first NUL.
    static func utf16(_ view: ByteView, endian: Endian) -> String {
        var r = ByteReader(view, endian: endian)
        return (try? fixedUTF16(&r, units: view.count / 2)) ?? ""
    }

    /// The bytes of `view` up to the first NUL (or all of them), as UTF-8 with invalid sequences
    /// replaced.
    static func text(_ view: ByteView) -> String {
        (try? view.cString()) ?? ""
    }

    /// All bytes of `view` as UTF-8 with invalid sequences replaced; NULs are kept.
    static func fullText(_ view: ByteView) -> String {
        view.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// A GUID (u32, u16, u16 in the reader's byte order, then 8 bytes) as lower-case
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the way Breakpad prints Crashpad ids.
    static func guid(_ r: inout ByteReader) throws(ParseError) -> String {
        let data1 = try r.u32(), data2 = try r.u16(), data3 = try r.u16()
        let data4 = try r.bytes(8)
        func digits<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(data1, 8) + "-" + digits(data2, 4) + "-" + digits(data3, 4) + "-"
            + hexDigits(data4.prefix(2), uppercase: false) + "-" + hexDigits(data4.suffix(6), uppercase: false)
    }
}

extension DumpPrinter {
    /// `key` padded with spaces to `width`, for blocks that Breakpad prints with a fixed column
    /// rather than one fitted to the longest key.
    static func column(_ key: String, _ width: Int) -> String {
        key + String(repeating: " ", count: max(0, width - key.count))
    }

    /// A stream Breakpad's minidump_dump prints raw (`DumpRawStream`): a title, the bytes as text
    /// with each NUL shown as `\0` and a line break, then a blank line.
    mutating func rawStream(_ breakpadName: String, _ data: ByteView) {
        line("Stream \(breakpadName):")
        if data.isEmpty {
            line()
            return
        }
        var text = ""
        var start = 0
        data.withUnsafeBytes { raw in
            while start < raw.count {
                var end = start
                while end < raw.count, raw[end] != 0 { end += 1 }
                text += String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
                if end == raw.count { break }
                text += "\\0\n"
                start = end + 1
            }
        }
        line(text)
        line()
    }
}
