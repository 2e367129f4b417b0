import CrashpipeCore
import Testing
import TestSupport
import UnwindX86

/// STACK CFI (Breakpad's CFI.At4000 ... At4006), the first-unwind progress rule, and
/// registration.
@Suite struct CallFrameInfoTests {
    /// Breakpad's CFI fixture: a function whose rules change at every instruction of its
    /// prologue, called by `epictetus`, whose rules end the stack.
    static let symbols = """
        FUNC 4000 1000 10 enchiridion
        STACK CFI INIT 4000 100 .cfa: $esp 4 + .ra: .cfa 4 - ^
        STACK CFI 4001 .cfa: $esp 8 + $ebx: .cfa 8 - ^
        STACK CFI 4002 $esi: $ebx
        STACK CFI 4003 .cfa: $esp 20 + $edi: .cfa 16 - ^
        STACK CFI 4005 .ra: $edi
        STACK CFI 4006 .cfa: $ebp 8 + $ebp: .cfa 12 - ^
        FUNC 5000 1000 10 epictetus
        STACK CFI INIT 5000 1000 .cfa: $esp .ra 0
        """

    /// The caller's registers every case must recover.
    static let expected: [String: UInt32] = ["esp": 0x8000_0000, "eip": 0x4000_5510, "ebp": 0xc0d4_aab9,
                                             "ebx": 0x60f2_0ce6, "esi": 0x53d1_379d, "edi": 0xafba_e234]

    /// One point in the prologue: the stack words (ending at the caller's %esp) and the
    /// callee's registers that differ from the caller's.
    struct Case: Sendable, CustomTestStringConvertible {
        var offset: UInt32
        var words: [UInt32]
        var registers: [String: UInt32]
        /// Whether %ebp must point at the third word (the 4006 case).
        var ebpAtThirdWord = false
        var testDescription: String { "at 0x\(String(offset, radix: 16))" }
    }

    static let cases: [Case] = [
        Case(offset: 0x4000, words: [0x4000_5510], registers: [:]),
        Case(offset: 0x4001, words: [0x60f2_0ce6, 0x4000_5510], registers: ["ebx": 0x91aa_9a8b]),
        Case(offset: 0x4002, words: [0x60f2_0ce6, 0x4000_5510], registers: ["ebx": 0x53d1_379d, "esi": 0xa5c7_90ed]),
        Case(offset: 0x4003, words: [0x56ec_3db7, 0xafba_e234, 0x53d6_7131, 0x60f2_0ce6, 0x4000_5510],
             registers: ["ebx": 0x53d1_379d, "esi": 0xa97f_229d, "edi": 0xb05c_c997]),
        Case(offset: 0x4004, words: [0xe297_82c2, 0xafba_e234, 0x5ba2_9ce9, 0x60f2_0ce6, 0x4000_5510],
             registers: ["ebx": 0x53d1_379d, "esi": 0x0fb7_dc4e, "edi": 0x993b_4280]),
        Case(offset: 0x4005, words: [0xe297_82c2, 0xafba_e234, 0x5ba2_9ce9, 0x60f2_0ce6, 0x8036_cc02],
             registers: ["ebx": 0x53d1_379d, "esi": 0x0fb7_dc4e, "edi": 0x4000_5510]),
        Case(offset: 0x4006, words: [0xdcdd_25cd, 0xafba_e234, 0xc0d4_aab9, 0x60f2_0ce6, 0x8036_cc02],
             registers: ["ebx": 0x53d1_379d, "esi": 0x7438_33c9, "edi": 0x4000_5510], ebpAtThirdWord: true),
    ]

