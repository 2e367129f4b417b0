import CrashpipeCore
import TestSupport
import Testing
import UnwindRISCV64

/// The riscv64 strategies on stacks assembled in the test (after Breakpad's
/// stackwalker_riscv64_unittest.cc): two modules, a stack at 0x80000000 built from labels.
/// Frame records follow the psABI with frame pointers: s0 is the CFA, [s0-8] the return
/// address, [s0-16] the caller's s0.
struct RISCV64UnwinderTests {
    static let layout = ContextRISCV64.layout
    static let modules = [
        Module(base: 0x4000_0000, size: 0x10000, codeFile: "module1"),
        Module(base: 0x5000_0000, size: 0x10000, codeFile: "module2"),
    ]
    static let m1: UInt64 = 0x4000_0000
    static let m2: UInt64 = 0x5000_0000

    func fixture() -> StackFixture { StackFixture(modules: Self.modules) }

    /// Writes the absolute address of `label` (a stack slot) as a word.
    func pointer(_ f: StackFixture, _ label: SynthLabel) {
        f.section.u64(label, plus: Int64(bitPattern: f.stackBase))
    }

    func walk(_ f: StackFixture, _ registers: [String: UInt64], labels: [String: SynthLabel] = [:],
              scan: Bool = true) -> [Frame] {
        f.walk(RISCV64Unwinder(), layout: Self.layout, registers: registers, labels: labels, scan: scan)
    }

    // MARK: call frame information

