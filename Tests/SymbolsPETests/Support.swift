import Bundled
import CrashpipeCore
import SymbolsPE
import TestSupport
import Testing

/// The fixtures these tests read, relative to `Tests/Fixtures`.
enum Files {
    static let crashExe = "symbolic/debug-files/windows/crash.exe"
    static let crashWithExceptionExe = "symbolic/debug-files/windows/CrashWithException.exe"
    static let crashPdb = "symbolic/debug-files/windows/crash.pdb"
    static let crashWithExceptionPdb = "symbolic/debug-files/windows/CrashWithException.pdb"
    static let arm64Exe = "symbolic/debug-files/windows/arm64/test.exe"
    static let peOnlyDll = "breakpad/dump_syms/windows/pe_only_symbol_test.dll"
    static let dwarf32Dll = "dump_syms/windows/basic32-dwarf.dll"
    static let dwarf64Dll = "dump_syms/windows/basic64-dwarf.dll"
    static let sigsegvPdb = "lldb/debug-files/sigsegv.pdb"

    static let pe = [crashExe, crashWithExceptionExe, arm64Exe, peOnlyDll, dwarf32Dll, dwarf64Dll]
    static let pdb = [crashPdb, crashWithExceptionPdb, sigsegvPdb]
}

/// What one object is expected to be, in the terms symbolic and sentry-cli print.
struct Expected: Sendable, CustomStringConvertible {
    var format: String
    var kind: String?
    var arch: String
    /// `uuid-age` (age in hex, always present), or nil for no debug id.
    var debugId: String?
    var codeId: String?
    var debugFile: String?
    var loadAddress: UInt64
    var hasSymbols: Bool
    var hasDebugInfo: Bool
    var hasUnwindInfo: Bool

    var description: String { "\(format) \(arch) \(debugId ?? "-")" }
}

/// The debug id as symbolic's test snapshots print it: dashed UUID, then `-age` always.
func uuidAge(_ id: DebugId) -> String {
    id.age == 0 ? id.dashed + "-0" : id.dashed
}

/// Reads `path` with the format that claims it in the bundled registry.
func inspect(_ relative: String) throws -> InspectedDebugFile {
    let bytes = try Fixtures.bytes(relative)
    let registry = try Bundled.registry()
    return try #require(try registry.inspectDebugFile(ByteView(bytes)), "no format recognizes \(relative)")
}

/// Checks every field of `object` against `expected`.
func check(_ object: DebugObject, _ expected: Expected, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(object.format == expected.format, "\(name) format", sourceLocation: sourceLocation)
    #expect(object.kind == expected.kind, "\(name) kind", sourceLocation: sourceLocation)
    #expect(object.arch == expected.arch, "\(name) arch", sourceLocation: sourceLocation)
    #expect(object.debugId.map(uuidAge) == expected.debugId, "\(name) debug id", sourceLocation: sourceLocation)
    if let text = expected.debugId {
        #expect(object.debugId == DebugId(text), "\(name) debug id parses to the same value", sourceLocation: sourceLocation)
    }
    #expect(object.codeId?.value == expected.codeId, "\(name) code id", sourceLocation: sourceLocation)
    #expect(object.debugFile == expected.debugFile, "\(name) debug file", sourceLocation: sourceLocation)
    #expect(object.loadAddress == expected.loadAddress, "\(name) load address", sourceLocation: sourceLocation)
    #expect(object.features.contains(.symtab) == expected.hasSymbols, "\(name) has_symbols", sourceLocation: sourceLocation)
    #expect(object.features.contains(.debug) == expected.hasDebugInfo, "\(name) has_debug_info", sourceLocation: sourceLocation)
    #expect(object.features.contains(.unwind) == expected.hasUnwindInfo, "\(name) has_unwind_info", sourceLocation: sourceLocation)
    #expect(!object.features.contains(.sources), "\(name) has_sources", sourceLocation: sourceLocation)
}

/// Runs `body` and returns the ParseError it throws; records an issue when it returns or throws
/// something else.
func parseError(_ sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) -> ParseError? {
    do {
        let value = try body()
        Issue.record("expected a ParseError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as ParseError {
        return error
    } catch {
        Issue.record("expected a ParseError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

// MARK: - Little-endian patching

extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }

    mutating func put16(_ value: UInt16, at: Int) {
        self[at] = UInt8(value & 0xff)
        self[at + 1] = UInt8(value >> 8)
    }

    mutating func put32(_ value: UInt32, at: Int) {
        put16(UInt16(value & 0xffff), at: at)
        put16(UInt16(value >> 16), at: at + 2)
    }
}

/// Offsets in a PE image, found the simple way (for patching fixtures in tests).
struct PELayout {
    let bytes: [UInt8]
    var peOffset: Int { Int(bytes.u32(0x3c)) }
    var coffOffset: Int { peOffset + 4 }
    var optionalOffset: Int { peOffset + 24 }
    var isPE32Plus: Bool { bytes.u16(optionalOffset) == 0x20b }
    var sizeOfOptionalHeader: Int { Int(bytes.u16(coffOffset + 16)) }
    var sectionTableOffset: Int { optionalOffset + sizeOfOptionalHeader }
    var sectionCount: Int { Int(bytes.u16(coffOffset + 2)) }
    /// The file offset of data directory entry `index`.
    func directoryEntry(_ index: Int) -> Int { optionalOffset + (isPE32Plus ? 112 : 96) + index * 8 }
    func sectionHeader(_ index: Int) -> Int { sectionTableOffset + index * 40 }

    func fileOffset(ofRVA rva: UInt32) -> Int? {
        for index in 0..<sectionCount {
            let header = sectionHeader(index)
            let address = bytes.u32(header + 12)
            let size = Swift.max(bytes.u32(header + 8), bytes.u32(header + 16))
            if rva >= address && rva < address + size { return Int(bytes.u32(header + 20) + (rva - address)) }
        }
        return nil
    }

    /// The file offset of debug directory entry `index`.
    func debugEntry(_ index: Int) -> Int { fileOffset(ofRVA: bytes.u32(directoryEntry(6)))! + index * 28 }
}

func pe(_ relative: String) throws -> [UInt8] { try Fixtures.bytes(relative) }

func object(_ bytes: [UInt8]) throws -> DebugObject {
    let objects = try PEDebugFileFormat().objects(in: ByteView(bytes))
    try #require(objects.count == 1)
    return objects[0]
}

func pdbObject(_ bytes: [UInt8]) throws -> DebugObject {
    let objects = try PDBDebugFileFormat().objects(in: ByteView(bytes))
    try #require(objects.count == 1)
    return objects[0]
}

/// Reads an image whose debug or exception directory is broken: the object is still listed
/// (the same by `objects(in:)` and `inspect(_:)`), and the one problem says what and where.
func lenient(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> (object: DebugObject, problem: ParseError) {
    let (object, problems) = try PEDebugFileFormat().inspect(ByteView(bytes))
    #expect(try PEDebugFileFormat().objects(in: ByteView(bytes)) == [object], sourceLocation: sourceLocation)
    try #require(problems.count == 1, "problems: \(problems)", sourceLocation: sourceLocation)
    return (object, problems[0])
}
