import Bundled
import CrashpipeCore
import TestSupport
import Testing
import UnwindRISCV64

/// The riscv64 context format, the register layout and the plugin's registration.
struct ContextRISCV64Tests {
    /// x_n's test value: distinct in every byte position that matters.
    static func xValue(_ n: Int) -> UInt64 { 0x1111_0000_0000_0000 | UInt64(n) << 8 | UInt64(n) }
    static func fValue(_ n: Int) -> UInt64 { 0x3ff0_0000_0000_0000 + UInt64(n) }

    static func fullRegisters() -> [String: UInt64] {
        var registers: [String: UInt64] = ["pc": 0x4000_1234, "version": 1, "fcsr": 0xe0]
        for (i, name) in SynthRISCV64.abiNames.enumerated() { registers[name] = xValue(i + 1) }
        for i in 0..<32 { registers["f\(i)"] = fValue(i) }
        return registers
    }

    @Test func decodesEveryRegisterAtBreakpadsOffsets() throws {
        let bytes = SynthRISCV64.context(Self.fullRegisters()).contents()
        #expect(bytes.count == 528)
        let decoded = try RISCV64ContextFormat().decode(ByteView(bytes), endian: .little, os: .linux)
        #expect(decoded.structureName == "MDRawContextRISCV64")
        #expect(decoded.cpu == .riscv64)
        let r = decoded.registers
        #expect(r.instructionPointer == 0x4000_1234)
        #expect(r["ra"] == Self.xValue(1) && r["x1"] == Self.xValue(1))
        #expect(r["sp"] == Self.xValue(2) && r.stackPointer == Self.xValue(2) && r["x2"] == Self.xValue(2))
        #expect(r["gp"] == Self.xValue(3) && r["tp"] == Self.xValue(4))
        #expect(r["t0"] == Self.xValue(5) && r["t2"] == Self.xValue(7))
        #expect(r["s0"] == Self.xValue(8) && r["fp"] == Self.xValue(8) && r.framePointer == Self.xValue(8))
        #expect(r["s1"] == Self.xValue(9))
        #expect(r["a0"] == Self.xValue(10) && r["a7"] == Self.xValue(17))
        #expect(r["s2"] == Self.xValue(18) && r["s11"] == Self.xValue(27) && r["x27"] == Self.xValue(27))
        #expect(r["t3"] == Self.xValue(28) && r["t6"] == Self.xValue(31) && r["x31"] == Self.xValue(31))
        #expect(r.known.count == 32)
        #expect(r.known.map(\.name) == ["pc"] + SynthRISCV64.abiNames)
        #expect(decoded.instructionPointer == 0x4000_1234 && decoded.stackPointer == Self.xValue(2))
    }

    /// The fields `crashpipe dump` shows, named as minidump_dump prints them.
    @Test func fieldsAreNamedAsMinidumpDumpPrintsThem() throws {
        let decoded = try RISCV64ContextFormat().decode(ByteView(SynthRISCV64.context(Self.fullRegisters()).contents()),
                                                        endian: .little, os: nil)
        let names = decoded.fields.map(\.name)
        let expected = ["context_flags", "pc"] + SynthRISCV64.abiNames
            + (0..<32).map { "fpregs[\($0 < 10 ? " " : "")\($0)]" } + ["fcsr"]
        #expect(names == expected)
        #expect(decoded.fields.count == 66)
        let values = Dictionary(uniqueKeysWithValues: decoded.fields.map { ($0.name, $0.value) })
        #expect(values["context_flags"] == "0x8000003")
        #expect(values["pc"] == "0x40001234")
        #expect(values["s0"] == "0x1111000000000808")
        #expect(values["t6"] == "0x1111000000001f1f")
        #expect(values["fpregs[ 0]"] == "0x3ff0000000000000")
        #expect(values["fpregs[31]"] == "0x3ff000000000001f")
        #expect(values["fcsr"] == "0xe0")
    }

    @Test func decodesBigEndianContexts() throws {
        let bytes = SynthRISCV64.context(["pc": 0x1122_3344_5566_7788, "sp": 0x3f_ffff_e000, "fcsr": 0x1f],
                                         endian: .big).contents()
        let format = RISCV64ContextFormat()
        #expect(format.recognizes(ByteView(bytes), endian: .big))
        #expect(!format.recognizes(ByteView(bytes), endian: .little))
        let decoded = try format.decode(ByteView(bytes), endian: .big, os: nil)
        #expect(decoded.registers.instructionPointer == 0x1122_3344_5566_7788)
        #expect(decoded.registers.stackPointer == 0x3f_ffff_e000)
        #expect(decoded.fields.last?.value == "0x1f")
    }

    /// MD_CONTEXT_RISCV64_INTEGER covers pc and x1…x31; without it none is known. A context
    /// with only the CPU bit (no part named) is taken as complete.
    @Test func flagsWithoutTheIntegerBitLeaveRegistersUnknown() throws {
        let format = RISCV64ContextFormat()
        for flags: UInt32 in [0x0800_0002, 0x0800_0004] {
            let decoded = try format.decode(ByteView(SynthRISCV64.context(Self.fullRegisters(), flags: flags).contents()),
                                            endian: .little, os: nil)
            #expect(decoded.registers.known.isEmpty)
            #expect(decoded.registers.instructionPointer == nil && decoded.registers.stackPointer == nil)
            // The raw fields are still shown.
            #expect(decoded.fields[1].name == "pc" && decoded.fields[1].value == "0x40001234")
        }
        for flags: UInt32 in [0x0800_0001, 0x0800_0000] {
            let decoded = try format.decode(ByteView(SynthRISCV64.context(Self.fullRegisters(), flags: flags).contents()),
                                            endian: .little, os: nil)
            #expect(decoded.registers.known.count == 32)
            #expect(decoded.registers["t6"] == Self.xValue(31))
        }
    }

