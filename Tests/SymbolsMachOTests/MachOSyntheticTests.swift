import CrashpipeCore
import SymbolsMachO
import TestSupport
import Testing

func list(_ bytes: [UInt8]) throws -> [DebugObject] {
    try MachODebugFileFormat().objects(in: ByteView(bytes))
}

func single(_ builder: MachOBuilder) throws -> DebugObject {
    let listed = try list(builder.build())
    try #require(listed.count == 1)
    return listed[0]
}

/// Small Mach-O images built field by field, for the rules the fixtures do not reach. Each case
/// was also written to a file and checked with `sentry-cli debug-files check` (3.8.2): the
/// ids, arches, kinds and features agree.
struct MachOSyntheticTests {
    @Test func identifiers() throws {
        let object = try single(MachOBuilder())
        #expect(object.codeId?.value == "101112131415161718191a1b1c1d1e1f")
        #expect(object.debugId?.dashed == "10111213-1415-1617-1819-1a1b1c1d1e1f")
        #expect(object.debugId?.breakpad == "101112131415161718191A1B1C1D1E1F0")
        #expect(object.loadAddress == 0x1_0000_0000)
        #expect(object.kind == "executable" && object.arch == "x86_64")
        #expect(object.features == [.symtab, .unwind])
    }

    @Test func withoutUUID() throws {
        let object = try single(MachOBuilder(uuid: nil))
        #expect(object.debugId == nil && object.codeId == nil)
    }

    /// A 32-bit big-endian PowerPC image reads the same way.
    @Test func bigEndian32Bit() throws {
        var builder = MachOBuilder(is64: false, endian: .big, cputype: 18, cpusubtype: 0, filetype: 6)
        builder.segments = [.init(name: "__TEXT", vmaddr: 0x1000, sections: [
            .init(name: "__eh_frame", segment: "__TEXT", data: [0, 0, 0, 0]),
        ])]
        let object = try single(builder)
        #expect(object.arch == "ppc" && object.kind == "library" && object.loadAddress == 0x1000)
        #expect(object.codeId?.value == "101112131415161718191a1b1c1d1e1f")
        #expect(object.features == [.symtab, .unwind])
    }

    @Test func arches() throws {
        func arch(_ cputype: UInt32, _ cpusubtype: UInt32) throws -> String {
            try single(MachOBuilder(cputype: cputype, cpusubtype: cpusubtype)).arch
        }
        #expect(try arch(7, 3) == "x86")
        #expect(try arch(7, 4) == "x86_unknown")
        #expect(try arch(0x0100_0007, 3) == "x86_64")
        #expect(try arch(0x0100_0007, 0x8000_0003) == "x86_64")  // CPU_SUBTYPE_LIB64 is a capability bit
        #expect(try arch(0x0100_0007, 8) == "x86_64h")
        #expect(try arch(0x0100_000c, 0) == "arm64")
        #expect(try arch(0x0100_000c, 1) == "arm64v8")
        #expect(try arch(0x0100_000c, 0x8000_0002) == "arm64e")  // with CPU_SUBTYPE_PTRAUTH_ABI
        #expect(try arch(0x0200_000c, 0) == "arm64_32")
        #expect(try arch(12, 9) == "armv7")
        #expect(try arch(12, 11) == "armv7s")
        #expect(try arch(12, 12) == "armv7k")
        #expect(try arch(12, 6) == "armv6")
        #expect(try arch(12, 0) == "arm")
        #expect(try arch(12, 99) == "arm_unknown")
        #expect(try arch(18, 0) == "ppc")
        #expect(try arch(0x0100_0012, 0) == "ppc64")
        #expect(try arch(0x0100_0099, 0) == "unknown")
    }

    @Test func kinds() throws {
        func kind(_ filetype: UInt32) throws -> String? { try single(MachOBuilder(filetype: filetype)).kind }
        #expect(try kind(1) == "relocatable")
        #expect(try kind(2) == "executable")
        #expect(try kind(4) == "dump")
        #expect(try kind(6) == "library")
        #expect(try kind(7) == "executable")
        #expect(try kind(8) == "library")
        #expect(try kind(0xa) == "debug")
        #expect(try kind(0xb) == "library")
        #expect(try kind(0x99) == "other")
    }

    @Test func features() throws {
        func features(_ sections: [MachOBuilder.Section], symbolTable: Bool = false) throws -> DebugFeatures {
            var builder = MachOBuilder(symbolTable: symbolTable)
            builder.segments = [.init(name: "__TEXT", vmaddr: 0x1000, sections: sections)]
            return try single(builder).features
        }
        #expect(try features([]) == [])
        #expect(try features([], symbolTable: true) == [.symtab])
        #expect(try features([.init(name: "__unwind_info", segment: "__TEXT", data: [1])]) == [.unwind])
        #expect(try features([.init(name: "__eh_frame", segment: "__TEXT", data: [1])]) == [.unwind])
        #expect(try features([.init(name: "__debug_frame", segment: "__DWARF", data: [1])]) == [.unwind])
        #expect(try features([.init(name: "__debug_info", segment: "__DWARF", data: [1])]) == [.debug])
        // What dsymutil leaves of __TEXT in a dSYM: headers with a file offset of 0.
        #expect(try features([.init(name: "__eh_frame", segment: "__TEXT", data: [1], stripped: true)]) == [])
        // The first section with the name decides, as symbolic's raw_section does.
        #expect(try features([.init(name: "__debug_info", segment: "__TEXT", data: [1], stripped: true),
                              .init(name: "__debug_info", segment: "__DWARF", data: [1])]) == [])
        // A zero-fill section has no contents but a header: it counts.
        #expect(try features([.init(name: "__debug_info", segment: "__DWARF", data: [1], flags: 1)]) == [.debug])
    }

    @Test func universalFiles() throws {
        let x86 = MachOBuilder(filetype: 0xa, uuid: Array(repeating: 0xaa, count: 16))
        let arm = MachOBuilder(cputype: 0x0100_000c, cpusubtype: 0, filetype: 0xa, uuid: Array(repeating: 0xbb, count: 16))
        let armv7 = MachOBuilder(is64: false, cputype: 12, cpusubtype: 9, filetype: 0xa, uuid: Array(repeating: 0xcc, count: 16))
        for fat64 in [false, true] {
            let listed = try list(MachOBuilder.fat([x86, arm, armv7], fat64: fat64).bytes)
            #expect(listed.map(\.arch) == ["x86_64", "arm64", "armv7"])
            #expect(listed.map { $0.codeId?.value } == ["aa", "bb", "cc"].map { String(repeating: $0, count: 16) })
            #expect(listed.allSatisfy { $0.kind == "debug" })
        }
        #expect(try list(MachOBuilder.fat([]).bytes).isEmpty)
        // sentry-cli 3.8.2 lists the FAT_MAGIC file as crashpipe does and cannot open the
        // FAT_MAGIC_64 one (goblin reads 32-bit fat headers only).
    }
}