    @Test(arguments: cases)
    func prologue(_ point: Case) throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", Self.symbols)
        let base = UInt64(0x8000_0000) - UInt64(point.words.count * 4)
        let stack = TestStack(base: base).d32(point.words)
        var registers = Self.expected.merging(point.registers) { $1 }
        registers["eip"] = 0x4000_0000 + point.offset
        registers["esp"] = UInt32(base)
        if point.ebpAtThirdWord { registers["ebp"] = UInt32(base + 12) }
        let frames = fixture.walk(registers, stack: stack)

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .cfi])
        let caller = frames[1]
        #expect(caller.knownRegisters == ["eip", "esp", "ebp", "ebx", "esi", "edi"])
        #expect(caller.instruction == 0x4000_5510)
        for (name, value) in Self.expected {
            #expect(caller.register(name) == UInt64(value), "\(name)")
        }
    }

    /// Rules that leave the caller's %ebp unknown are not enough: Breakpad needs eip, esp and
    /// ebp, so the frame pointer strategy runs instead.
    @Test func rulesWithoutFramePointerFallBack() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 1000 100 0 f\nSTACK CFI INIT 1000 100 .cfa: $esp 4 + .ra: .cfa 4 - ^ $ebp: .undef\n")
        let frame0EBP = SynthLabel("frame0_ebp")
        let stack = TestStack(base: 0x8000_0000).d32(0x4000_2000).mark(frame0EBP).d32(0).d32(0x5000_3000).append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_1010, "esp": 0x8000_0000, "ebp": UInt32(stack.address(frame0EBP))],
                                  stack: stack)

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].instruction == 0x5000_3000)
    }

    /// A rule for a register Breakpad's x86 CFI map does not have (`$eflags`) is ignored, while
    /// caller-saved registers with rules are recovered.
    @Test func onlyBreakpadsRegistersAreRecovered() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 1000 100 0 f\n"
                           + "STACK CFI INIT 1000 100 .cfa: $esp 4 + .ra: .cfa 4 - ^ $eflags: $eax $eax: $ecx\n")
        let stack = TestStack(base: 0x8000_0000).d32(0x5000_1000)
        let frames = fixture.walk(["eip": 0x4000_1010, "esp": 0x8000_0000, "ecx": 0x1234_5678], stack: stack)

        try #require(frames.count >= 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].knownRegisters == ["eip", "esp", "ebp", "ebx", "esi", "edi", "eax"])
        #expect(frames[1].register("eax") == 0x1234_5678)
        #expect(frames[1].register("esp") == 0x8000_0004)
    }

    /// Breakpad accepts an unchanged stack pointer on the first unwind only.
    @Test func equalStackPointerOnlyOnTheFirstUnwind() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 1000 100 0 f\nSTACK CFI INIT 1000 100 .cfa: $esp .ra: $esi\n"
                           + "FUNC 2000 100 0 g\nSTACK CFI INIT 2000 100 .cfa: $esp .ra: $edi\n")
        let stack = TestStack(base: 0x8000_0000).append(16, 0)
        let frames = fixture.walk(["eip": 0x4000_1010, "esp": 0x8000_0000, "esi": 0x4000_2010, "edi": 0x4000_3000],
                                  stack: stack)

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .cfi])
        #expect(frames[1].instruction == 0x4000_2010)
        #expect(frames[1].register("esp") == 0x8000_0000)
        #expect(frames[1].register("edi") == 0x4000_3000)
    }

    @Test func registersTheX86Unwinder() throws {
        var registry = PluginRegistry()
        try UnwindX86Plugin.register(in: &registry)
        #expect(registry.unwinders[.x86] is X86Unwinder)
        #expect(throws: RegistryError.self) { try UnwindX86Plugin.register(in: &registry) }
    }

    @Test func layoutMatchesTheMinidumpContext() {
        let layout = X86Unwinder.registerLayout
        #expect(layout.names == ["eip", "esp", "ebp", "ebx", "esi", "edi", "eax", "ecx", "edx", "eflags"])
        #expect(layout.names[layout.instructionPointer] == "eip")
        #expect(layout.names[layout.stackPointer] == "esp")
        #expect(layout.framePointer.map { layout.names[$0] } == "ebp")
    }
}
