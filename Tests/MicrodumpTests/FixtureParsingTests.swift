import CrashpipeCore
import Microdump
import TestSupport
import Testing

/// Breakpad's two microdump fixtures (logcat output of its microdump writer's unit test on an
/// ARM and an ARM64 Android device), read field by field. The expected values are the ones
/// Breakpad's microdump_stackwalk prints for them (`breakpad/expected/microdump.stackwalk*`).
struct FixtureParsingTests {
    static func dump(_ name: String) throws -> Microdump {
        try Microdump(ByteView(try Fixtures.bytes("breakpad/microdumps/\(name)")), contexts: bundledRegistry.contextFormats)
    }

    static func report(_ name: String) throws -> CrashReport {
        var report = CrashReport(source: name)
        MicrodumpReport.fill(&report, from: try dump(name))
        return report
    }

    @Test func armSystemAndGPU() throws {
        let dump = try Self.dump("microdump-arm.dmp")
        #expect(dump.os == .android)
        #expect(dump.architecture == "arm")
        #expect(dump.cpu == .arm)
        #expect(dump.cpuCount == 2)
        #expect(dump.hardwareArchitecture == "armv7l")
        #expect(dump.osVersion == "OS VERSION INFO")
        #expect(dump.gpu == GPUInfo(version: "OpenGL ES 3.0 V@104.0 AU@  (GIT@Id3510ff6dc)", vendor: "Qualcomm",
                                    renderer: "Adreno (TM) 330"))
        #expect(dump.crash == nil)
        #expect(dump.product == nil && dump.processType == nil)
        #expect(dump.beginLine == 1 && dump.endLine == 34)
        #expect(dump.notes.isEmpty)
    }

    @Test func arm64SystemWithoutGPU() throws {
        let dump = try Self.dump("microdump-arm64.dmp")
        #expect(dump.os == .android)
        #expect(dump.cpu == .arm64)
        #expect(dump.cpuCount == 2)
        #expect(dump.hardwareArchitecture == "aarch64")
        #expect(dump.osVersion == "OS 64 VERSION INFO")
        #expect(dump.gpu == nil)
        #expect(dump.endLine == 45)
        #expect(dump.notes.isEmpty)
    }

    @Test func armModules() throws {
        let modules = try Self.dump("microdump-arm.dmp").modules
        let expected: [(String, UInt64, UInt64, String)] = [
            ("breakpad_unittests", 0xaaacd000, 0x7c000, "DA7778FB66018A4E9B4110ED06E730D00"),
            ("libnetd_client.so", 0xf6fca000, 0x4000, "56B149396A4DAF176E26B4A85DA87BF30"),
            ("libstdc++.so", 0xf6fee000, 0x4000, "DFCD7772F3A5BD1E84A50C4DBFDE6F570"),
            ("libm.so", 0xf6ff2000, 0x19000, "AE3467401278371A956801500FC8187D0"),
            ("liblog.so", 0xf700c000, 0x7000, "0A492DEF82842051996A468D87F23F010"),
            ("libc.so", 0xf7014000, 0x5a000, "167F187B09A27F7444EF989603AAFD3D0"),
        ]
        #expect(modules.count == expected.count)
        for (module, (name, base, size, id)) in zip(modules, expected) {
            #expect(module.codeFile == name)
            #expect(module.debugFile == name)
            #expect(module.base == base)
            #expect(module.size == size)
            #expect(module.debugId?.breakpad == id)
            #expect(module.version == nil)
            #expect(module.codeId == nil)
        }
        // As Breakpad lists them: the last address of libc.so.
        #expect(modules.last.map { $0.end - 1 } == 0xf706dfff)
    }

    @Test func arm64Modules() throws {
        let modules = try Self.dump("microdump-arm64.dmp").modules
        let expected: [(String, UInt64, UInt64, String)] = [
            ("breakpad_unittests", 0x555f608000, 0xc0000, "D6D1FEC9A15DE7F38A236898871A2E770"),
            ("libnetd_client.so", 0x7f801f6000, 0x13000, "7735F44BA6D7C27FD5C3636A43369B7C0"),
            ("libstdc++.so", 0x7f80229000, 0x14000, "380C0B7CD8FA3F094BC3BA58A81CBAD00"),
            ("libm.so", 0x7f8023d000, 0x3d000, "F832D47D1E237E46D835991594DA6E890"),
            ("liblog.so", 0x7f8027b000, 0x19000, "C407B93F87A835BE05451FC7B0B3E65E0"),
            ("libc.so", 0x7f80295000, 0x9e000, "479D5438753E27F019F2C9980DDBF4F30"),
            ("libsigchain.so", 0x7f80341000, 0x13000, "9DA3FF8EF9CA0FDC481292EE530DF6EC0"),
            ("linux-gate.so", 0x7f80358000, 0x2000, "672B2CD6CF8AF6C43BD70F2AB02B3D0C0"),
        ]
        #expect(modules.map(\.codeFile) == expected.map(\.0))
        #expect(modules.map(\.base) == expected.map(\.1))
        #expect(modules.map(\.size) == expected.map(\.2))
        #expect(modules.map { $0.debugId?.breakpad } == expected.map(\.3))
    }

    @Test func armStack() throws {
        let dump = try Self.dump("microdump-arm.dmp")
        #expect(dump.stackHeader == Microdump.StackHeader(stackPointer: 0xffea68c0, start: 0xffea6000, size: 0x2000))
        let stack = try #require(dump.stack)
        #expect(stack.base == 0xffea6000)
        #expect(stack.size == 0x2000)
        // The second stack line starts with 2168EAFF C59104F7.
        #expect(stack.read(UInt32.self, at: 0xffea6180) == 0xffea6821)
        #expect(stack.read(UInt32.self, at: 0xffea6184) == 0xf70491c5)
        #expect(stack.read(UInt32.self, at: 0xffea8000) == nil)
    }

    @Test func arm64Stack() throws {
        let dump = try Self.dump("microdump-arm64.dmp")
        #expect(dump.stackHeader == Microdump.StackHeader(stackPointer: 0x7fe2ba6120, start: 0x7fe2ba6000, size: 0x3000))
        let stack = try #require(dump.stack)
        #expect(stack.base == 0x7fe2ba6000)
        #expect(stack.size == 0x3000)
    }

    /// Frame 0's registers as Breakpad prints them (`fp` is r11 on Android).
    @Test func armContext() throws {
        let dump = try Self.dump("microdump-arm.dmp")
        #expect(dump.context.structureName == "MDRawContextARM")
        let r = dump.context.registers
        let expected: [String: UInt64] = [
            "r0": 0, "r1": 0, "r2": 0, "r3": 0, "r4": 0xffea6900, "r5": 0xffea68f0, "r6": 0xffea68f8,
            "r7": 0xffea6904, "r8": 0xffea68e0, "r9": 0xffea6900, "r10": 0xffea6930, "r12": 0,
            "fp": 0xea2, "sp": 0xffea68c0, "lr": 0xaaaeb307, "pc": 0xaaaeb307,
        ]
        for (name, value) in expected { #expect(r[name] == value, "\(name)") }
        #expect(r.instructionPointer == 0xaaaeb307)
        #expect(r.stackPointer == dump.stackHeader.stackPointer)
    }

    /// The ARM64 fixture carries Breakpad's old 796-byte context layout.
    @Test func arm64Context() throws {
        let dump = try Self.dump("microdump-arm64.dmp")
        #expect(dump.context.structureName == "MDRawContextARM64_Old")
        let r = dump.context.registers
        var expected: [String: UInt64] = [
            "x19": 0x7fe2ba6a50, "x20": 0x7fe2ba65e0, "x21": 0x7fe2ba61e0, "x22": 0x555f6b4000,
            "x23": 0x7fe2ba6280, "x24": 0x7fe2ba6250, "x25": 0x555f6b4c51, "x26": 0xe91, "x27": 0x7fe2ba6220,
            "x28": 0x7fe2ba61f0, "fp": 0x7fe2ba6120, "lr": 0x555f636f6c, "sp": 0x7fe2ba6120, "pc": 0x555f636f6c,
        ]
        for i in 0...18 { expected["x\(i)"] = 0 }
        for (name, value) in expected { #expect(r[name] == value, "\(name)") }
    }

    /// The report Breakpad's MicrodumpProcessor builds: one crashed thread with an empty
    /// reason at address 0, the stack as the only memory, no main module, no timestamp.
    @Test func report() throws {
        let report = try Self.report("microdump-arm.dmp")
        #expect(report.format == "microdump")
        #expect(report.system?.os == .android)
        #expect(report.system?.osVersion == "OS VERSION INFO")
        #expect(report.system?.osBuild == nil)
        #expect(report.system?.cpu == .arm)
        #expect(report.system?.cpuCount == 2)
        #expect(report.system?.cpuInfo == nil)
        #expect(report.system?.gpu?.renderer == "Adreno (TM) 330")
        #expect(report.threads.count == 1)
        #expect(report.threads[0].id == 0)
        #expect(report.threads[0].context?["pc"] == 0xaaaeb307)
        #expect(report.threads[0].stack?.base == 0xffea6000)
        #expect(report.requestingThread == 0)
        #expect(report.crash?.name == "")
        #expect(report.crash?.address == 0)
        #expect(report.timestamp == nil)
        #expect(report.memory.regions.count == 1)
        #expect(report.memory.read(UInt32.self, at: 0xffea6180) == 0xffea6821)
        #expect(report.modules.count == 6)
        #expect(report.annotations?.simple == ["hardware_architecture": "armv7l"])
        #expect(report.notes.isEmpty)
    }

    /// The registry picks the microdump parser for microdumps and the minidump parser for
    /// minidumps.
    @Test func sniffing() throws {
        for name in ["microdump-arm.dmp", "microdump-arm64.dmp"] {
            let bytes = ByteView(try Fixtures.bytes("breakpad/microdumps/\(name)"))
            #expect(MicrodumpStage.canParse(bytes))
            #expect(bundledRegistry.parser(for: bytes) == "microdump")
        }
        let minidump = ByteView(try Fixtures.bytes("breakpad/minidumps/minidump2.dmp"))
        #expect(!MicrodumpStage.canParse(minidump))
        #expect(bundledRegistry.parser(for: minidump) == "minidump")
        // Binary data that happens to hold the marker is not a microdump.
        #expect(!MicrodumpStage.canParse(ByteView([0x4D, 0x44, 0x00] + Array("-----BEGIN BREAKPAD MICRODUMP-----\n".utf8))))
        #expect(!MicrodumpStage.canParse(ByteView(Array("-----BEGIN BREAKPAD MICRO".utf8))))
        #expect(MicrodumpStage.canParse(ByteView(Array("log line\n-----BEGIN BREAKPAD MICRODUMP-----\n".utf8))))
    }
}
