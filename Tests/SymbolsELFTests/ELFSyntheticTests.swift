import CrashpipeCore
import SymbolsELF
import TestSupport
import Testing

func list(_ builder: ELFBuilder) throws -> DebugObject {
    let listed = try ELFDebugFileFormat().objects(in: ByteView(builder.build()))
    try #require(listed.count == 1)
    return listed[0]
}

/// Small ELF files built field by field, for the rules the fixtures do not reach. The ids, kinds,
/// arches and features the tests expect are what sentry-cli 3.8.2 (`debug-files check`) printed
/// for the same bytes, where noted.
struct ELFSyntheticTests {
    // Each case below was also written to a file and checked with `sentry-cli debug-files check`:
    // kinds, arches (except RISC-V, which symbolic calls "unknown"), ids and features agree.
    static let buildId: [UInt8] = Array(1...20)

    @Test func littleEndianBuildIdIsSwapped() throws {
        // sentry-cli: Debug ID 04030201-0605-0807-090a-0b0c0d0e0f10, Code ID 0102...14, elf executable.
        let object = try list(ELFBuilder(buildId: Self.buildId))
        #expect(object.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
        #expect(object.debugId?.dashed == "04030201-0605-0807-090a-0b0c0d0e0f10")
        #expect(object.kind == "executable" && object.arch == "x86_64" && object.loadAddress == 0x400000)
    }

    @Test func bigEndianBuildIdIsNotSwapped() throws {
        // sentry-cli: Debug ID 01020304-0506-0708-090a-0b0c0d0e0f10, Arch ppc.
        let object = try list(ELFBuilder(is64: false, endian: .big, machine: 20, loadAddress: 0x10000000,
                                         buildId: Self.buildId))
        #expect(object.debugId?.dashed == "01020304-0506-0708-090a-0b0c0d0e0f10")
        #expect(object.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
        #expect(object.arch == "ppc")
        #expect(object.loadAddress == 0x10000000)
    }

    @Test func shortBuildIdIsPadded() throws {
        // sentry-cli: Debug ID 04030201-0605-0807-0000-000000000000, Code ID 0102030405060708.
        let object = try list(ELFBuilder(buildId: Array(1...8)))
        #expect(object.debugId?.dashed == "04030201-0605-0807-0000-000000000000")
        #expect(object.codeId?.value == "0102030405060708")
    }

    /// An empty build id: symbolic neither gives a code id nor falls back to hashing .text; its
    /// debug id is the nil UUID, which crashpipe lists as no debug id.
    @Test func emptyBuildIdGivesNoId() throws {
        // sentry-cli: Debug ID 00000000-0000-0000-0000-000000000000, no Code ID ("missing debug identifier").
        let object = try list(ELFBuilder(buildId: []))
        #expect(object.debugId == nil)
        #expect(object.codeId == nil)
    }

    @Test func buildIdFromSegmentOrSection() throws {
        let segmentOnly = try list(ELFBuilder(buildId: Self.buildId, buildIdInSection: false))
        let sectionOnly = try list(ELFBuilder(buildId: Self.buildId, buildIdInSegment: false))
        #expect(segmentOnly.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
        #expect(sectionOnly.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
    }

    /// A note of another type before the build id, and a build id whose owner is not "GNU"
    /// (symbolic checks the type only).
    @Test func buildIdNoteIsFoundByType() throws {
        var builder = ELFBuilder(buildIdInSegment: false)
        let notes = builder.note(type: 1, desc: [0, 0, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0, 32, 0, 0, 0])
            + builder.note(type: 3, name: "Go", desc: [0xaa, 0xbb])
        builder.sections.append(.init(name: ".note.gnu.build-id", type: ELFBuilder.note, flags: 2, data: notes, align: 4))
        let object = try list(builder)
        #expect(object.codeId?.value == "aabb")
        #expect(object.debugId?.dashed == "0000bbaa-0000-0000-0000-000000000000")
    }