    @Test func shortContextIsAnErrorNamingBothSizes() {
        let bytes = Array(SynthRISCV64.context(Self.fullRegisters()).contents().prefix(524))
        do {
            _ = try RISCV64ContextFormat().decode(ByteView(bytes), endian: .little, os: nil)
            Issue.record("a 524-byte riscv64 context decoded")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.detail == "riscv64 context needs 528 bytes, the dump gives 524")
        }
    }

    @Test func recognizesRISCV64FlagsOnly() {
        let format = RISCV64ContextFormat()
        #expect(format.recognizes(ByteView(SynthRISCV64.context().contents()), endian: .little))
        #expect(format.recognizes(ByteView(SynthRISCV64.context(flags: 0x0800_0000).contents()), endian: .little))
        // Other CPUs' contexts.
        #expect(!format.recognizes(ByteView(SynthContext.arm64().contents()), endian: .little))
        #expect(!format.recognizes(ByteView(SynthContext.arm64Old().contents()), endian: .little))
        #expect(!format.recognizes(ByteView(SynthContext.arm().contents()), endian: .little))
        #expect(!format.recognizes(ByteView(SynthContext.x86().contents()), endian: .little))
        #expect(!format.recognizes(ByteView(SynthContext.amd64().contents()), endian: .little))
        // 32-bit RISC-V (MD_CONTEXT_RISCV) and a truncated riscv64 context.
        #expect(!format.recognizes(ByteView(SynthRISCV64.context(flags: 0x0080_0003).contents()), endian: .little))
        #expect(!format.recognizes(ByteView(Array(SynthRISCV64.context().contents().prefix(100))), endian: .little))
    }

    /// A dump without SystemInfo: the bundled formats tell riscv64 contexts apart by their
    /// flags, and the other formats do not claim them.
    @Test func bundledFormatsPickRISCV64ByFlags() throws {
        let formats = try Bundled.registry().contextFormats
        let bytes = ByteView(SynthRISCV64.context(Self.fullRegisters()).contents())
        let byFlags = try formats.decode(bytes, endian: .little, cpu: nil)
        #expect(byFlags.cpu == .riscv64 && byFlags.registers["s0"] == Self.xValue(8))
        let byHint = try formats.decode(bytes, endian: .little, cpu: .riscv64, os: .linux)
        #expect(byHint.registers.known.map(\.value) == byFlags.registers.known.map(\.value))
        #expect(formats.formats.filter { $0.recognizes(bytes, endian: .little) }.map(\.cpu) == [.riscv64])
    }

    /// Names as Breakpad's dump_syms writes RISC-V CFI (pc in DWARF slot 0, then the ABI names
    /// of x1…x31), numeric and `fp` aliases, and a lookback of 2 for compressed calls.
    @Test func layoutNamesRegistersAsBreakpadCFIDoes() {
        let layout = ContextRISCV64.layout
        #expect(layout.cpu == .riscv64)
        #expect(layout.names == ["pc"] + SynthRISCV64.abiNames)
        #expect(layout.names[layout.instructionPointer] == "pc")
        #expect(layout.names[layout.stackPointer] == "sp")
        #expect(layout.framePointer.map { layout.names[$0] } == "s0")
        #expect(layout.index(of: "fp") == 8 && layout.index(of: "x8") == 8 && layout.index(of: "s0") == 8)
        #expect(layout.index(of: "x1") == layout.index(of: "ra"))
        #expect(layout.index(of: "x31") == 31)
        #expect(layout.index(of: "zero") == nil && layout.index(of: "x0") == nil)
        #expect(layout.returnAddressLookback == 2)
    }

    @Test func pluginRegistersFormatAndUnwinderOnce() throws {
        var registry = PluginRegistry()
        try UnwindRISCV64Plugin.register(in: &registry)
        #expect(registry.contextFormats.formats.map(\.cpu) == [.riscv64])
        #expect(registry.contextFormats.format(for: .riscv64) is RISCV64ContextFormat)
        #expect(registry.contextFormats.format(for: .riscv64)?.layout == ContextRISCV64.layout)
        #expect(registry.unwinders.keys.map(\.rawValue) == ["riscv64"])
        #expect(registry.unwinders[.riscv64] is RISCV64Unwinder)
        #expect(throws: RegistryError.self) { try UnwindRISCV64Plugin.register(in: &registry) }
        #expect(registry.contextFormats.formats.count == 1 && registry.unwinders.count == 1)
    }

    @Test func bundledRegistryIncludesRISCV64() throws {
        let registry = try Bundled.registry()
        #expect(registry.unwinders[.riscv64] is RISCV64Unwinder)
        #expect(registry.contextFormats.format(for: .riscv64) is RISCV64ContextFormat)
        let ids = registry.descriptors.filter { $0.id == "riscv64" }.map(\.kind.description).sorted()
        #expect(ids == ["context-format", "unwinder"])
    }
}