    /// The rules give the CFA (the caller's sp), the return address and saved s0/s1; the
    /// callee-saved registers they do not mention (s2…s11) keep their values, the others
    /// (a0, ra) are unknown in the caller. A stale `ra` in frame 0 is not used.
    @Test func callFrameInfoOnly() throws {
        var f = fixture()
        f.symbols[0] = CannedSymbols(
            functions: [(0x1000, 0x100, "leaf_with_cfi"), (0x2000, 0x100, "middle")],
            cfi: [(0x1000, 0x100, ".cfa: sp 32 + .ra: .cfa -8 + ^ s0: .cfa -16 + ^ s1: .cfa -24 + ^"),
                  (0x2000, 0x100, ".cfa: sp 16 + .ra: .cfa -8 + ^")])
        f.symbols[1] = CannedSymbols(functions: [(0x3000, 0x100, "outer")])
        f.section.u64(0x1234)                                // local
        f.section.u64(0xdead_beef_0000_0051)                 // saved s1
        f.section.u64(0x7777_0000)                           // saved s0
        f.section.u64(Self.m1 + 0x2010)                      // return address into middle
        let frame1SP = f.section.here("frame1.sp")
        f.section.u64(0)                                     // middle's local
        f.section.u64(Self.m2 + 0x3010)                      // return address into outer
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(32)
        let frames = walk(f, ["pc": Self.m1 + 0x1010, "sp": f.stackBase, "ra": Self.m1 + 0x1050, "s0": 1, "s1": 2,
                              "s2": 0x2222, "s11": 0xbbbb, "a0": 7], scan: false)
        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .cfi, .cfi])
        #expect(frames.map(\.instruction) == [Self.m1 + 0x1010, Self.m1 + 0x2010, Self.m2 + 0x3010])
        #expect(frames.map(\.function) == ["leaf_with_cfi", "middle", "outer"])
        let caller = frames[1].context
        #expect(caller?.stackPointer == f.address(frame1SP))
        #expect(caller?["s0"] == 0x7777_0000 && caller?["fp"] == 0x7777_0000)
        #expect(caller?["s1"] == 0xdead_beef_0000_0051)
        #expect(caller?["s2"] == 0x2222 && caller?["s11"] == 0xbbbb)
        #expect(caller?["a0"] == nil && caller?["ra"] == nil)
        #expect(frames[1].lookupAddress == Self.m1 + 0x200e)
        let outer = frames[2].context
        #expect(outer?.stackPointer == f.address(frame2SP))
        #expect(outer?["s0"] == 0x7777_0000 && outer?["s1"] == 0xdead_beef_0000_0051 && outer?["s11"] == 0xbbbb)
    }

    /// CFI whose rules read outside captured memory gives no caller; the frame pointer does.
    @Test func unusableCallFrameInfoFallsBackToTheFramePointer() throws {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x1000, 0x100, "broken_cfi")],
                                     cfi: [(0x1000, 0x100, ".cfa: sp 4096 + .ra: .cfa -8 + ^")])
        let frame1FP = SynthLabel("frame1.fp")
        f.section.u64(0xaaaa).u64(0xbbbb)
        pointer(f, frame1FP)
        f.section.u64(Self.m2 + 0x200)
        let frame0FP = f.section.here("frame0.fp")
        f.section.zeros(16)
        f.section.u64(0).u64(0)
        f.section.mark(frame1FP)
        let frames = walk(f, ["pc": Self.m1 + 0x1010, "sp": f.stackBase], labels: ["s0": frame0FP], scan: false)
        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].instruction == Self.m2 + 0x200)
        #expect(frames[1].context?.stackPointer == f.address(frame0FP))
        #expect(frames[1].context?.framePointer == f.address(frame1FP))
    }

    // MARK: frame pointers

    /// Three records chained through s0; the outermost has s0 = 0 and ra = 0, which ends the
    /// walk. Only pc, sp and s0 are known in callers.
    @Test func framePointerChain() throws {
        let f = fixture()
        let fp1 = SynthLabel("fp1"), fp2 = SynthLabel("fp2"), fp3 = SynthLabel("fp3")
        f.section.u64(0xaaaa).u64(0xbbbb)                    // frame 0's locals
        pointer(f, fp1); f.section.u64(Self.m1 + 0x200)      // frame 0's record
        let fp0 = f.section.here("fp0")
        f.section.u64(0xcccc).u64(0xdddd)                    // frame 1's locals
        pointer(f, fp2); f.section.u64(Self.m2 + 0x300)      // frame 1's record
        f.section.mark(fp1)
        pointer(f, fp3); f.section.u64(Self.m2 + 0x400)      // frame 2: a record and nothing else
        f.section.mark(fp2)
        f.section.u64(1).u64(2)                              // frame 3's locals
        f.section.u64(0).u64(0)                              // outermost record
        f.section.mark(fp3)
        f.section.zeros(16)
        let frames = walk(f, ["pc": Self.m1 + 0x100, "sp": f.stackBase, "ra": Self.m1 + 0x104, "s1": 0x51],
                          labels: ["s0": fp0])
        try #require(frames.count == 4)
        #expect(frames.map(\.trust) == [.context, .framePointer, .framePointer, .framePointer])
        #expect(frames.map(\.instruction) == [Self.m1 + 0x100, Self.m1 + 0x200, Self.m2 + 0x300, Self.m2 + 0x400])
        #expect(frames.map(\.moduleIndex) == [0, 0, 1, 1])
        #expect(frames[1].context?.stackPointer == f.address(fp0))
        #expect(frames[1].context?.framePointer == f.address(fp1))
        #expect(frames[2].context?.stackPointer == f.address(fp1))
        #expect(frames[2].context?.framePointer == f.address(fp2))
        #expect(frames[3].context?.stackPointer == f.address(fp2))
        #expect(frames[3].context?.framePointer == f.address(fp3))
        #expect(frames[1].context?.known.map(\.name) == ["pc", "sp", "s0"])
    }

    /// Records that point at each other: the second step would move the frame pointer down, so
    /// the chain stops there; with scanning the walk still ends, at the end of the stack.
    @Test func framePointerLoopEnds() throws {
        func build() -> (StackFixture, SynthLabel, SynthLabel) {
            let f = fixture()
            let a = SynthLabel("A"), b = SynthLabel("B")
            f.section.u64(0).u64(0)
            pointer(f, b); f.section.u64(Self.m1 + 0x200)    // A's record: caller s0 = B
            f.section.mark(a)
            f.section.u64(0).u64(0)
            pointer(f, a); f.section.u64(Self.m1 + 0x300)    // B's record: caller s0 = A
            f.section.mark(b)
            f.section.zeros(16)
            return (f, a, b)
        }
        let (f, a, b) = build()
        let frames = walk(f, ["pc": Self.m1 + 0x100, "sp": f.stackBase], labels: ["s0": a], scan: false)
        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].instruction == Self.m1 + 0x200)
        #expect(frames[1].context?.stackPointer == f.address(a) && frames[1].context?.framePointer == f.address(b))

        let (g, a2, b2) = build()
        let scanned = walk(g, ["pc": Self.m1 + 0x100, "sp": g.stackBase], labels: ["s0": a2])
        try #require(scanned.count == 3)
        #expect(scanned.map(\.trust) == [.context, .framePointer, .scan])
        #expect(scanned.map(\.instruction) == [Self.m1 + 0x100, Self.m1 + 0x200, Self.m1 + 0x300])
        #expect(scanned[2].context?.stackPointer == g.address(b2))
        // B was the scanned frame's own frame pointer (it equals the new sp): not kept.
        #expect(scanned[2].context?.framePointer == nil)

        // A record that points at itself never yields a second frame pointer step.
        let h = fixture()
        let c = SynthLabel("C")
        pointer(h, c); h.section.u64(Self.m1 + 0x200)
        h.section.mark(c)
        h.section.zeros(16)
        let selfLoop = walk(h, ["pc": Self.m1 + 0x100, "sp": h.stackBase], labels: ["s0": c], scan: false)
        #expect(selfLoop.count == 1)
    }

    // MARK: the link register

    /// A leaf that saved nothing (s0 is not a frame pointer): frame 1 comes from ra with the
    /// same sp and the callee-saved registers; ra is not used again, and scanning finds frame 2.
    @Test func leafReturnsThroughRA() throws {
        let f = fixture()
        f.section.u64(0x10)                                  // not code
        f.section.u64(Self.m1 + 0x500)                       // frame 1's return address
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(16)
        let frames = walk(f, ["pc": Self.m1 + 0x120, "sp": f.stackBase, "ra": Self.m2 + 0x1008, "s0": 0,
                              "s1": 0x5151, "s2": 0x5252, "a0": 0xa0])
        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .framePointer, .scan])
        #expect(frames.map(\.instruction) == [Self.m1 + 0x120, Self.m2 + 0x1008, Self.m1 + 0x500])
        let caller = frames[1].context
        #expect(caller?.stackPointer == f.stackBase)
        #expect(caller?["s0"] == 0 && caller?["s1"] == 0x5151 && caller?["s2"] == 0x5252)
        #expect(caller?["ra"] == nil && caller?["a0"] == nil)
        #expect(frames[2].context?.stackPointer == f.address(frame2SP))
    }

    /// ra is a return address for frame 0 only, and only the first step may keep sp.
    @Test func linkRegisterAndEqualStackPointerOnlyForFrameZero() throws {
        let unwinder = RISCV64Unwinder()
        func frame(_ pc: UInt64, sp: UInt64, ra: UInt64? = nil, trust: FrameTrust) -> Frame {
            var context = RegisterContext(layout: Self.layout)
            context["pc"] = pc
            context["sp"] = sp
            context["ra"] = ra
            return Frame(instruction: pc, trust: trust, context: context)
        }
        let frame0 = frame(Self.m1 + 0x100, sp: 0x8000_0000, ra: Self.m2 + 0x40, trust: .context)
        let frame1 = frame(Self.m2 + 0x40, sp: 0x8000_0000, ra: Self.m2 + 0x80, trust: .framePointer)
        let input = StackWalkInput(stack: nil, memory: MemoryMap(), modules: Self.modules, system: nil,
                                   symbols: SymbolResolver(preloaded: [:], moduleCount: 2), allowScan: false)
        let fromFrame0 = unwinder.callerFrame(of: [frame0], walk: input)
        #expect(fromFrame0?.instruction == Self.m2 + 0x40 && fromFrame0?.trust == .framePointer)
        #expect(fromFrame0?.context?.stackPointer == 0x8000_0000)
        #expect(unwinder.callerFrame(of: [frame0, frame1], walk: input) == nil)
        // An odd ra, or one outside every module, is not a return address.
        #expect(unwinder.callerFrame(of: [frame(Self.m1, sp: 0x8000_0000, ra: Self.m2 + 0x41, trust: .context)],
                                     walk: input) == nil)
        #expect(unwinder.callerFrame(of: [frame(Self.m1, sp: 0x8000_0000, ra: 0x6000_0000, trust: .context)],
                                     walk: input) == nil)

        let same = frame(Self.m2 + 0x80, sp: 0x8000_0000, trust: .framePointer)
        let lower = frame(Self.m2 + 0x80, sp: 0x7fff_fff0, trust: .framePointer)
        let higher = frame(Self.m2 + 0x80, sp: 0x8000_0010, trust: .framePointer)
        #expect(unwinder.isProgress(from: frame0, to: same, depth: 1))
        #expect(!unwinder.isProgress(from: frame1, to: same, depth: 2))
        #expect(!unwinder.isProgress(from: frame0, to: lower, depth: 1))
        #expect(unwinder.isProgress(from: frame1, to: higher, depth: 2))
    }

    // MARK: scanning

    /// Scanning skips words outside modules, outside known functions, odd ones (not
    /// instruction addresses) and stack addresses.
    @Test func scanSkipsDecoys() throws {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x100, 0x400, "platypus"), (0x2a00, 0x200, "crashed")])
        f.section.u64(0x10)                                  // not in a module
        f.section.u64(Self.m1 + 0x8000)                      // in module1, but no function there
        f.section.u64(Self.m1 + 0x151)                       // inside platypus, but odd
        f.section.u64(f.stackBase + 0x40)                    // a stack address
        f.section.u64(Self.m1 + 0x150)                       // inside platypus: accepted
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(16)
        let frames = walk(f, ["pc": Self.m1 + 0x2a10, "sp": f.stackBase, "ra": 0, "s0": 0])
        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == Self.m1 + 0x150)
        #expect(frames[1].function == "platypus" && frames[0].function == "crashed")
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[1].context?.known.map(\.name) == ["pc", "sp"])
    }

    /// Below the context frame the scan looks 160 words far; below other frames 40.
    @Test func scanWindowIsWiderBelowTheContextFrame() throws {
        func walkWithGap(_ gap: Int) -> [Frame] {
            let f = fixture()
            for _ in 0..<60 { f.section.u64(0x10) }
            f.section.u64(Self.m1 + 0x150)                   // word 60 above frame 0's sp
            for _ in 0..<gap { f.section.u64(0x10) }
            f.section.u64(Self.m1 + 0x160)                   // word `gap` above frame 1's sp
            f.section.zeros(16)
            return walk(f, ["pc": Self.m1 + 0x100, "sp": f.stackBase])
        }
        let near = walkWithGap(39)
        #expect(near.map(\.instruction) == [Self.m1 + 0x100, Self.m1 + 0x150, Self.m1 + 0x160])
        try #require(near.count == 3)
        #expect(near.map(\.trust) == [.context, .scan, .scan])
        #expect(near[1].context?.stackPointer == 0x8000_0000 + 61 * 8)
        let far = walkWithGap(40)
        #expect(far.map(\.instruction) == [Self.m1 + 0x100, Self.m1 + 0x150])
    }

    /// With scanning off, a frame no other strategy handles ends the stack; ra still works.
    @Test func allowScanFalse() throws {
        func build() -> StackFixture {
            let f = fixture()
            f.section.u64(Self.m1 + 0x150).zeros(16)
            return f
        }
        let off = walk(build(), ["pc": Self.m1 + 0x100, "sp": 0x8000_0000, "s0": 0], scan: false)
        try #require(off.count == 1)
        #expect(off.map(\.trust) == [.context])
        let on = walk(build(), ["pc": Self.m1 + 0x100, "sp": 0x8000_0000, "s0": 0])
        try #require(on.count == 2)
        #expect(on.map(\.trust) == [.context, .scan])
        #expect(on[1].instruction == Self.m1 + 0x150)
        let viaRA = walk(build(), ["pc": Self.m1 + 0x100, "sp": 0x8000_0000, "s0": 0, "ra": Self.m2 + 0x20], scan: false)
        try #require(viaRA.count == 2)
        #expect(viaRA.map(\.trust) == [.context, .framePointer])
        #expect(viaRA[1].instruction == Self.m2 + 0x20)
    }

    // MARK: compressed instructions

    /// A `c.jalr` is 2 bytes, so a return address may be 2- but not 4-byte aligned, and the call
    /// is found 2 bytes before it (4 would land in the previous function).
    @Test func compressedCallReturnAddresses() throws {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0xff0, 0x10, "prev"), (0x1000, 0x10, "caller"),
                                                 (0x2000, 0x100, "callee")])
        f.section.u64(0).u64(Self.m1 + 0x1002)               // callee's record: end of chain, return into caller
        let fp0 = f.section.here("fp0")
        f.section.zeros(16)
        let frames = walk(f, ["pc": Self.m1 + 0x2010, "sp": f.stackBase], labels: ["s0": fp0], scan: false)
        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].instruction == Self.m1 + 0x1002)
        #expect(frames[1].lookupAddress == Self.m1 + 0x1000)
        #expect(frames[1].function == "caller" && frames[1].functionOffset == 0)
        #expect(frames[1].context?.framePointer == 0)

        // Scanning accepts the 2-byte-aligned address and rejects the odd one before it.
        var g = fixture()
        g.symbols[0] = f.symbols[0]
        g.section.u64(Self.m1 + 0x1001).u64(Self.m1 + 0x1002).zeros(16)
        let scanned = walk(g, ["pc": Self.m1 + 0x2010, "sp": g.stackBase])
        try #require(scanned.count == 2)
        #expect(scanned.map(\.trust) == [.context, .scan])
        #expect(scanned[1].instruction == Self.m1 + 0x1002 && scanned[1].function == "caller")
        #expect(scanned[1].context?.stackPointer == g.stackBase + 16)
    }

    // MARK: truncated stacks

    /// A record whose caller frame pointer lies beyond the captured stack is not followed;
    /// scanning finds the return address and the walk ends at the end of the memory.
    @Test func truncatedStack() throws {
        let f = fixture()
        f.section.u64(0xaaaa).u64(0xbbbb)
        f.section.u64(f.stackBase + 0x1000)                  // caller's s0: past the captured stack
        f.section.u64(Self.m1 + 0x200)
        let fp0 = f.section.here("fp0")
        f.section.u64(0x11)                                  // the capture ends one word later
        let frames = walk(f, ["pc": Self.m1 + 0x100, "sp": f.stackBase], labels: ["s0": fp0])
        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .scan])
        #expect(frames[1].instruction == Self.m1 + 0x200)
        #expect(frames[1].context?.stackPointer == f.address(fp0))
        #expect(frames[1].context?.framePointer == nil)

        // Frame 0's own record outside the capture, sp at its very end: only frame 0.
        let g = fixture()
        g.section.u64(0x11)
        let alone = walk(g, ["pc": Self.m1 + 0x100, "sp": g.stackBase + 8, "s0": g.stackBase + 0x100])
        #expect(alone.count == 1 && alone[0].trust == .context)
    }
}
