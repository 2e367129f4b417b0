import CrashpipeCore
import TestSupport
import Testing
import UnwindARM

/// The 32-bit ARM strategies on stacks assembled in the test, after Breakpad's
/// stackwalker_arm_unittest.cc: two modules at 0x40000000 and 0x50000000, a stack at
/// 0x80000000 built from labels.
struct ARMUnwinderTests {
    static let modules = [
        Module(base: 0x4000_0000, size: 0x10000, codeFile: "module1"),
        Module(base: 0x5000_0000, size: 0x10000, codeFile: "module2"),
    ]
    static let m1: UInt64 = 0x4000_0000
    static let m2: UInt64 = 0x5000_0000

    func fixture(_ os: OS = .linux) -> StackFixture {
        var f = StackFixture(stackBase: 0x8000_0000, modules: Self.modules)
        f.os = os
        return f
    }

    /// Appends the absolute stack address of `label` as a 32-bit word.
    func pointer(_ f: StackFixture, _ label: SynthLabel) {
        f.section.u32(label, plus: Int64(f.stackBase))
    }

    func walk(_ f: StackFixture, layout: RegisterLayout = ContextARM.layout, _ registers: [String: UInt64],
              labels: [String: SynthLabel] = [:], maxFrames: Int = 1024, scan: Bool = true) -> [Frame] {
        f.walk(ARMUnwinder(), layout: layout, registers: registers, labels: labels, maxFrames: maxFrames, scan: scan)
    }

    /// Names of the registers a frame knows, in layout order.
    func known(_ frame: Frame) -> [String] { frame.context?.known.map(\.name) ?? [] }

    // MARK: Registration and progress

    @Test func registersFormatAndUnwinderOnce() throws {
        var registry = PluginRegistry()
        try UnwindARMPlugin.register(in: &registry)
        #expect(registry.unwinders[.arm] is ARMUnwinder)
        #expect(registry.contextFormats.format(for: .arm) is ARMContextFormat)
        #expect(throws: RegistryError.self) { try UnwindARMPlugin.register(in: &registry) }
        #expect(throws: RegistryError.self) { try registry.register(unwinder: ARMUnwinder()) }
    }

    /// Only the first unwind may keep the stack pointer (a leaf returning through lr).
    @Test func equalStackPointerIsProgressOnlyOnTheFirstUnwind() {
        func frame(sp: UInt64) -> Frame {
            var context = RegisterContext(layout: ContextARM.layout)
            context["sp"] = sp
            context["pc"] = 0x4000_1000
            return Frame(instruction: 0x4000_1000, trust: .cfi, context: context)
        }
        let unwinder = ARMUnwinder()
        #expect(unwinder.isProgress(from: frame(sp: 0x8000), to: frame(sp: 0x8000), depth: 1))
        #expect(!unwinder.isProgress(from: frame(sp: 0x8000), to: frame(sp: 0x8000), depth: 2))
        #expect(!unwinder.isProgress(from: frame(sp: 0x8000), to: frame(sp: 0x7ffc), depth: 1))
        #expect(unwinder.isProgress(from: frame(sp: 0x8000), to: frame(sp: 0x8004), depth: 5))
        #expect(!unwinder.isProgress(from: frame(sp: 0x8000), to: Frame(instruction: 0x4000_1000, trust: .scan), depth: 1))
    }

    // MARK: Call frame information

    static let cfiSymbols = CannedSymbols(
        functions: [(0x4000, 0x1000, "enchiridion"), (0x5000, 0x1000, "epictetus")],
        cfi: [(0x4000, 0x100, ".cfa: sp 12 + r4: .cfa 12 - ^ r11: .cfa 8 - ^ .ra: .cfa 4 - ^"),
              (0x5000, 0x1000, ".cfa: 0 .ra: 0")])

