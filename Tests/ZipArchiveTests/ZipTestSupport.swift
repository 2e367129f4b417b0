import CIngestTestCodecs
@testable import CrashpipeIngest
import TestSupport
import Testing

/// The fixtures in `Tests/Fixtures/crashpipe/zip/` (made by `make-fixtures.py` there).
enum ZipFixture: String, CaseIterable, CustomStringConvertible {
    case stored, deflated, zip64, descriptor, empty, infozip

    var bytes: [UInt8] { try! Fixtures.bytes("crashpipe/zip/\(rawValue).zip") }
    var description: String { rawValue + ".zip" }

    /// Every entry in central directory order: path, content, whether it is a directory.
    var expected: [(path: String, content: [UInt8], isDirectory: Bool)] {
        typealias C = ZipFixtureContent
        switch self {
        case .stored:
            return [("README.txt", C.readme, false), ("bin/", [], true), ("bin/data.bin", C.data, false),
                    ("empty.txt", [], false), ("bin/deep/x.sym", C.sym, false)]
        case .deflated:
            return [("App.dSYM/", [], true), ("App.dSYM/Contents/", [], true), ("App.dSYM/Contents/Info.plist", C.plist, false),
                    ("App.dSYM/Contents/Resources/DWARF/App", C.dwarf, false), ("empty", [], false), ("Résumé.txt", C.resume, false)]
        case .zip64:
            return [("README.txt", C.readme, false), ("bin/data.bin", C.data, false),
                    ("App.dSYM/Contents/Resources/DWARF/App", C.dwarf, false)]
        case .descriptor:
            return [("README.txt", C.readme, false), ("bin/data.bin", C.data, false), ("App.dSYM/Contents/Info.plist", C.plist, false)]
        case .empty:
            return []
        case .infozip:
            return [("symbols/README.txt", C.readme, false), ("symbols/x.so/x.sym", C.sym, false),
                    ("symbols/latest.sym", Array("x.so/x.sym".utf8), false), ("symbols/x.so/", [], true)]
        }
    }
}

/// The entry contents `make-fixtures.py` writes, rebuilt the same way.
enum ZipFixtureContent {
    static let readme = Array("crashpipe zip fixture\nline two\n".utf8)
    static let data = (0...255).map { UInt8($0) }
    static let sym = Array("MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 x.so\nFUNC 1000 10 0 main\n".utf8)
    static let plist: [UInt8] = {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n"
        for i in 0..<40 { text += "  <key>Key\(i)</key><string>Value \(i * i)</string>\n" }
        return Array((text + "</dict></plist>\n").utf8)
    }()
    static let dwarf = (0..<20000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 13) }
    static let resume = Array("Résumé: ünïcödé name\n".utf8)

    /// CRC-32s as Python's zipfile computed them (`unzip -v` lists the same).
    static let crcs: [String: UInt32] = [
        "README.txt": 0xC692_1754, "bin/data.bin": 0x2905_8C73, "App.dSYM/Contents/Info.plist": 0x4FD2_AFF8,
        "App.dSYM/Contents/Resources/DWARF/App": 0xE9B1_EB3B, "bin/deep/x.sym": 0x4E66_FBB4, "Résumé.txt": 0x7A8C_5FF5,
    ]
}

// MARK: Editing archives

/// Offsets of records in an archive, found by signature (independently of the reader).
enum Locate {
    static func all(_ signature: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard bytes.count >= signature.count else { return [] }
        return (0...(bytes.count - signature.count)).filter { Array(bytes[$0 ..< $0 + signature.count]) == signature }
    }

    /// The end of central directory record.
    static func eocd(_ bytes: [UInt8]) -> Int { all([0x50, 0x4B, 0x05, 0x06], in: bytes).last! }

    /// The ZIP64 end of central directory record.
    static func eocd64(_ bytes: [UInt8]) -> Int { all([0x50, 0x4B, 0x06, 0x06], in: bytes).last! }

    /// The central directory record of the entry named `name`.
    static func central(_ name: String, in bytes: [UInt8]) -> Int {
        all([0x50, 0x4B, 0x01, 0x02], in: bytes).first { at in
            let length = Int(bytes[at + 28]) | Int(bytes[at + 29]) << 8
            return Array(bytes[(at + 46) ..< (at + 46 + length)]) == Array(name.utf8)
        }!
    }

    /// The local header of the entry named `name`.
    static func local(_ name: String, in bytes: [UInt8]) -> Int {
        all([0x50, 0x4B, 0x03, 0x04], in: bytes).first { at in
            let length = Int(bytes[at + 26]) | Int(bytes[at + 27]) << 8
            return Array(bytes[(at + 30) ..< (at + 30 + length)]) == Array(name.utf8)
        }!
    }
}

