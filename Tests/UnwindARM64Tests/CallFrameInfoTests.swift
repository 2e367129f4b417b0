import CrashpipeCore
import TestSupport
import Testing
import UnwindARM64

/// `STACK CFI` unwinding, after the CFI tests in Breakpad's stackwalker_arm64_unittest.cc:
/// "enchiridion" (module1 + 0x4000) is the crashed function, "epictetus" (+0x5000) its caller,
/// whose CFI marks the end of the stack.
struct CallFrameInfoTests {
    static let functions: [(start: UInt64, size: UInt64, name: String)] = [
        (0x4000, 0x1000, "enchiridion"), (0x5000, 0x1000, "epictetus"),
    ]
    static let endOfStack: (start: UInt64, size: UInt64, rules: String) = (0x5000, 0x1000, ".cfa: 0 .ra: 0")
    static let returnAddress = ARM64.m1 + 0x5510

    /// The callee's registers: distinct callee-saved values, scratch registers, and an lr.
    static func calleeRegisters(_ f: StackFixture) -> [String: UInt64] {
        var registers: [String: UInt64] = ["pc": ARM64.m1 + 0x4010, "sp": f.stackBase, "x0": 0x1111, "x1": 0x2222,
                                           "x19": 0xadc9_f635_a635_adc9, "x20": 0x6231_35ac_35ac_6231,
                                           "x29": 0x5fc4_be14_be14_5fc4, "x30": ARM64.m1 + 0x4f00]
        for i in 21...28 { registers["x\(i)"] = 0x2100_0000 + UInt64(i) }
        return registers
    }