    /// Breakpad's CFI At4001: the rules give sp, pc, r4 and r11; r5–r10 pass through from the
    /// callee; caller-saved registers and lr are unknown. With only pc and sp known in the
    /// callee, only what the rules recover is known in the caller.
    @Test func callFrameInfo() {
        var f = fixture()
        f.symbols[0] = Self.cfiSymbols
        f.section.u32(0xb5d5_5e68)          // saved r4
        f.section.u32(0x8112_e110)          // saved r11
        f.section.u32(0x4000_5510)          // return address
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(16)
        let callee: [String: UInt64] = [
            "pc": Self.m1 + 0x4004, "sp": f.stackBase, "lr": 0x4000_7777, "r0": 1, "r1": 2, "r2": 3, "r3": 4,
            "r4": 0x635a_dc9f, "r5": 0xebd1_34f3, "r6": 0xa31e_74bc, "r7": 0x2dcb_16b3, "r8": 0x2ada_2137,
            "r9": 0xbbbb_557d, "r10": 0x48bf_8ca7, "r11": 0xbe14_5fc4, "r12": 5,
        ]
        let frames = walk(f, callee, scan: false)
        #expect(frames.count == 2)
        #expect(frames[0].trust == .context && frames[0].function == "enchiridion")
        let caller = frames[1]
        #expect(caller.trust == .cfi)
        #expect(caller.instruction == 0x4000_5510)
        #expect(caller.function == "epictetus")
        #expect(caller.context?.stackPointer == f.address(frame1SP))
        #expect(caller.context?["r4"] == 0xb5d5_5e68)
        #expect(caller.context?["r11"] == 0x8112_e110)
        #expect(caller.context?["r5"] == 0xebd1_34f3 && caller.context?["r10"] == 0x48bf_8ca7)
        #expect(known(caller) == ["r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r13", "r15"])

        let limited = walk(f, ["pc": Self.m1 + 0x4004, "sp": f.stackBase], scan: false)
        #expect(limited.count == 2)
        #expect(limited[1].instruction == 0x4000_5510 && limited[1].trust == .cfi)
        #expect(known(limited[1]) == ["r4", "r11", "r13", "r15"])
    }

    /// Rules naming sp or pc beat .cfa and .ra (Breakpad's At4005 and At4006, where .ra
    /// recovers garbage).
    @Test func explicitStackPointerAndProgramCounterRulesWin() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(
            functions: [(0x4000, 0x1000, "enchiridion"), (0x5000, 0x1000, "epictetus")],
            cfi: [(0x4005, 1, ".cfa: sp 12 + r1: .cfa 12 - ^ r11: .cfa 4 - ^ .ra: .cfa ^ sp: .cfa 4 +"),
                  (0x4006, 1, ".cfa: sp 16 + r1: .cfa 12 - ^ r11: .cfa 4 - ^ .ra: .cfa ^ sp: .cfa 4 + pc: .cfa 16 - ^")])
        f.section.u32(0x48c8_dd5a)          // saved r1
        f.section.u32(0xf013_f841)          // no longer saved r4
        f.section.u32(0x8112_e110)          // saved r11
        f.section.u32(0x4000_5510)          // return address (.ra at the CFA)
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(8)
        let at4005 = walk(f, ["pc": Self.m1 + 0x4005, "sp": f.stackBase, "r1": 0xfb75_6319], scan: false)
        #expect(at4005.count == 2)
        #expect(at4005[1].trust == .cfi && at4005[1].instruction == 0x4000_5510)
        #expect(at4005[1].context?.stackPointer == f.address(frame1SP), "sp: .cfa 4 +, not .cfa")
        #expect(at4005[1].context?["r1"] == 0x48c8_dd5a && at4005[1].context?["r11"] == 0x8112_e110)