extension Array where Element == UInt8 {
    func u16(_ at: Int) -> Int { Int(self[at]) | Int(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }

    mutating func put16(_ at: Int, _ value: Int) {
        self[at] = UInt8(truncatingIfNeeded: value)
        self[at + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    mutating func put32(_ at: Int, _ value: UInt32) {
        for i in 0..<4 { self[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    mutating func put64(_ at: Int, _ value: UInt64) {
        for i in 0..<8 { self[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}

/// The archive with `edit` applied.
func edited(_ fixture: ZipFixture, _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
    var bytes = fixture.bytes
    edit(&bytes)
    return bytes
}

/// The error `body` throws (an issue is recorded when it throws none).
func zipError(_ body: () throws(ZipError) -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> ZipError? {
    do {
        try body()
        Issue.record("no error was thrown", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The error opening `bytes` throws.
func openError(_ bytes: [UInt8], limits: ZipLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) -> ZipError? {
    zipError({ () throws(ZipError) in _ = try ZipArchive(bytes: bytes, limits: limits) }, sourceLocation: sourceLocation)
}

/// The error extracting the entry `path` of `bytes` throws (the archive itself must open).
func extractError(_ bytes: [UInt8], _ path: String, limits: ZipLimits = .default,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> ZipError? {
    let archive = try ZipArchive(bytes: bytes, limits: limits)
    let entry = try #require(archive.entries.first { $0.path == path }, sourceLocation: sourceLocation)
    return zipError({ () throws(ZipError) in _ = try archive.extract(entry) }, sourceLocation: sourceLocation)
}

// MARK: Writing archives

/// A table-driven CRC-32 (the zip polynomial), independent of the reader's zlib one.
func testCRC32(_ bytes: [UInt8]) -> UInt32 {
    let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

/// Raw deflate (zlib, level 6) from the test-only shim.
func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    let rc = bytes.withUnsafeBufferPointer {
        cingest_test_compress(Int32(CINGEST_TEST_DEFLATE_RAW.rawValue), $0.baseAddress, $0.count, &out, &size)
    }
    precondition(rc == 0, "compression failed")
    defer { cingest_test_free(out) }
    return Array(UnsafeBufferPointer(start: out, count: size))
}

/// Writes a plain (non-ZIP64) archive entry by entry, with any name and any declared size.
struct ZipBuilder {
    struct Entry {
        var name: [UInt8]
        var method: Int
        var data: [UInt8]
        var crc: UInt32
        var uncompressedSize: Int
    }

    var entries: [Entry] = []

    /// Adds `content`, stored or deflated, declaring `declaredSize` (default: the true size).
    mutating func add(_ name: String, _ content: [UInt8], deflate: Bool = true, declaredSize: Int? = nil) {
        add(name: Array(name.utf8), content, deflate: deflate, declaredSize: declaredSize)
    }

    mutating func add(name: [UInt8], _ content: [UInt8], deflate: Bool = true, declaredSize: Int? = nil) {
        entries.append(Entry(name: name, method: deflate ? 8 : 0, data: deflate ? rawDeflate(content) : content,
                             crc: testCRC32(content), uncompressedSize: declaredSize ?? content.count))
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le(_ value: Int, _ width: Int, into buffer: inout [UInt8]) {
            for i in 0..<width { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
        }
        for entry in entries {
            let offset = out.count
            le(0x0403_4B50, 4, into: &out)
            le(20, 2, into: &out); le(0, 2, into: &out); le(entry.method, 2, into: &out)
            le(0, 4, into: &out)  // time, date
            le(Int(entry.crc), 4, into: &out); le(entry.data.count, 4, into: &out); le(entry.uncompressedSize, 4, into: &out)
            le(entry.name.count, 2, into: &out); le(0, 2, into: &out)
            out += entry.name
            out += entry.data

            le(0x0201_4B50, 4, into: &central)
            le(0x0314, 2, into: &central); le(20, 2, into: &central); le(0, 2, into: &central); le(entry.method, 2, into: &central)
            le(0, 4, into: &central)
            le(Int(entry.crc), 4, into: &central); le(entry.data.count, 4, into: &central); le(entry.uncompressedSize, 4, into: &central)
            le(entry.name.count, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central)
            le(0, 2, into: &central); le(0, 2, into: &central); le(0o100644 << 16, 4, into: &central)
            le(offset, 4, into: &central)
            central += entry.name
        }
        let directoryOffset = out.count
        out += central
        le(0x0605_4B50, 4, into: &out)
        le(0, 2, into: &out); le(0, 2, into: &out)
        le(entries.count, 2, into: &out); le(entries.count, 2, into: &out)
        le(central.count, 4, into: &out); le(directoryOffset, 4, into: &out)
        le(0, 2, into: &out)
        return out
    }
}
