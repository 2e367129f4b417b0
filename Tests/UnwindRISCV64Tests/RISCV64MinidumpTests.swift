import Bundled
import CrashpipeCore
import Foundation
import TestSupport
import Testing
import UnwindRISCV64

/// A synthetic riscv64 Linux minidump run through the bundled `stackwalk` pipeline: the
/// Minidump plugin decodes the context through the registry, the symbols stage reads STACK CFI
/// written with RISC-V register names, and the riscv64 unwinder walks the stack.
struct RISCV64MinidumpTests {
    static let app: UInt64 = 0x2a_aaaa_0000
    static let libc: UInt64 = 0x3f_f7f0_0000
    static let stack: UInt64 = 0x3f_ffff_e000
    /// MD_CPU_ARCHITECTURE_RISCV64 (Breakpad's value; `SynthArchitecture` has no constant yet).
    static let riscv64Architecture: UInt16 = 0x8006

    /// Frame 0 in the app (s0 = its frame pointer), a record returning into the app at a
    /// compressed call, a record returning into libc with s0 = 0 (end of the chain), then a
    /// return address only scanning finds.
    static func minidump(systemInfo: Bool = true) -> [UInt8] {
        let dump = SyntheticMinidump()
        if systemInfo {
            dump.addSystemInfo(SynthSystemInfo(processorArchitecture: riscv64Architecture, platformID: SynthPlatform.linux))
        }
        let s = dump.section("stack")
        s.u64(0x1111).u64(0x2222)                    // frame 0's locals
        s.u64(stack + 64).u64(app + 0x2002)          // frame 0's record (s0 = stack + 32)
        s.u64(0x3333).u64(0x4444)                    // frame 1's locals
        s.u64(0).u64(libc + 0x3000)                  // frame 1's record (s0 = stack + 64): outermost s0
        s.u64(0x10).u64(libc + 0x4440)               // a word that is not code, a return address
        s.zeros(16)
        let context = SynthRISCV64.context(["pc": app + 0x1010, "sp": stack, "s0": stack + 32, "ra": app + 0x1abc,
                                            "s1": 0x5151, "a0": 0xa0, "gp": 0x2a_aaab_8000, "tp": 0x3f_f7ff_0700,
                                            "f1": 0x4000_0000_0000_0000, "fcsr": 0x20],
                                           endian: dump.endian)
        dump.addThread(SynthThread(id: 7, stack: SynthMemory(address: stack, content: s), context: context))
        dump.addThread(SynthThread(id: 8, stack: SynthMemory(address: stack - 0x1000, bytes: [UInt8](repeating: 0, count: 32)),
                                   context: SynthRISCV64.context(["pc": libc + 0x100, "sp": stack - 0x1000], endian: dump.endian)))
        dump.addModule(SynthModule(baseOfImage: app, sizeOfImage: 0x10000, name: "/usr/bin/app",
                                   codeView: .elf(buildID: Array(0x10...0x23))))
        dump.addModule(SynthModule(baseOfImage: libc, sizeOfImage: 0x20000, name: "/lib/libc.so.6",
                                   codeView: .elf(buildID: Array(0x40...0x53))))
        dump.addException(SynthException(threadID: 7, code: 11, address: app + 0x1010, context: context))
        return dump.build()
    }

    static func walk(_ bytes: [UInt8], symbolPaths: [String] = []) async throws -> CrashReport {
        let pipeline = try StackwalkPipeline.make(registry: try Bundled.registry(), symbolPaths: symbolPaths)
        return try await pipeline.run(PipelineInput(name: "riscv64.dmp", bytes: ByteView(bytes)))
    }

