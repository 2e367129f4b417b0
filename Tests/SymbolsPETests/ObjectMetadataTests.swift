import Bundled
import CrashpipeCore
import Foundation
import SymbolsPE
import TestSupport
import Testing

/// What the formats report for real files, field by field, against symbolic's test assertions
/// (`symbolic/expected/object_metadata.json`) and, for files symbolic's tests do not cover,
/// against `sentry-cli debug-files check` (3.8.2, symbolic inside) with the load address and
/// PDB path from `llvm-readobj --file-headers --coff-debug-directory`.
struct ObjectMetadataTests {
    /// The files `object_metadata.json` describes that these formats read.
    static let symbolicFiles = [Files.crashExe, Files.crashWithExceptionExe, Files.crashPdb]

    /// Reads an entry of `object_metadata.json` ("debug-files/windows/crash.exe" keys).
    static func expected(_ relative: String) throws -> Expected {
        let json = try #require(try Fixtures.json("symbolic/expected/object_metadata.json") as? [String: Any])
        let objects = try #require(json["objects"] as? [String: Any])
        let key = String(relative.dropFirst("symbolic/".count))
        let entry = try #require(objects[key] as? [String: Any], "no entry \(key)")
        let load = try #require(entry["load_address"] as? String)
        return Expected(
            format: try #require(entry["format"] as? String), kind: entry["kind"] as? String,
            arch: try #require(entry["arch"] as? String), debugId: entry["debug_id"] as? String,
            codeId: entry["code_id"] as? String, debugFile: entry["debug_file_name"] as? String,
            loadAddress: try #require(UInt64(load.dropFirst(2), radix: 16)),
            hasSymbols: try #require(entry["has_symbols"] as? Bool),
            hasDebugInfo: try #require(entry["has_debug_info"] as? Bool),
            hasUnwindInfo: try #require(entry["has_unwind_info"] as? Bool))
    }

    @Test(arguments: symbolicFiles)
    func matchesSymbolic(_ relative: String) throws {
        let expected = try Self.expected(relative)
        let file = try inspect(relative)
        #expect(file.format == expected.format)
        try #require(file.objects.count == 1)
        check(file.objects[0], expected, relative)
    }

    /// sentry-cli 3.8.2 `debug-files check` for each file (type, debug id, code id, arch,
    /// features); load address and debug file from llvm-readobj / llvm-pdbutil.
    static let sentryCLI: [(String, Expected)] = [
        (Files.crashWithExceptionPdb, Expected(
            format: "pdb", kind: nil, arch: "x86_64", debugId: "f535c5fb-2ae8-4bb8-aa20-6c30be566c5a-1",
            codeId: nil, debugFile: nil, loadAddress: 0, hasSymbols: true, hasDebugInfo: true, hasUnwindInfo: false)),
        // Only a POGO debug entry: no debug id (sentry-cli prints the nil UUID).
        (Files.arm64Exe, Expected(
            format: "pe", kind: "executable", arch: "arm64", debugId: nil, codeId: "69fe3f7d37000",
            debugFile: nil, loadAddress: 0x1_4000_0000, hasSymbols: false, hasDebugInfo: false, hasUnwindInfo: true)),
        (Files.peOnlyDll, Expected(
            format: "pe", kind: "library", arch: "x86_64", debugId: "2a5eab48-1fab-4a17-a976-1cdc14fe531a-1",
            codeId: "5c8ad05f12000",
            debugFile: #"C:\Users\nbilling\source\repos\pe_only_symbol_test\x64\Debug\pe_only_symbol_test.pdb"#,
            loadAddress: 0x1_8000_0000, hasSymbols: false, hasDebugInfo: false, hasUnwindInfo: true)),
        // MinGW DLLs with DWARF: exports (symtab), `.debug_info` behind a `/29` long name (debug),
        // no CodeView record.
        (Files.dwarf32Dll, Expected(
            format: "pe", kind: "library", arch: "x86", debugId: nil, codeId: "63cf13f21f000",
            debugFile: nil, loadAddress: 0x68FC_0000, hasSymbols: true, hasDebugInfo: true, hasUnwindInfo: false)),
        (Files.dwarf64Dll, Expected(
            format: "pe", kind: "library", arch: "x86_64", debugId: nil, codeId: "63cf138f21000",
            debugFile: nil, loadAddress: 0x3_1986_0000, hasSymbols: true, hasDebugInfo: true, hasUnwindInfo: true)),
        (Files.sigsegvPdb, Expected(
            format: "pdb", kind: nil, arch: "x86_64", debugId: "7dd47a9f-c2e8-499a-a78e-c14ae2c965a2-1",
            codeId: nil, debugFile: nil, loadAddress: 0, hasSymbols: true, hasDebugInfo: true, hasUnwindInfo: false)),
    ]

    @Test(arguments: 0..<sentryCLI.count)
    func matchesSentryCLI(_ index: Int) throws {
        let (relative, expected) = Self.sentryCLI[index]
        let file = try inspect(relative)
        #expect(file.format == expected.format)
        try #require(file.objects.count == 1)
        check(file.objects[0], expected, relative)
    }

    /// The PE and its PDB name the same debug id, in both notations.
    @Test func imageAndPDBAgree() throws {
        for (exe, pdb) in [(Files.crashExe, Files.crashPdb), (Files.crashWithExceptionExe, Files.crashWithExceptionPdb)] {
            let image = try #require(try inspect(exe).objects.first?.debugId)
            let database = try #require(try inspect(pdb).objects.first?.debugId)
            #expect(image == database, "\(exe) and \(pdb)")
        }
        let id = try #require(try inspect(Files.crashExe).objects.first?.debugId)
        #expect(id.breakpad == "3249D99D0C4049318610F4E4FB0B69361")
        #expect(id.dashed == "3249d99d-0c40-4931-8610-f4e4fb0b6936-1")
        // The Breakpad symbol file made from crash.pdb says the same.
        let sym = try Fixtures.bytes("symbolic/debug-files/windows/crash.sym").prefix(80)
        #expect(String(decoding: sym, as: UTF8.self).hasPrefix("MODULE windows x86 3249D99D0C4049318610F4E4FB0B69361 crash.pdb"))
    }

    @Test func recognition() throws {
        let pe = PEDebugFileFormat()
        let pdb = PDBDebugFileFormat()
        for relative in Files.pe {
            let bytes = ByteView(try Fixtures.bytes(relative))
            #expect(pe.recognizes(bytes) && !pdb.recognizes(bytes), "\(relative)")
        }
        for relative in Files.pdb {
            let bytes = ByteView(try Fixtures.bytes(relative))
            #expect(pdb.recognizes(bytes) && !pe.recognizes(bytes), "\(relative)")
        }
        for text in ["", "M", "MODULE windows x86 3249D99D0C4049318610F4E4FB0B69361 crash.pdb", "\u{7f}ELF",
                     "Microsoft C/C++ MSF 7.00\r\n"] {
            let bytes = ByteView(Array(text.utf8))
            #expect(!pe.recognizes(bytes) && !pdb.recognizes(bytes), "\(text)")
        }
        #expect(try Bundled.registry().inspectDebugFile(ByteView(Array("not a debug file".utf8))) == nil)
    }

    @Test func registration() throws {
        let registry = try Bundled.registry()
        #expect(registry.debugFileFormats.map(\.name).contains("pe"))
        #expect(registry.debugFileFormats.map(\.name).contains("pdb"))
        var twice = try Bundled.registry()
        #expect(throws: (any Error).self) { try SymbolsPEPlugin.register(in: &twice) }
    }
}
