import CrashpipeCore
import Testing
import TestSupport
import UnwindX86

/// The %ebp chain and stack scanning (Breakpad's GetCallerFrame.Traditional* tests and more).
@Suite struct FramePointerAndScanTests {
    /// A traditional frame saves the caller's %ebp just below the return address and points
    /// its own %ebp at it.
    @Test func traditionalFrame() throws {
        let frame0EBP = SynthLabel("frame0_ebp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .append(12, 0)                      // frame 0: space
            .mark(frame0EBP).d32(frame1EBP)     // frame 0: saved %ebp
            .d32(0x4000_8679)                   // frame 0: return address
            .append(8, 0)                       // frame 1: space
            .mark(frame1EBP).d32(0).d32(0)      // frame 1: saved %ebp and return address (stack end)
        let frames = X86Fixture().walk(["eip": 0x4000_c7a5, "esp": 0x8000_0000,
                                        "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[0].trust == .context)
        #expect(frames[0].instruction == 0x4000_c7a5)
        #expect(frames[0].knownRegisters.count == 10)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x4000_8679)
        #expect(frames[1].register("eip") == 0x4000_8679)
        #expect(frames[1].register("esp") == stack.address(frame0EBP) + 8)
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// A bogus %ebp makes the walker scan for something that looks like a return address, and
    /// rebuild the caller's %ebp from the word below it.
    @Test func traditionalScan() throws {
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32([0xf065_dc76, 0x46ee_2167, 0xbab0_23ec])  // locals: garbage, not return addresses
            .d32(frame1EBP)                                 // saved %ebp (%ebp fails to point here)
            .d32(0x4000_129d)                               // return address
            .mark(frame1ESP).append(8, 0)
            .mark(frame1EBP).d32(0).d32(0)
        let frames = X86Fixture().walk(["eip": 0x4000_f49d, "esp": 0x8000_0000, "ebp": 0xd43e_ed6e], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[0].trust == .context)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x4000_129d)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// The scan for the context frame's caller reaches 4 × 40 words (Breakpad's range).
    @Test func scanLongWayForTheContextFrame() throws {
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32([0xf065_dc76, 0x46ee_2167, 0xbab0_23ec])
            .append(100 * 4, 0)                // a bunch of space
            .d32(frame1EBP).d32(0x4000_129d)
            .mark(frame1ESP).append(8, 0)
            .mark(frame1EBP).d32(0).d32(0)
        let frames = X86Fixture().walk(["eip": 0x4000_f49d, "esp": 0x8000_0000, "ebp": 0xd43e_ed6e], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == 0x4000_129d)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// After the first frame the scan looks at 41 words (Breakpad's bound is inclusive): a
    /// return address in word 40 is found, one in word 41 is not.
    @Test(arguments: [(40, true), (41, false)])
    func scanRangeAfterTheFirstFrame(words: Int, found: Bool) throws {
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp")
        let stack = TestStack(base: 0x8000_0000)
            .mark(frame0EBP).d32(0x0bad_0bad)  // saved %ebp: not a stack address
            .d32(0x4000_1000)                  // frame 0's return address
            .mark(frame1ESP).append(words * 4, 0)
            .d32(0x5000_2000)                  // frame 1's return address, `words` words up
            .append(8, 0)
        let frames = X86Fixture().walk(["eip": 0x4000_0500, "esp": 0x8000_0000,
                                        "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == (found ? 3 : 2))
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].register("ebp") == 0x0bad_0bad)
        if found {
            #expect(frames[2].trust == .scan)
            #expect(frames[2].instruction == 0x5000_2000)
            #expect(frames[2].register("esp") == stack.address(frame1ESP) + UInt64(words * 4) + 4)
            // The word below the return address is 0, not a saved %ebp: the callee's stays.
            #expect(frames[2].register("ebp") == 0x0bad_0bad)
        }
    }

    /// With scanning turned off, a bogus %ebp ends the walk.
    @Test func scanningNotAllowed() throws {
        let frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32([0xf065_dc76, 0x46ee_2167, 0xbab0_23ec])
            .d32(frame1EBP).d32(0x4000_129d)
            .append(8, 0)
            .mark(frame1EBP).d32(0).d32(0)
        let frames = X86Fixture().walk(["eip": 0x4000_f49d, "esp": 0x8000_0000, "ebp": 0xd43e_ed6e],
                                       stack: stack, allowScan: false)

        try #require(frames.count == 1)
        #expect(frames[0].trust == .context)
        #expect(frames[0].register("ebp") == 0xd43e_ed6e)
    }

    /// Values outside every module, inside a module but outside its known functions, and a
    /// function's first byte (the byte before it, where the call would be, is in no function)
    /// are all passed over; one past a function's last byte is a return address from a call
    /// that ended the function, and is taken.
    @Test func scanPassesOverDecoys() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 1000 100 0 known_function\nFUNC 3000 100 0 other_function\n")
        let frame1ESP = SynthLabel("frame1_esp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x1234_5678)                  // outside every module
            .d32(0x4000_8000)                  // in module1, in no function
            .d32(0x4000_3000)                  // other_function's first byte: 0x40002fff is in none
            .d32(0x6000_0000)                  // outside every module
            .d32(0x4000_1100)                  // return address: just after known_function's end
            .mark(frame1ESP).append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_1020, "esp": 0x8000_0000, "ebp": 0x0bad_0bad], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == 0x4000_1100)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        // The word below the return address (0x60000000) is not a saved %ebp above it on the
        // stack, so the callee's %ebp is kept.
        #expect(frames[1].register("ebp") == 0x0bad_0bad)
    }

    /// After a scan the word below the return address is taken as the caller's saved %ebp
    /// when it points higher on the stack by at most 128 KiB (Breakpad's frame-size limit; the
    /// target need not be captured); otherwise the callee's %ebp is kept.
    @Test(arguments: [(UInt32(0x2_0000), true), (UInt32(0x2_0004), false), (UInt32(0), false)])
    func scanRecoversSavedFramePointerWithinReason(gap: UInt32, taken: Bool) throws {
        let savedSlot = SynthLabel("saved_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x1111_1111)
            .mark(savedSlot).d32(savedSlot.offset(by: Int64(gap)))  // candidate saved %ebp
            .d32(0x5000_1234)                                       // return address
            .append(8, 0)
        let frames = X86Fixture().walk(["eip": 0x4000_1020, "esp": 0x8000_0000, "ebp": 0x0bad_0bad], stack: stack)

        try #require(frames.count >= 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].register("esp") == 0x8000_000c)
        #expect(frames[1].register("ebp") == (taken ? 0x8000_0004 + UInt64(gap) : 0x0bad_0bad))
    }

    /// A module without symbols accepts any address inside it when scanning.
    @Test func scanAcceptsAnyAddressInAModuleWithoutSymbols() throws {
        let stack = TestStack(base: 0x8000_0000).d32([0x7000_0000, 0x5000_fff0]).append(8, 0)
        let frames = X86Fixture().walk(["eip": 0x4000_1020, "esp": 0x8000_0000, "ebp": 0x0bad_0bad], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == 0x5000_fff0)
        #expect(frames[1].register("esp") == 0x8000_0008)
    }

    /// A frame pointer chain that points back at itself would loop forever; the engine stops
    /// it when the stack pointer does not grow.
    @Test func selfReferencingFramePointerTerminates() throws {
        let frame0EBP = SynthLabel("frame0_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .append(8, 0)
            .mark(frame0EBP).d32(frame0EBP)    // saved %ebp: itself
            .d32(0x4000_1234)
            .append(8, 0)
        let frames = X86Fixture().walk(["eip": 0x4000_0100, "esp": 0x8000_0000,
                                        "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .framePointer])
        #expect(frames[1].register("ebp") == stack.address(frame0EBP))
    }

    /// Two frames whose saved %ebp point at each other: the walk goes up once and stops when
    /// the chain turns back down the stack.
    @Test func frameLoopTerminates() throws {
        let a = SynthLabel("a"), b = SynthLabel("b")
        let stack = TestStack(base: 0x8000_0000)
            .mark(a).d32(b).d32(0x4000_1111)
            .append(8, 0)
            .mark(b).d32(a).d32(0x4000_2222)
            .append(8, 0)
        let frames = X86Fixture().walk(["eip": 0x4000_0100, "esp": 0x8000_0000,
                                        "ebp": UInt32(stack.address(a))], stack: stack)

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .framePointer, .framePointer])
        #expect(frames.map(\.instruction) == [0x4000_0100, 0x4000_1111, 0x4000_2222])
        #expect(frames[2].register("esp") == stack.address(b) + 8)
        #expect(frames[2].register("ebp") == stack.address(a))
    }

    /// A stack that ends inside frame 0: the frame pointer's return address is not captured,
    /// nothing in the captured words looks like code, so only the context frame remains.
    @Test func truncatedStack() throws {
        let stack = TestStack(base: 0x8000_0000).d32([0x1111_1111, 0x2222_2222, 0x8000_0010])
        let frames = X86Fixture().walk(["eip": 0x4000_0100, "esp": 0x8000_0000, "ebp": 0x8000_0008], stack: stack)

        try #require(frames.count == 1)
        #expect(frames[0].trust == .context)
    }

    /// Without any stack memory the walk still produces the context frame.
    @Test func noStackMemory() throws {
        let frames = X86Fixture().walk(["eip": 0x4000_0200, "ebp": 0x8000_0000], stack: nil)

        try #require(frames.count == 1)
        #expect(frames[0].trust == .context)
        #expect(frames[0].instruction == 0x4000_0200)
    }
}
