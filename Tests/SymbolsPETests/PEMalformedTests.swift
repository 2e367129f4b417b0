import CrashpipeCore
import SymbolsPE
import TestSupport
import Testing

/// Broken and unusual PE images. A broken header or section table throws a ParseError that
/// names it and where it is; a broken debug or exception directory leaves the debug id or the
/// unwind feature out (as symbolic and sentry-cli do) and `inspect` returns the ParseError.
/// Variants that symbolic reads are reported as symbolic reports them.
struct PEMalformedTests {
    // MARK: Headers

    @Test func truncatedDOSHeader() throws {
        let bytes = Array(try pe(Files.crashExe).prefix(40))
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .truncated && error.context == "DOS header" && error.offset == 0)
    }

    @Test func notMZ() throws {
        var bytes = try pe(Files.crashExe)
        bytes[0] = UInt8(ascii: "X")
        #expect(!PEDebugFileFormat().recognizes(ByteView(bytes)))
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .badMagic && error.context == "DOS header")
    }

    @Test func eLfanewPastTheEnd() throws {
        var bytes = try pe(Files.crashExe)
        bytes.put32(0x7fff_0000, at: 0x3c)
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .outOfRange && error.context == "PE header" && error.offset == 0x7fff_0000)
        #expect(error.description.contains("e_lfanew 0x7fff0000"))
    }

    @Test func noPESignature() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes[layout.peOffset + 1] = 0
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .badMagic && error.context == "PE header" && error.offset == layout.peOffset)
    }

    @Test func truncatedCOFFHeader() throws {
        let full = try pe(Files.crashExe)
        let layout = PELayout(bytes: full)
        let error = try #require(parseError { try object(Array(full.prefix(layout.coffOffset + 10))) })
        #expect(error.kind == .truncated && error.context == "PE header" && error.offset == layout.peOffset)
    }

    @Test(arguments: [Files.crashExe, Files.crashWithExceptionExe])
    func truncatedOptionalHeader(_ relative: String) throws {
        let full = try pe(relative)
        let layout = PELayout(bytes: full)
        for cut in [layout.optionalOffset + 1, layout.optionalOffset + 40, layout.optionalOffset + 100] {
            let error = try #require(parseError { try object(Array(full.prefix(cut))) })
            #expect(error.context == "optional header", "cut at \(cut): \(error)")
            #expect(error.kind == .truncated, "cut at \(cut): \(error)")
            #expect(error.offset >= layout.optionalOffset && error.offset < cut, "cut at \(cut): \(error)")
        }
    }

    @Test func badOptionalHeaderMagic() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put16(0x107, at: layout.optionalOffset)   // ROM image
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .invalidValue && error.context == "optional header" && error.offset == layout.optionalOffset)
    }

    // MARK: Section table

    @Test func sectionTableOutOfRange() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put16(0xffff, at: layout.coffOffset + 2)    // NumberOfSections
        var error = try #require(parseError { try object(bytes) })
        #expect(error.context == "section table" && error.kind == .truncated && error.offset == layout.sectionTableOffset)

        bytes = try pe(Files.crashExe)
        bytes.put16(0xfff0, at: layout.coffOffset + 16)   // SizeOfOptionalHeader pushes the table out
        error = try #require(parseError { try object(bytes) })
        #expect(error.context == "section table" && error.kind == .outOfRange)
        #expect(error.offset == layout.optionalOffset + 0xfff0)
    }

    /// No section covers the debug directory: its RVA maps nowhere.
    @Test func debugDirectoryOutsideTheSections() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put32(0x7fff_ff00, at: layout.directoryEntry(6))
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil && result.debugFile == nil && result.codeId?.value == "5ab380779000")
        #expect(error.kind == .outOfRange && error.context == "debug directory" && error.offset == layout.directoryEntry(6))
        #expect(error.description.contains("0x7fffff00"))
    }

    /// A debug directory whose size runs past the end of the file.
    @Test func debugDirectoryPastTheEnd() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put32(0xffff_fff0, at: layout.directoryEntry(6) + 4)
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil)
        #expect(error.kind == .truncated && error.context == "debug directory" && error.offset == layout.debugEntry(0))
    }

    /// More than sixteen data directories: goblin rejects the header, and so does sentry-cli.
    @Test func tooManyDataDirectories() throws {
        var bytes = try pe(Files.crashWithExceptionExe)
        let layout = PELayout(bytes: bytes)
        bytes.put32(0x7f, at: layout.optionalOffset + 108)
        let error = try #require(parseError { try object(bytes) })
        #expect(error.kind == .invalidValue && error.context == "optional header" && error.offset == layout.optionalOffset + 108)
    }

    /// The other debug entries symbolic decodes must be readable too, or it has no debug data
    /// (sentry-cli: the nil debug id when crash.exe's VC feature entry points past the end, or
    /// when `.rdata`, which holds the debug directory, has no raw data).
    @Test func otherDebugEntries() throws {
        let original = try pe(Files.crashExe)
        let layout = PELayout(bytes: original)
        var bytes = original
        #expect(bytes.u32(layout.debugEntry(1) + 12) == 12)     // VC feature
        bytes.put32(0x8000_0000, at: layout.debugEntry(1) + 24)
        var (result, error) = try lenient(bytes)
        #expect(result.debugId == nil && result.codeId != nil)
        #expect(error.kind == .outOfRange && error.context == "VC feature debug entry" && error.offset == 0x8000_0000)

        bytes = original
        #expect(bytes.u32(layout.debugEntry(2) + 12) == 13)     // POGO, "LTCG"
        bytes.put32(0x10_0000, at: layout.debugEntry(2) + 16)
        (result, error) = try lenient(bytes)
        #expect(result.debugId == nil)
        #expect(error.kind == .truncated && error.context == "POGO debug entry")

        bytes = original
        bytes[layout.sectionHeader(1) + 17] = 0                   // .rdata SizeOfRawData 0x1800 -> 0
        (result, error) = try lenient(bytes)
        #expect(result.debugId == nil)
        #expect(error.kind == .outOfRange && error.context == "debug directory")
    }

    // MARK: CodeView

    @Test func rsdsTooShort() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        let entry = layout.debugEntry(0)
        bytes.put32(20, at: entry + 16)                   // SizeOfData
        let record = Int(bytes.u32(entry + 24))
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil && result.debugFile == nil)
        #expect(error.kind == .truncated && error.context == "CodeView RSDS record" && error.offset == record)
    }

    @Test func rsdsPathPastTheEnd() throws {
        var bytes = try pe(Files.crashExe)
        let entry = PELayout(bytes: bytes).debugEntry(0)
        bytes.put32(0x10_0000, at: entry + 16)
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil)
        #expect(error.kind == .truncated && error.context == "CodeView record")
        #expect(error.offset == Int(bytes.u32(entry + 24)) + 24)
    }

    @Test func rsdsPointerPastTheEnd() throws {
        var bytes = try pe(Files.crashExe)
        let entry = PELayout(bytes: bytes).debugEntry(0)
        bytes.put32(0xffff_ff00, at: entry + 24)          // PointerToRawData
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil)
        #expect(error.kind == .outOfRange && error.context == "CodeView record" && error.offset == 0xffff_ff00)
    }

    /// symbolic (through goblin) finds the CodeView entry wherever it is in the directory.
    @Test func codeViewNotFirst() throws {
        var bytes = try pe(Files.crashExe)
        let first = PELayout(bytes: bytes).debugEntry(0)
        let a = Array(bytes[first..<first + 28])
        let b = Array(bytes[first + 28..<first + 56])
        bytes.replaceSubrange(first..<first + 56, with: b + a)
        #expect(try object(bytes).debugId.map(uuidAge) == "3249d99d-0c40-4931-8610-f4e4fb0b6936-1")
    }

    /// An unknown CodeView signature, or no CodeView entry: no debug id, no debug file.
    @Test func noCodeView() throws {
        var bytes = try pe(Files.crashExe)
        let entry = PELayout(bytes: bytes).debugEntry(0)
        bytes.put32(0x3131_424e, at: Int(bytes.u32(entry + 24)))   // "NB11"
        var result = try object(bytes)
        #expect(result.debugId == nil && result.debugFile == nil)
        #expect(result.codeId?.value == "5ab380779000")

        bytes = try pe(Files.crashExe)
        bytes.put32(13, at: entry + 12)                   // Type: POGO
        result = try object(bytes)
        #expect(result.debugId == nil && result.debugFile == nil)
    }

    /// A PDB 2.0 record gives the PDB 2.0 id (crashpipe's choice; symbolic gives the nil id).
    @Test func nb10Record() throws {
        var bytes = try pe(Files.crashExe)
        let entry = PELayout(bytes: bytes).debugEntry(0)
        let record = Int(bytes.u32(entry + 24))
        let nb10: [UInt8] = Array("NB10".utf8) + [0, 0, 0, 0] + [0x3f, 0x1a, 0x7c, 0x3c] + [2, 0, 0, 0] + Array("old.pdb\0".utf8)
        bytes.replaceSubrange(record..<record + nb10.count, with: nb10)
        bytes.put32(UInt32(nb10.count), at: entry + 16)
        let result = try object(bytes)
        #expect(result.debugId?.breakpad == "3C7C1A3F2")
        #expect(result.debugId?.isPDB20 == true)
        #expect(result.debugFile == "old.pdb")

        bytes.put32(12, at: entry + 16)
        let (short, error) = try lenient(bytes)
        #expect(short.debugId == nil)
        #expect(error.kind == .truncated && error.context == "CodeView NB10 record" && error.offset == record)
    }

    /// Deterministic builds (Portable PDB): the age is the entry's timestamp, as symbolic does
    /// (sentry-cli prints 3249d99d-0c40-4931-8610-f4e4fb0b6936-5ab38077 for this patch).
    @Test func deterministicAge() throws {
        var bytes = try pe(Files.crashExe)
        let entry = PELayout(bytes: bytes).debugEntry(0)
        bytes.put16(0x504d, at: entry + 10)
        #expect(try object(bytes).debugId.map(uuidAge) == "3249d99d-0c40-4931-8610-f4e4fb0b6936-5ab38077")
    }

    // MARK: Kind, arch, features

    /// sentry-cli's answers for the same patches of crash.exe: `pe library`; arch `arm` for
    /// 0x1c0, `unknown` for 0x1c4 (ARMNT), 0x200 and 0x5064; `ppc` for 0x1f0.
    @Test func machineAndDLLFlag() throws {
        let original = try pe(Files.crashExe)
        let layout = PELayout(bytes: original)
        for (machine, arch) in [(0x1c0, "arm"), (0x1c4, "unknown"), (0x1f0, "ppc"), (0x200, "unknown"),
                                (0x5064, "unknown"), (0xaa64, "arm64"), (0x8664, "x86_64"), (0x14c, "x86")] {
            var bytes = original
            bytes.put16(UInt16(machine), at: layout.coffOffset)
            #expect(try object(bytes).arch == arch, "machine \(machine)")
        }
        var bytes = original
        bytes.put16(bytes.u16(layout.coffOffset + 18) | 0x2000, at: layout.coffOffset + 18)
        #expect(try object(bytes).kind == "library")
    }

    /// A packer stub: a `.stub` section and an empty `.pdata` make kind "other" and hide the
    /// exception data (symbolic's `is_pe_stub`).
    @Test func packerStub() throws {
        var bytes = try pe(Files.crashWithExceptionExe)
        let layout = PELayout(bytes: bytes)
        var pdata: Int?
        for index in 0..<layout.sectionCount where bytes[layout.sectionHeader(index)..<layout.sectionHeader(index) + 6].elementsEqual(Array(".pdata".utf8)) {
            pdata = layout.sectionHeader(index)
        }
        let pdataHeader = try #require(pdata)
        #expect(try object(bytes).features.contains(.unwind))
        // Rename the last section to .stub and empty .pdata's raw data.
        let last = layout.sectionHeader(layout.sectionCount - 1)
        bytes.replaceSubrange(last..<last + 8, with: Array(".stub".utf8) + [0, 0, 0])
        bytes.put32(0, at: pdataHeader + 16)
        let result = try object(bytes)
        #expect(result.kind == "other")
        #expect(!result.features.contains(.unwind))
    }

    @Test func exceptionDirectory() throws {
        let original = try pe(Files.crashWithExceptionExe)
        let layout = PELayout(bytes: original)
        let entry = layout.directoryEntry(3)

        var bytes = original
        bytes.put32(0x1ed, at: entry + 4)                 // not a multiple of 12
        var (result, error) = try lenient(bytes)
        #expect(!result.features.contains(.unwind) && result.debugId != nil)
        #expect(error.kind == .invalidValue && error.context == "exception directory" && error.offset == entry)

        bytes = original
        bytes.put32(0x7000_0000, at: entry)               // maps to no section
        (result, error) = try lenient(bytes)
        #expect(!result.features.contains(.unwind))
        #expect(error.kind == .outOfRange && error.context == "exception directory" && error.offset == entry)

        bytes = original
        bytes.put32(0, at: entry + 4)
        bytes.put32(0, at: entry)                         // absent: no unwind info, no error
        #expect(try !object(bytes).features.contains(.unwind))

        // x86 images have no exception data symbolic reads, whatever the directory says.
        bytes = original
        bytes.put16(0x14c, at: layout.coffOffset)
        bytes.put32(0x7000_0000, at: entry)
        #expect(try !object(bytes).features.contains(.unwind))
    }

    /// Without an optional header there is no code id, image base or data directory.
    @Test func noOptionalHeader() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put16(0, at: layout.coffOffset + 16)
        bytes.put16(0, at: layout.coffOffset + 2)         // and no sections
        let result = try object(bytes)
        #expect(result.codeId == nil && result.debugId == nil && result.loadAddress == 0)
        #expect(result.kind == "executable" && result.arch == "x86" && result.features.isEmpty)
    }

    /// A file alignment that is not a power of two maps no RVA (goblin's rule), so the debug
    /// directory is out of reach (sentry-cli: the nil debug id).
    @Test func badFileAlignment() throws {
        var bytes = try pe(Files.crashExe)
        let layout = PELayout(bytes: bytes)
        bytes.put32(0x300, at: layout.optionalOffset + 36)
        let (result, error) = try lenient(bytes)
        #expect(result.debugId == nil && result.codeId != nil)
        #expect(error.kind == .outOfRange && error.context == "debug directory")
    }

    // MARK: Exports

    /// Patches of basic32-dwarf.dll's export directory (file offset 0x2c00, RVA 0x7000, 12
    /// named exports; tables at RVA 0x7028 addresses, 0x7058 names, 0x7088 ordinals) and
    /// whether `sentry-cli debug-files check` 3.8.2 then still lists `symtab`.
    static let exportPatches: [(String, Bool, @Sendable (inout [UInt8]) -> Void)] = [
        ("address table RVA maps nowhere", false, { $0.put32(0x7fff_ffff, at: 0x2c00 + 28) }),
        ("ordinal table RVA maps nowhere", false, { $0.put32(0x7fff_ffff, at: 0x2c00 + 36) }),
        ("name table RVA maps nowhere", false, { $0.put32(0x7fff_ffff, at: 0x2c00 + 32) }),
        ("no names", false, { $0.put32(0, at: 0x2c00 + 24) }),
        ("name count runs past the file", false, { $0.put32(0x00ff_ffff, at: 0x2c00 + 24) }),
        ("address count runs past the file", false, { $0.put32(0x00ff_ffff, at: 0x2c00 + 20) }),
        ("no addresses", false, { $0.put32(0, at: 0x2c00 + 20) }),
        ("every ordinal past the address table", false, { b in for i in 0..<12 { b.put16(0xffff, at: 0x2c88 + 2 * i) } }),
        ("name strings map nowhere", true, { b in for i in 0..<12 { b.put32(0x7fff_ffff, at: 0x2c58 + 4 * i) } }),
        ("code addresses map nowhere", true, { b in for i in 0..<12 { b.put32(0x7fff_ffff, at: 0x2c28 + 4 * i) } }),
        ("one name", true, { $0.put32(1, at: 0x2c00 + 24) }),
        ("one address", true, { $0.put32(1, at: 0x2c00 + 20) }),
        ("5000 names, inside the file", true, { $0.put32(5000, at: 0x2c00 + 24) }),
        ("export directory maps nowhere", false, { $0.put32(0x7fff_ffff, at: 0x80 + 24 + 96) }),
        ("every export an empty forwarder", false, { b in for i in 0..<12 { b.put32(0x7000, at: 0x2c28 + 4 * i) } }),
        ("every export forwards to KERNEL32.Foo", true, { b in
            for i in 0..<12 { b.put32(0x7200, at: 0x2c28 + 4 * i) }
            b.replaceSubrange(0x2e00..<0x2e0c, with: Array("KERNEL32.Foo".utf8))
        }),
    ]

    @Test(arguments: 0..<exportPatches.count)
    func exportTable(_ index: Int) throws {
        let (name, symtab, patch) = Self.exportPatches[index]
        var bytes = try pe(Files.dwarf32Dll)
        #expect(bytes.u32(0x2c00 + 24) == 12 && PELayout(bytes: bytes).directoryEntry(0) == 0x80 + 24 + 96)
        patch(&bytes)
        let (result, problems) = try PEDebugFileFormat().inspect(ByteView(bytes))
        #expect(result.features.contains(.symtab) == symtab, "\(name)")
        #expect(problems.isEmpty, "\(name)")
    }
}
