import CrashpipeCore
import TestSupport
import Testing
import UnwindARM64

/// The frame-record chain and the link register, in Breakpad's model: frame 0's caller
/// returns through lr; each record at x29 holds the next x29 and the next caller's lr.
struct FrameRecordTests {
    /// Breakpad's OnlyFramePointer stack, one record longer: no symbols, three callers found
    /// through lr and the records; a zero saved x29 ends the chain.
    @Test func chainOfFrameRecords() throws {
        let f = ARM64.fixture()
        let ra1 = ARM64.m2 + 0x100, ra2 = ARM64.m2 + 0x900, ra3 = ARM64.m1 + 0x300
        let frame1FP = SynthLabel("frame1.fp"), frame2FP = SynthLabel("frame2.fp"), frame3FP = SynthLabel("frame3.fp")
        f.section.zeros(64).u64(0xd).u64(0xf000_0000)   // frame 0's locals
        f.section.mark(frame1FP)
        f.pointer(frame2FP).u64(ra2)
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(64).u64(0xd).u64(0xf000_0000)
        f.section.mark(frame2FP)
        f.pointer(frame3FP).u64(ra3)
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(32)
        f.section.mark(frame3FP).u64(0).u64(0)
        let frame3SP = f.section.here("frame3.sp")
        f.section.zeros(32)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x5510, "sp": f.stackBase, "x30": ra1], labels: ["x29": frame1FP])

        try #require(frames.count == 4)
        #expect(frames.map(\.trust) == [.context, .framePointer, .framePointer, .framePointer])
        #expect(frames.map(\.instruction) == [ARM64.m1 + 0x5510, ra1, ra2, ra3])
        #expect(frames.map(\.moduleIndex) == [0, 1, 1, 0])
        #expect(frames[1].register("sp") == f.address(frame1SP))
        #expect(frames[1].register("fp") == f.address(frame2FP))
        #expect(frames[1].register("lr") == ra2)
        #expect(frames[1].knownRegisters == ["x29", "x30", "sp", "pc"])
        #expect(frames[2].register("sp") == f.address(frame2SP))
        #expect(frames[2].register("fp") == f.address(frame3FP))
        #expect(frames[2].register("lr") == ra3)
        #expect(frames[3].register("sp") == f.address(frame3SP))
        #expect(frames[3].register("fp") == 0)
        #expect(frames[3].register("lr") == 0)
    }

    /// A leaf with no frame records (x29 = 0) returns through lr without moving sp; the
    /// caller inherits x29 = 0, which ends the walk even though the stack holds code addresses.
    @Test func leafReturnsThroughTheLinkRegister() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x100, 0x100, "leaf")])
        f.symbols[1] = CannedSymbols(functions: [(0x200, 0x100, "caller")])
        f.section.u64(ARM64.m2 + 0x250).u64(ARM64.m2 + 0x260).zeros(16)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x120, "sp": f.stackBase, "x29": 0, "x30": ARM64.m2 + 0x210])

        try #require(frames.count == 2)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].instruction == ARM64.m2 + 0x210)
        #expect(frames[1].function == "caller")
        #expect(frames[1].register("sp") == f.stackBase, "the first unwind may keep sp")
        #expect(frames[1].register("fp") == 0)
        #expect(frames[1].knownRegisters == ["x29", "sp", "pc"], "no lr is invented")
    }

    /// A record outside the captured stack is not read. Frame 0 still returns through a
    /// plausible lr (without passing on its unusable x29); with an implausible one, or past
    /// that, only scanning could go on.
    @Test func recordOutsideTheStack() throws {
        let f = ARM64.fixture()
        f.section.zeros(16).u32(0x1234)   // half a frame record at stack + 16, then the end
        let frame0FP = f.stackBase + 16
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x200, "sp": f.stackBase, "x29": frame0FP, "x30": ARM64.m2 + 0x100],
                                 scan: false)
        try #require(frames.count == 2)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].instruction == ARM64.m2 + 0x100)
        #expect(frames[1].register("sp") == f.stackBase)
        #expect(frames[1].knownRegisters == ["sp", "pc"])

        let junkLR = f.walkARM64(["pc": ARM64.m1 + 0x200, "sp": f.stackBase, "x29": frame0FP, "x30": 0x6000_0000])
        try #require(junkLR.count == 1)
    }

    /// A chain that runs off the captured stack ends there: the last record read names a
    /// caller whose own record is gone.
    @Test func truncatedChain() throws {
        let f = ARM64.fixture()
        let frame1FP = f.section.here("frame1.fp")
        f.section.u64(f.stackBase + 0x1000)   // saved x29 beyond the end of the stack
        f.section.u64(ARM64.m2 + 0x200)       // the next caller's lr, never used
        f.section.zeros(16)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x200, "sp": f.stackBase, "x30": ARM64.m2 + 0x100],
                                 labels: ["x29": frame1FP], scan: false)
        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].instruction == ARM64.m2 + 0x100)
        #expect(frames[1].register("fp") == f.stackBase + 0x1000)
        #expect(frames[1].register("sp") == f.stackBase + 16)
    }

    /// Records that loop back (to themselves, or to an earlier record) end the walk: a record
    /// must lie at or above sp, which each step raises past the record it read.
    @Test func loopingRecordsTerminate() throws {
        let selfLoop = ARM64.fixture()
        selfLoop.section.zeros(16)
        let recordA = selfLoop.section.here("a")
        selfLoop.pointer(recordA).u64(ARM64.m2 + 0x100)
        selfLoop.section.zeros(32)
        let looped = selfLoop.walkARM64(["pc": ARM64.m1 + 0x200, "sp": selfLoop.stackBase, "x30": ARM64.m1 + 0x300],
                                        labels: ["x29": recordA], scan: false)
        try #require(looped.count == 2)
        #expect(looped.map(\.instruction) == [ARM64.m1 + 0x200, ARM64.m1 + 0x300])
        #expect(looped[1].register("sp") == selfLoop.address(recordA) + 16)

        let pair = ARM64.fixture()
        let first = SynthLabel("first"), second = SynthLabel("second")
        pair.section.mark(first)
        pair.pointer(second).u64(ARM64.m2 + 0x100)
        pair.section.zeros(16).mark(second)
        pair.pointer(first).u64(ARM64.m2 + 0x200)
        pair.section.zeros(16).u64(ARM64.m1 + 0x500).zeros(8)   // a return address only scanning finds
        let frames = pair.walkARM64(["pc": ARM64.m1 + 0x200, "sp": pair.stackBase, "x30": ARM64.m1 + 0x300],
                                    labels: ["x29": first], scan: false)
        #expect(frames.map(\.instruction) == [ARM64.m1 + 0x200, ARM64.m1 + 0x300, ARM64.m2 + 0x100])
        #expect(frames.map(\.trust) == [.context, .framePointer, .framePointer])

        // With scanning on, the walk still ends, every step raising sp.
        let scanned = pair.walkARM64(["pc": ARM64.m1 + 0x200, "sp": pair.stackBase, "x30": ARM64.m1 + 0x300],
                                     labels: ["x29": first], maxFrames: 50)
        #expect(scanned.map(\.instruction) == [ARM64.m1 + 0x200, ARM64.m1 + 0x300, ARM64.m2 + 0x100, ARM64.m1 + 0x500])
        #expect(scanned.last?.trust == .scan)
        for (callee, caller) in zip(scanned.dropFirst(), scanned.dropFirst(2)) {
            #expect(caller.context!.stackPointer! > callee.context!.stackPointer!)
        }
    }

    /// Signed return addresses, in lr and in the records, are stripped to the module addresses.
    @Test func signedReturnAddressesAreStripped() throws {
        let f = ARM64.fixture()
        let frame1FP = SynthLabel("frame1.fp"), frame2FP = SynthLabel("frame2.fp")
        f.section.zeros(16).mark(frame1FP)
        f.pointer(frame2FP).u64(ARM64.signed(ARM64.m2 + 0x200))
        f.section.zeros(16).mark(frame2FP)
        f.section.u64(0).u64(ARM64.signed(ARM64.m1 + 0x300, code: 0x7f_ff00))
        f.section.zeros(16)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x200, "sp": f.stackBase, "x30": ARM64.signed(ARM64.m2 + 0x100)],
                                 labels: ["x29": frame1FP])
        try #require(frames.count == 3)
        #expect(frames.map(\.instruction) == [ARM64.m1 + 0x200, ARM64.m2 + 0x100, ARM64.m2 + 0x200])
        #expect(frames.map(\.moduleIndex) == [0, 1, 1])
        #expect(frames[1].register("lr") == ARM64.m2 + 0x200)
        #expect(frames[2].register("lr") == ARM64.m1 + 0x300)
    }

    /// CFI frames recover x29 but not lr. Where Breakpad's CorrectRegLRByFramePointer applies
    /// (x29 above sp, and the callee's record links to it) the frame's own record gives its
    /// return address; Breakpad reads the callee's record instead and repeats the CFI frame.
    @Test func cfiFrameThenFrameRecords() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x4000, 0x1000, "crashed")],
                                     cfi: [(0x4000, 0x1000, ".cfa: x29 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^")])
        let ra1 = ARM64.m2 + 0x100, ra2 = ARM64.m2 + 0x200, ra3 = ARM64.m2 + 0x300
        let frame0FP = SynthLabel("frame0.fp"), frame1FP = SynthLabel("frame1.fp"), frame2FP = SynthLabel("frame2.fp")
        f.section.zeros(16).mark(frame0FP)
        f.pointer(frame1FP).u64(ra1)
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32).mark(frame1FP)
        f.pointer(frame2FP).u64(ra2)
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(32).mark(frame2FP)
        f.section.u64(0).u64(ra3)
        let frame3SP = f.section.here("frame3.sp")
        f.section.zeros(16)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x4010, "sp": f.stackBase, "x30": ARM64.m1 + 0x4800],
                                 labels: ["x29": frame0FP])

        try #require(frames.count == 4)
        #expect(frames.map(\.trust) == [.context, .cfi, .framePointer, .framePointer])
        #expect(frames.map(\.instruction) == [ARM64.m1 + 0x4010, ra1, ra2, ra3])
        #expect(frames[1].register("sp") == f.address(frame1SP))
        #expect(frames[1].register("fp") == f.address(frame1FP))
        #expect(frames[2].register("sp") == f.address(frame2SP))
        #expect(frames[2].register("fp") == f.address(frame2FP))
        #expect(frames[2].knownRegisters == ["x29", "sp", "pc"])
        #expect(frames[3].register("sp") == f.address(frame3SP))
        #expect(frames[3].register("fp") == 0)
    }

    /// When a CFI frame's x29 equals its sp (the record at the bottom of the frame, the usual
    /// AArch64 layout) Breakpad has no lr for it, takes a null caller and stops; so does this,
    /// without scanning the code addresses above.
    @Test func cfiFrameWithoutReturnAddressEndsTheWalk() throws {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x4000, 0x1000, "crashed")],
                                     cfi: [(0x4000, 0x1000, ".cfa: sp 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^")])
        let frame1FP = SynthLabel("frame1.fp")
        f.pointer(frame1FP).u64(ARM64.m2 + 0x100)   // frame 0's record, at its sp
        f.section.mark(frame1FP)
        f.section.u64(0).u64(ARM64.m2 + 0x200)      // frame 1's record, at its sp
        f.section.u64(ARM64.m2 + 0x300).zeros(16)
        let frames = f.walkARM64(["pc": ARM64.m1 + 0x4010, "sp": f.stackBase, "x30": ARM64.m1 + 0x4800],
                                 labels: ["x29": f.section.start])

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .cfi])
        #expect(frames[1].instruction == ARM64.m2 + 0x100)
        #expect(frames[1].register("fp") == f.address(frame1FP))
        #expect(frames[1].register("sp") == f.address(frame1FP))
    }
}