        var g = fixture()
        g.symbols = f.symbols
        g.section.u32(0x4000_5510)          // saved pc
        g.section.u32(0x48c8_dd5a)          // saved r1
        g.section.u32(0xf013_f841)          // no longer saved r4
        g.section.u32(0x8112_e110)          // saved r11
        g.section.u32(0xf8d1_5783)          // what .ra recovers: garbage
        let frame1SPg = g.section.here("frame1.sp")
        g.section.zeros(8)
        let at4006 = walk(g, ["pc": Self.m1 + 0x4006, "sp": g.stackBase, "r1": 0xfb75_6319], scan: false)
        #expect(at4006.count == 2)
        #expect(at4006[1].instruction == 0x4000_5510, "the pc rule wins over .ra")
        #expect(at4006[1].context?.instructionPointer == 0x4000_5510)
        #expect(at4006[1].context?.stackPointer == g.address(frame1SPg))
        #expect(at4006[1].context?["r1"] == 0x48c8_dd5a && at4006[1].context?["r11"] == 0x8112_e110)
    }

    /// At a function's entry the CFI says `.cfa: sp .ra: lr`: the caller keeps the sp, which is
    /// allowed once. A second step that keeps the sp ends the walk.
    @Test func callFrameInfoAtEntryKeepsTheStackPointerOnce() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(
            functions: [(0x4000, 0x1000, "enchiridion"), (0x5000, 0x1000, "epictetus")],
            cfi: [(0x4000, 0x100, ".cfa: sp .ra: lr"), (0x5000, 0x1000, ".cfa: sp .ra: r4")])
        f.section.zeros(16)
        let frames = walk(f, ["pc": Self.m1 + 0x4000, "sp": f.stackBase, "lr": 0x4000_5510, "r4": Self.m1 + 0x4020],
                          scan: false)
        #expect(frames.count == 2, "epictetus's rules keep the sp a second time")
        #expect(frames[1].trust == .cfi && frames[1].instruction == 0x4000_5510)
        #expect(frames[1].function == "epictetus")
        #expect(frames[1].context?.stackPointer == f.stackBase)
        #expect(frames[1].context?["r4"] == Self.m1 + 0x4020)
    }

    /// Breakpad ignores CFI on iOS and unwinds by frame pointer; macOS keeps CFI.
    @Test func iOSIgnoresCallFrameInfo() {
        func run(_ os: OS) -> [Frame] {
            var f = fixture(os)
            f.symbols[0] = CannedSymbols(functions: [(0x4000, 0x1000, "enchiridion")],
                                         cfi: [(0x4000, 0x1000, ".cfa: sp 8 + .ra: .cfa -4 + ^")])
            f.section.u32(0).u32(0x4000_5510).zeros(8)
            return walk(f, layout: ContextARM.appleLayout,
                        ["pc": Self.m1 + 0x4010, "sp": f.stackBase, "lr": Self.m2 + 0x100, "r7": 0], scan: false)
        }
        let iOS = run(.iOS)
        #expect(iOS.count == 2)
        #expect(iOS[1].trust == .framePointer && iOS[1].instruction == Self.m2 + 0x100)
        #expect(iOS[1].context?.stackPointer == 0x8000_0000)
        let macOS = run(.macOS)
        #expect(macOS.count == 2)
        #expect(macOS[1].trust == .cfi && macOS[1].instruction == 0x4000_5510)
        #expect(macOS[1].context?.stackPointer == 0x8000_0008)
    }

    // MARK: Frame pointers

    /// Linux and Android: r11 points at {caller's r11, return address}; the caller's sp is r11+8.
    /// lr is ignored (it may be stale in a function that made calls).
    @Test func framePointerChainWithR11() {
        let f = fixture()
        let frame1FP = SynthLabel("frame1.fp")
        f.section.zeros(32)                                     // frame 0's locals
        f.section.u32(0x0000_000d).u32(0xf000_0000)             // junk that is not a return address
        let frame0FP = f.section.here("frame0.fp")
        pointer(f, frame1FP)                                    // saved r11
        f.section.u32(UInt32(Self.m2 + 0x100))                  // return address
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32).u32(0x0000_000d).u32(0xf000_0000)
        f.section.mark(frame1FP)
        f.section.u32(0).u32(UInt32(Self.m2 + 0x900))           // end of chain
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(32).u32(0x0000_000d).u32(0xf000_0000)
        for scan in [false, true] {
            let frames = walk(f, ["pc": Self.m1 + 0x5510, "sp": f.stackBase, "lr": Self.m1 + 0x7777],
                              labels: ["r11": frame0FP], scan: scan)
            #expect(frames.count == 3)
            #expect(frames[1].trust == .framePointer && frames[1].instruction == Self.m2 + 0x100)
            #expect(frames[1].context?.stackPointer == f.address(frame1SP))
            #expect(frames[1].context?["r11"] == f.address(frame1FP))
            #expect(known(frames[1]) == ["r11", "r13", "r15"])
            #expect(frames[2].trust == .framePointer && frames[2].instruction == Self.m2 + 0x900)
            #expect(frames[2].context?.stackPointer == f.address(frame2SP))
            #expect(frames[2].context?["r11"] == 0)
        }
    }

    /// Apple platforms: Breakpad's model with r7 (its OnlyFramePointer test): the caller's pc is
    /// the callee's lr, its lr the record's saved lr; a zero saved lr ends the walk.
    @Test(arguments: [OS.iOS, OS.macOS])
    func framePointerChainWithR7(os: OS) {
        let f = fixture(os)
        let frame2FP = SynthLabel("frame2.fp")
        f.section.zeros(32).u32(0x0000_000d).u32(0xf000_0000)
        let frame1FP = f.section.here("frame1.fp")
        pointer(f, frame2FP)                                    // saved r7
        f.section.u32(UInt32(Self.m2 + 0x900))                  // saved lr
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32).u32(0x0000_000d).u32(0xf000_0000)
        f.section.mark(frame2FP)
        f.section.u32(0).u32(0)
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(32).u32(0x0000_000d).u32(0xf000_0000)
        let frames = walk(f, layout: ContextARM.appleLayout,
                          ["pc": Self.m1 + 0x5510, "sp": f.stackBase, "lr": Self.m2 + 0x100, "r11": 0x8000_0010],
                          labels: ["r7": frame1FP])
        #expect(frames.count == 3)
        #expect(frames[1].trust == .framePointer && frames[1].instruction == Self.m2 + 0x100)
        #expect(frames[1].context?["lr"] == Self.m2 + 0x900)
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[1].context?["r7"] == f.address(frame2FP))
        #expect(frames[1].context?.framePointer == f.address(frame2FP), "fp names r7 in the Apple layout")
        #expect(known(frames[1]) == ["r7", "r13", "r14", "r15"])
        #expect(frames[2].trust == .framePointer && frames[2].instruction == Self.m2 + 0x900)
        #expect(frames[2].context?["lr"] == 0 && frames[2].context?["r7"] == 0)
        #expect(frames[2].context?.stackPointer == f.address(frame2SP))
    }

    /// r11 is an ordinary register in Thumb code: a value below sp, a "record" whose saved pc is
    /// not code, or one whose chain runs backwards is not followed. Scanning then finds the
    /// caller, and says so.
    @Test func framePointerWithR11IsStrict() {
        let f = fixture()
        let junkRecord = f.section.here("junk.record")
        f.section.u32(0).u32(0xf000_0000)                          // end of chain, saved pc not code
        let backwardsRecord = f.section.here("backwards.record")
        f.section.u32(0x7fff_fff0).u32(UInt32(Self.m2 + 0x100))   // saved r11 below the stack
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(16)
        for (what, r11) in [("garbage", UInt64(0xea2)), ("junk record", nil), ("backwards chain", nil)] as [(String, UInt64?)] {
            var labels: [String: SynthLabel] = [:]
            var registers: [String: UInt64] = ["pc": Self.m1 + 0x2a00, "sp": f.stackBase, "lr": 0]
            if let r11 { registers["r11"] = r11 } else { labels["r11"] = what == "junk record" ? junkRecord : backwardsRecord }
            let frames = walk(f, registers, labels: labels)
            #expect(frames.count == 2, "\(what)")
            #expect(frames[1].trust == .scan, "\(what)")
            #expect(frames[1].instruction == Self.m2 + 0x100, "\(what)")
            #expect(frames[1].context?.stackPointer == f.address(frame1SP), "\(what)")
            let unscanned = walk(f, registers, labels: labels, scan: false)
            #expect(unscanned.count == 1, "\(what)")
        }
    }

    /// A frame record pointing at itself: on Linux the chain does not grow, so it is not
    /// followed; with Breakpad's Apple model the second step keeps the sp and ends the walk.
    @Test func framePointerLoopsTerminate() {
        let f = fixture()
        f.section.zeros(8)
        let record = f.section.here("record")
        pointer(f, record)                                      // saved fp: itself
        f.section.u32(UInt32(Self.m2 + 0x100))
        f.section.zeros(16)
        let linux = walk(f, ["pc": Self.m1 + 0x2a00, "sp": f.stackBase, "lr": 0], labels: ["r11": record], scan: false)
        #expect(linux.count == 1)

        let g = fixture(.iOS)
        g.section.zeros(8)
        let appleRecord = g.section.here("record")
        pointer(g, appleRecord)
        g.section.u32(UInt32(Self.m2 + 0x100))
        g.section.zeros(16)
        let apple = walk(g, layout: ContextARM.appleLayout, ["pc": Self.m1 + 0x2a00, "sp": g.stackBase, "lr": Self.m2 + 0x200],
                         labels: ["r7": appleRecord], scan: false)
        #expect(apple.count == 2)
        #expect(apple[1].instruction == Self.m2 + 0x200 && apple[1].trust == .framePointer)
        #expect(apple[1].context?.stackPointer == g.address(appleRecord) + 8)
        #expect(apple[1].context?["r7"] == g.address(appleRecord))

        // With scanning too, every step grows the stack and the walk ends well before the limit.
        for (fixture, layout, fp, label) in [(f, ContextARM.layout, "r11", record), (g, ContextARM.appleLayout, "r7", appleRecord)] {
            let scanned = walk(fixture, layout: layout, ["pc": Self.m1 + 0x2a00, "sp": fixture.stackBase, "lr": Self.m2 + 0x200],
                               labels: [fp: label], maxFrames: 50)
            #expect(scanned.count < 5)
            for (callee, caller) in zip(scanned, scanned.dropFirst()).dropFirst() {
                #expect(caller.context!.stackPointer! > callee.context!.stackPointer!)
            }
        }
    }

    // MARK: The link register

    /// A leaf without CFI or frame record returns through lr (here into Thumb code): the caller
    /// keeps the sp and r4–r11. Only frame 0 may do this, and only once keep the sp.
    @Test func leafReturnsThroughTheLinkRegister() {
        var f = fixture()
        f.section.zeros(16)
        let registers: [String: UInt64] = ["pc": Self.m1 + 0x2a00, "sp": f.stackBase, "lr": Self.m2 + 0x1235,
                                           "r0": 5, "r4": Self.m1 + 0x4020, "r11": 0]
        let frames = walk(f, registers)
        #expect(frames.count == 2)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].instruction == Self.m2 + 0x1235, "the Thumb bit is kept")
        #expect(frames[1].context?.stackPointer == f.stackBase)
        #expect(frames[1].context?["r4"] == Self.m1 + 0x4020 && frames[1].context?["r11"] == 0)
        #expect(frames[1].context?["r0"] == nil && frames[1].context?["lr"] == nil)

        // The caller's CFI keeps the sp once more: not progress at the second step.
        f.symbols[1] = CannedSymbols(functions: [(0x1000, 0x1000, "caller")], cfi: [(0x1000, 0x1000, ".cfa: sp .ra: r4")])
        #expect(walk(f, registers).count == 2)
        f.symbols[1] = CannedSymbols(functions: [(0x1000, 0x1000, "caller")], cfi: [(0x1000, 0x1000, ".cfa: sp 4 + .ra: r4")])
        let grown = walk(f, registers)
        #expect(grown.count == 3)
        #expect(grown[1].function == "caller")
        #expect(grown[2].trust == .cfi && grown[2].instruction == Self.m1 + 0x4020)
        #expect(grown[2].context?.stackPointer == f.stackBase + 4)
    }

    /// lr is used only when it can be a return address: inside a module, not pc itself, and
    /// not inside the function holding pc (where a call it made would return).
    @Test func linkRegisterMustLookLikeAReturnAddress() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x2000, 0x1000, "busy"), (0x5000, 0x100, "caller")])
        f.section.zeros(16)
        let pc = Self.m1 + 0x2a00
        for lr in [0x1234_5678, pc, Self.m1 + 0x2b05, Self.m1 + 0x8000] {
            let frames = walk(f, ["pc": pc, "sp": f.stackBase, "lr": lr], scan: false)
            #expect(frames.count == 1, "lr 0x\(String(lr, radix: 16))")
        }
        let frames = walk(f, ["pc": pc, "sp": f.stackBase, "lr": Self.m1 + 0x5011], scan: false)
        #expect(frames.count == 2)
        #expect(frames[1].instruction == Self.m1 + 0x5011 && frames[1].function == "caller")
    }

    // MARK: Scanning

    /// Breakpad's ScanWithFunctionSymbols: values outside modules, or inside a module with
    /// symbols but outside its functions, are skipped. Only pc and sp are known in the caller.
    @Test func scanSkipsDecoys() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x100, 0x400, "monotreme")])
        f.symbols[1] = CannedSymbols(functions: [(0x100, 0x400, "marsupial")])
        f.section.zeros(16)
        f.section.u32(0x4009_0000).u32(0x6000_0000)     // outside every module
        f.section.u32(0x4000_1000).u32(0x5000_f000)     // in modules, outside functions
        f.section.u32(0x5000_0200)                      // return address
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32)
        let frames = walk(f, ["pc": 0x4000_0200, "sp": f.stackBase, "lr": 0, "r11": 0, "r4": 9])
        #expect(frames.count == 2)
        #expect(frames[0].function == "monotreme")
        #expect(frames[1].trust == .scan && frames[1].instruction == 0x5000_0200)
        #expect(frames[1].function == "marsupial")
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(known(frames[1]) == ["r13", "r15"])
    }

    /// Breakpad reads words 0 through 160 above frame 0's sp, and 0 through 40 above any other
    /// frame's, CFI frames included.
    @Test func scanWindows() {
        let f = fixture()
        f.section.zeros(160 * 4).u32(0x5000_0100)       // word 160 above frame 0's sp
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(40 * 4).u32(0x5000_0900)        // word 40 above frame 1's sp
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(41 * 4).u32(0x5000_0990)        // word 41 above frame 2's: out of reach
        f.section.zeros(16)
        let frames = walk(f, ["pc": 0x4000_0200, "sp": f.stackBase, "lr": 0])
        #expect(frames.map(\.instruction) == [0x4000_0200, 0x5000_0100, 0x5000_0900])
        #expect(frames.dropFirst().allSatisfy { $0.trust == .scan })
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[2].context?.stackPointer == f.address(frame2SP))

        var g = fixture()
        g.symbols[0] = CannedSymbols(cfi: [(0x200, 0x10, ".cfa: sp 4 + .ra: .cfa -4 + ^")])
        g.section.u32(0x5000_0100)
        g.section.zeros(41 * 4).u32(0x5000_0900)        // word 41 above the CFI frame's sp
        g.section.zeros(16)
        let cfi = walk(g, ["pc": 0x4000_0200, "sp": g.stackBase, "lr": 0])
        #expect(cfi.map(\.instruction) == [0x4000_0200, 0x5000_0100])
        #expect(cfi[1].trust == .cfi)
    }

    /// With scanning off, an unwalkable frame ends the stack.
    @Test func scanCanBeDisabled() {
        let f = fixture()
        f.section.u32(0x1234).u32(0x5000_0100).zeros(16)
        let registers: [String: UInt64] = ["pc": 0x4000_0200, "sp": f.stackBase, "lr": 0, "r11": 0]
        let scanned = walk(f, registers)
        #expect(scanned.count == 2)
        #expect(scanned[1].trust == .scan && scanned[1].instruction == 0x5000_0100)
        #expect(scanned[1].context?.stackPointer == f.stackBase + 8)
        let frames = walk(f, registers, scan: false)
        #expect(frames.count == 1)
        #expect(frames[0].instruction == 0x4000_0200 && frames[0].trust == .context)
    }

    // MARK: Thumb

    /// A Thumb return address is odd. It is kept as is, its symbols and CFI are looked up two
    /// bytes before it, inside the `bl` that ends the calling function (the next function
    /// starts at the return address), and scanning accepts it.
    @Test func thumbReturnAddresses() {
        let symbols = CannedSymbols(
            functions: [(0x3000, 0x100, "unrelated"), (0x4000, 0x100, "leaf"), (0x4f00, 0x100, "caller"),
                        (0x5000, 0x100, "next"), (0x6000, 0x100, "outer")],
            cfi: [(0x4000, 0x100, ".cfa: sp 8 + .ra: .cfa -4 + ^"),
                  (0x4f00, 0x100, ".cfa: sp 8 + .ra: .cfa -4 + ^"),
                  (0x5000, 0x100, ".cfa: sp 400 + .ra: .cfa -4 + ^")])
        var f = fixture()
        f.symbols[0] = symbols
        f.section.u32(0x1111).u32(0x4000_5001)          // return into caller's last instruction, Thumb
        let frame1SP = f.section.here("frame1.sp")
        f.section.u32(0x2222).u32(0x4000_6011)          // return into outer, Thumb
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(16)
        let frames = walk(f, ["pc": 0x4000_4010, "sp": f.stackBase, "lr": 0], scan: false)
        #expect(frames.count == 3)
        #expect(frames[1].trust == .cfi && frames[1].instruction == 0x4000_5001)
        #expect(frames[1].lookupAddress == 0x4000_4fff)
        #expect(frames[1].function == "caller" && frames[1].functionAddress == 0x4000_4f00)
        #expect(frames[1].context?.instructionPointer == 0x4000_5001)
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[2].trust == .cfi && frames[2].instruction == 0x4000_6011, "caller's CFI, not next's")
        #expect(frames[2].function == "outer" && frames[2].functionOffset == 0xf)
        #expect(frames[2].context?.stackPointer == f.address(frame2SP))

        // Scanning: the byte before an odd return address is the next instruction, here in no
        // function at all (the call ends `caller`); the check is made inside the call.
        var g = fixture()
        g.symbols[0] = CannedSymbols(functions: symbols.functions.filter { $0.name != "next" })
        g.section.u32(0x4000_3201)                      // odd, but in no function
        g.section.u32(0x4000_5001)                      // Thumb return address
        let scanSP = g.section.here("frame1.sp")
        g.section.zeros(16)
        let scanned = walk(g, ["pc": 0x4000_4010, "sp": g.stackBase, "lr": 0])
        #expect(scanned.count == 2)
        #expect(scanned[1].trust == .scan && scanned[1].instruction == 0x4000_5001)
        #expect(scanned[1].function == "caller")
        #expect(scanned[1].context?.stackPointer == g.address(scanSP))
    }

    // MARK: Truncated stacks

    /// A frame record, CFI rule or scan that reaches past the captured stack ends the walk
    /// without reading outside it.
    @Test func truncatedStack() {
        let f = fixture()
        f.section.zeros(8)
        let record = f.section.here("record")
        pointer(f, record.offset(by: 8))                // saved fp; the saved pc is cut off
        let linux = walk(f, ["pc": 0x4000_0200, "sp": f.stackBase, "lr": 0], labels: ["r11": record])
        #expect(linux.count == 1)

        let g = fixture(.iOS)
        g.section.zeros(8)
        let appleRecord = g.section.here("record")
        pointer(g, appleRecord.offset(by: 8))
        let apple = walk(g, layout: ContextARM.appleLayout, ["pc": 0x4000_0200, "sp": g.stackBase, "lr": 0x5000_0100],
                         labels: ["r7": appleRecord])
        #expect(apple.count == 1)

        var h = fixture()
        h.symbols[0] = CannedSymbols(functions: [(0x100, 0x200, "f")], cfi: [(0x100, 0x200, ".cfa: sp 64 + .ra: .cfa -4 + ^")])
        h.section.zeros(16)
        let cfi = walk(h, ["pc": 0x4000_0200, "sp": h.stackBase, "lr": 0])
        #expect(cfi.count == 1)
    }
}