    /// Without a build id, symbolic XORs the first 4096 bytes of .text into 16 bytes.
    @Test func noBuildIdHashesTheFirstPageOfText() throws {
        var random = SplitMix(state: 0x7e47)
        let text = (0..<5000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var builder = ELFBuilder()
        builder.sections = [.init(name: ".text", type: 1, flags: 6, data: text)]
        let object = try list(builder)
        #expect(object.codeId == nil)
        // sentry-cli: Debug ID fd4bc678-abfc-5be0-496c-f3c9a84caed7 (the XOR of the first 4096 bytes,
        // swapped as a build id is).
        #expect(object.debugId?.dashed == "fd4bc678-abfc-5be0-496c-f3c9a84caed7")
        var hash = [UInt8](repeating: 0, count: 16)
        for (i, byte) in text.prefix(4096).enumerated() { hash[i % 16] ^= byte }
        #expect(object.debugId == DebugId(elfBuildId: hash))
        builder.endian = .big
        // sentry-cli: Debug ID 78c64bfd-fcab-e05b-496c-f3c9a84caed7 (not swapped).
        #expect(try list(builder).debugId?.dashed == "78c64bfd-fcab-e05b-496c-f3c9a84caed7")
    }

    @Test func noBuildIdAndNoTextGivesNoId() throws {
        // sentry-cli: Debug ID 00000000-0000-0000-0000-000000000000 ("missing debug identifier").
        var builder = ELFBuilder()
        builder.sections = []
        #expect(try list(builder).debugId == nil)
        // The builder's default .text: sentry-cli says 80000000-0000-0000-0000-000000800000.
        #expect(try list(ELFBuilder(type: 1, interpreter: nil)).debugId?.dashed == "80000000-0000-0000-0000-000000800000")
        #expect(try list(ELFBuilder(is64: false, machine: 3)).debugId?.dashed == "80000000-0000-0000-0000-000000800000")
    }

    @Test func kinds() throws {
        #expect(try list(ELFBuilder(type: 1, interpreter: nil)).kind == "relocatable")
        #expect(try list(ELFBuilder(type: 2)).kind == "executable")
        // symbolic: an ET_EXEC without PT_INTERP is what objcopy --only-keep-debug leaves.
        #expect(try list(ELFBuilder(type: 2, interpreter: nil)).kind == "debug")
        // ET_DYN is a library, position-independent executables included (sentry-cli says
        // "elf library" for /bin/ls).
        #expect(try list(ELFBuilder(type: 3)).kind == "library")
        #expect(try list(ELFBuilder(type: 3, interpreter: nil)).kind == "library")
        var stripped = ELFBuilder(type: 3, interpreter: nil)
        stripped.sections = [.init(name: ".text", type: ELFBuilder.nobits, flags: 6, data: Array(repeating: 0, count: 64))]
        #expect(try list(stripped).kind == "debug")
        #expect(try list(ELFBuilder(type: 4, interpreter: nil)).kind == "dump")
        #expect(try list(ELFBuilder(type: 0xfe00)).kind == "other")
    }

    @Test func arches() throws {
        #expect(try list(ELFBuilder(is64: false, machine: 3)).arch == "x86")
        #expect(try list(ELFBuilder(machine: 183)).arch == "arm64")
        #expect(try list(ELFBuilder(is64: false, machine: 40)).arch == "arm")
        #expect(try list(ELFBuilder(endian: .big, machine: 21)).arch == "ppc64")
        #expect(try list(ELFBuilder(is64: false, endian: .big, machine: 8)).arch == "mips")
        #expect(try list(ELFBuilder(endian: .big, machine: 8, flags: 0x2000)).arch == "mips64")
        #expect(try list(ELFBuilder(machine: 10, flags: 0x4000)).arch == "mips64")
        // RISC-V: symbolic (and sentry-cli) say "unknown"; crashpipe names it as its minidumps do.
        #expect(try list(ELFBuilder(machine: 243)).arch == "riscv64")
        #expect(try list(ELFBuilder(is64: false, machine: 243)).arch == "riscv32")
        #expect(try list(ELFBuilder(machine: 2)).arch == "unknown")
    }

    @Test func features() throws {
        func features(_ sections: [ELFBuilder.Section]) throws -> DebugFeatures {
            var builder = ELFBuilder()
            builder.sections += sections
            return try list(builder).features
        }
        let symbols = ELFBuilder.Section(name: ".symtab", type: ELFBuilder.symtab, data: Array(repeating: 0, count: 48), entsize: 24)
        #expect(try features([]) == [])
        #expect(try features([symbols]) == [.symtab])
        #expect(try features([.init(name: ".dynsym", type: 11, data: Array(repeating: 0, count: 48), entsize: 24)]) == [.symtab])
        #expect(try features([.init(name: ".symtab", type: ELFBuilder.symtab, data: [], entsize: 24)]) == [])
        #expect(try features([.init(name: ".debug_info", type: 1, data: [1, 2, 3])]) == [.debug])
        #expect(try features([.init(name: ".zdebug_info", type: 1, data: Array("ZLIB".utf8))]) == [.debug])
        #expect(try features([.init(name: ".debug_info", type: 1, flags: 0x800, data: [1, 0, 0, 0])]) == [.debug])
        #expect(try features([.init(name: ".debug_info", type: ELFBuilder.nobits, data: [1, 2, 3])]) == [])
        #expect(try features([.init(name: ".eh_frame", type: 1, data: [0, 0, 0, 0])]) == [.unwind])
        #expect(try features([.init(name: ".debug_frame", type: 1, data: [0, 0, 0, 0])]) == [.unwind])
        #expect(try features([.init(name: ".eh_frame", type: ELFBuilder.nobits, data: [0, 0, 0, 0])]) == [])
        #expect(try features([symbols, .init(name: ".debug_info", type: 1, data: [1]),
                              .init(name: ".eh_frame", type: 1, data: [0])]) == [.symtab, .debug, .unwind])
    }
}