    @Test func parsesAndWalksThroughTheBundledRegistry() async throws {
        let report = try await Self.walk(Self.minidump())
        #expect(report.system?.cpu == .riscv64 && report.system?.os == .linux)
        #expect(report.threads.count == 2)
        let thread = try #require(report.crashingThread)
        #expect(thread.id == 7)
        let registers = try #require(thread.context)
        #expect(registers.cpu == .riscv64 && registers.known.count == 32)
        #expect(registers.instructionPointer == Self.app + 0x1010 && registers.stackPointer == Self.stack)
        #expect(registers["fp"] == Self.stack + 32 && registers["gp"] == 0x2a_aaab_8000 && registers["x4"] == 0x3f_f7ff_0700)
        let frames = thread.frames
        #expect(frames.map(\.instruction) == [Self.app + 0x1010, Self.app + 0x2002, Self.libc + 0x3000, Self.libc + 0x4440])
        #expect(frames.map(\.trust) == [.context, .framePointer, .framePointer, .scan])
        #expect(frames.map(\.moduleIndex) == [0, 0, 1, 1])
        #expect(frames.map { $0.context?.stackPointer } == [Self.stack, Self.stack + 32, Self.stack + 64, Self.stack + 80])
        #expect(frames.map { $0.context?.framePointer } == [Self.stack + 32, Self.stack + 64, 0, nil])
        #expect(frames[1].lookupAddress == Self.app + 0x2000)
        // The other thread (no caller anywhere) has its context frame only.
        #expect(report.threads[1].frames.map(\.instruction) == [Self.libc + 0x100])
    }

    /// Without a SystemInfo stream the context is recognized by its flags.
    @Test func recognizedWithoutSystemInfo() async throws {
        let report = try await Self.walk(Self.minidump(systemInfo: false))
        let thread = try #require(report.crashingThread)
        #expect(thread.context?.cpu == .riscv64)
        #expect(thread.frames.map(\.instruction) == [Self.app + 0x1010, Self.app + 0x2002, Self.libc + 0x3000, Self.libc + 0x4440])
        #expect(thread.frames.map(\.trust) == [.context, .framePointer, .framePointer, .scan])
    }

    /// STACK CFI as dump_syms writes it for RISC-V (`sp`, `ra`, `s0`, no `$`) is read by the
    /// SymbolsBreakpad plugin and used by the unwinder; the frame pointer and scanning take
    /// over where the file has no CFI.
    @Test func walksWithBreakpadSymbols() async throws {
        let bytes = Self.minidump()
        let first = try await Self.walk(bytes)
        let module = first.modules[0]
        let debugId = try #require(module.debugId?.breakpad)
        let name = baseName(module.debugFile ?? module.codeFile)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-riscv64-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("\(name)/\(debugId)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sym = """
            MODULE Linux riscv64 \(debugId) \(name)
            FILE 0 crash.c
            FUNC 1000 40 0 crash_here
            1000 40 12 0
            FUNC 2000 10 0 main
            2000 10 20 0
            STACK CFI INIT 1000 40 .cfa: sp 0 + .ra: ra
            STACK CFI 1008 .cfa: sp 32 + .ra: .cfa -8 + ^ s0: .cfa -16 + ^

            """
        try Data(sym.utf8).write(to: directory.appendingPathComponent("\(name).sym"))

        let report = try await Self.walk(bytes, symbolPaths: [root.path])
        #expect(report.modules[0].symbolStatus == .found)
        let frames = try #require(report.crashingThread).frames
        #expect(frames.map(\.instruction) == [Self.app + 0x1010, Self.app + 0x2002, Self.libc + 0x3000, Self.libc + 0x4440])
        #expect(frames.map(\.trust) == [.context, .cfi, .framePointer, .scan])
        #expect(frames.map(\.function) == ["crash_here", "main", nil, nil])
        #expect(frames[0].line == 12 && frames[1].line == 20 && frames[1].file == "crash.c")
        let caller = try #require(frames[1].context)
        #expect(caller.stackPointer == Self.stack + 32 && caller["s0"] == Self.stack + 64)
        #expect(caller["s1"] == 0x5151 && caller["a0"] == nil && caller["ra"] == nil)
    }
}