    /// x19, x20 and x29 saved in the frame come back from it; x21–x28, which the rules do not
    /// mention, keep the callee's values; scratch registers and lr are unknown, exactly the
    /// registers Breakpad marks valid.
    @Test func savedAndForwardedRegisters() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: Self.functions, cfi: [
            (0x4000, 0x1000, ".cfa: sp 32 + .ra: .cfa -8 + ^ x19: .cfa -32 + ^ x20: .cfa -24 + ^ x29: .cfa -16 + ^"),
            Self.endOfStack,
        ])
        f.section.u64(0x5e68_b5d5_b5d5_5e68)   // saved x19
        f.section.u64(0x34f3_ebd1_ebd1_34f3)   // saved x20
        f.section.u64(0xe110_8112_8112_e110)   // saved x29
        f.section.u64(Self.returnAddress)
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32)
        let frames = f.walkARM64(Self.calleeRegisters(f))

        try #require(frames.count == 2, "epictetus's CFI gives a null return address")
        #expect(frames.map(\.trust) == [.context, .cfi])
        #expect(frames[0].function == "enchiridion")
        let caller = frames[1]
        #expect(caller.instruction == Self.returnAddress)
        #expect(caller.function == "epictetus")
        #expect(caller.register("sp") == f.address(frame1SP))
        #expect(caller.register("x19") == 0x5e68_b5d5_b5d5_5e68)
        #expect(caller.register("x20") == 0x34f3_ebd1_ebd1_34f3)
        #expect(caller.register("fp") == 0xe110_8112_8112_e110)
        for i in 21...28 { #expect(caller.register("x\(i)") == 0x2100_0000 + UInt64(i)) }
        #expect(caller.knownRegisters == (19...29).map { "x\($0)" } + ["sp", "pc"])
        #expect(caller.register("lr") == nil && caller.register("x0") == nil)
    }

    /// Rules for `pc` and `sp` themselves win over `.ra` and `.cfa` (Breakpad's At4005 and
    /// At4006); here `.ra` points at garbage.
    @Test func explicitStackPointerAndProgramCounterRules() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: Self.functions, cfi: [
            (0x4000, 0x1000, ".cfa: sp 48 + .ra: .cfa -8 + ^ pc: .cfa 48 - ^ sp: .cfa 16 - x29: .cfa -16 + ^"),
            Self.endOfStack,
        ])
        f.section.u64(Self.returnAddress)          // the pc rule's slot
        f.section.zeros(24)
        let frame1SP = f.section.here("frame1.sp")  // .cfa - 16
        f.section.u64(0xe110_8112_8112_e110)       // saved x29
        f.section.u64(0xf8d1_5783_5783_f8d1)       // what .ra would read: garbage
        f.section.zeros(32)
        let frames = f.walkARM64(Self.calleeRegisters(f))

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].instruction == Self.returnAddress)
        #expect(frames[1].register("pc") == Self.returnAddress)
        #expect(frames[1].register("sp") == f.address(frame1SP))
        #expect(frames[1].register("x29") == 0xe110_8112_8112_e110)
    }

    /// A row with any rule that cannot be evaluated (a read outside the stack, an unknown name)
    /// is not used at all, as in Breakpad; the walk falls back to the link register.
    @Test(arguments: ["x19: .cfa 4096 + ^", "v8: .cfa 4096 + ^", "x21: moot"])
    func unusableRuleRejectsTheRow(rule: String) throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: Self.functions,
                                     cfi: [(0x4000, 0x1000, ".cfa: sp 16 + .ra: .cfa -8 + ^ " + rule)])
        f.section.u64(0).u64(Self.returnAddress).zeros(16)
        var registers = Self.calleeRegisters(f)
        registers["x29"] = 0
        registers["x30"] = ARM64.m2 + 0x100
        let frames = f.walkARM64(registers, scan: false)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].instruction == ARM64.m2 + 0x100, "not the CFI's return address")
        #expect(frames[1].register("sp") == f.stackBase)
    }

    /// At a function's first instruction the return address is still in lr and sp has not
    /// moved: the first unwind may keep sp. A second step that keeps it is refused and ends
    /// the walk (Breakpad's TerminateWalk), whatever else could be tried.
    @Test func equalStackPointerOnlyForTheFirstUnwind() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(
            functions: [(0x1000, 0x100, "entered"), (0x2000, 0x100, "caller"), (0x3000, 0x100, "grandcaller")],
            cfi: [(0x1000, 0x100, ".cfa: sp 0 + .ra: x30"), (0x2000, 0x100, ".cfa: sp 0 + .ra: x20")])
        f.section.u64(ARM64.m1 + 0x3020).zeros(24)   // a return address scanning would find
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x1000, "sp": f.stackBase, "x29": 0,
                                  "x30": ARM64.m1 + 0x2010, "x20": ARM64.m1 + 0x3010])

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].instruction == ARM64.m1 + 0x2010)
        #expect(frames[1].function == "caller")
        #expect(frames[1].register("sp") == f.stackBase)
        #expect(frames[1].register("x20") == ARM64.m1 + 0x3010, "forwarded, so the next row could use it")

        let unwinder = ARM64Unwinder()
        let callee = frames[0], sameSP = frames[1]
        var higher = frames[1]
        higher.context?["sp"] = f.stackBase + 16
        var lower = frames[1]
        lower.context?["sp"] = f.stackBase - 16
        #expect(unwinder.isProgress(from: callee, to: sameSP, depth: 1))
        #expect(!unwinder.isProgress(from: sameSP, to: sameSP, depth: 2))
        #expect(unwinder.isProgress(from: sameSP, to: higher, depth: 2))
        #expect(!unwinder.isProgress(from: callee, to: lower, depth: 1))
    }

    /// A return address (and lr) recovered by CFI loses its pointer-authentication code.
    @Test func signedReturnAddressIsStripped() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: Self.functions, cfi: [
            (0x4000, 0x1000, ".cfa: sp 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^ x30: .cfa -8 + ^"),
        ])
        f.section.u64(0)                                  // saved x29: the outermost frame
        f.section.u64(ARM64.signed(ARM64.m2 + 0x100))     // saved (signed) lr
        f.section.zeros(16)
        let frames = f.walkARM64(Self.calleeRegisters(f))

        try #require(frames.count == 2, "x29 = 0 ends the chain")
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].instruction == ARM64.m2 + 0x100)
        #expect(frames[1].moduleIndex == 1)
        #expect(frames[1].register("lr") == ARM64.m2 + 0x100)
        #expect(frames[1].register("sp") == f.stackBase + 16)
    }
}
