import CrashpipeCore
import Testing
import TestSupport
import UnwindX86

/// STACK WIN frame data and FPO records (Breakpad's GetCallerFrame.WindowsFrameData* and
/// WindowsFPO* tests, plus the callee parameter size and `allowScan`).
@Suite struct StackWinTests {
    /// A frame-data program restores the caller's registers from the saved-register area.
    @Test func frameDataProgram() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 aa85 176 0 0 4 10 4 0 1 $T2 $esp .cbSavedRegs + = "
                           + "$T0 .raSearchStart = $eip $T0 ^ = $esp $T0 4 + = $ebx $T2 4  - ^ = "
                           + "$edi $T2 8  - ^ = $esi $T2 12 - ^ = $ebp $T2 16 - ^ =\n")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(frame1EBP)                                 // saved %ebp
            .d32([0xa712_0d1a, 0x6308_91be, 0x9068_a878])   // saved %esi, %edi, %ebx
            .d32(0xa08e_a45f)                               // locals: unused
            .d32(0x4000_1350)                               // return address
            .mark(frame1ESP).append(12, 0)
            .mark(frame1EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x4000_aa85, "esp": 0x8000_0000, "ebp": 0xf052_c1de], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[0].trust == .context)
        let frame1 = frames[1]
        #expect(frame1.trust == .cfi)
        #expect(frame1.trust.description == "call frame info")
        #expect(frame1.knownRegisters == ["eip", "esp", "ebp", "ebx", "esi", "edi"])
        #expect(frame1.instruction == 0x4000_1350)
        #expect(frame1.register("esp") == stack.address(frame1ESP))
        #expect(frame1.register("ebp") == stack.address(frame1EBP))
        #expect(frame1.register("ebx") == 0x9068_a878)
        #expect(frame1.register("esi") == 0xa712_0d1a)
        #expect(frame1.register("edi") == 0x6308_91be)
    }

    /// A program that aligns the stack (`@`) gets `.raSearch` from %ebp, not from %esp.
    @Test func frameDataAligned() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 aa85 176 0 0 4 4 8 0 1 $T1 .raSearch = "
                           + "$T0 $T1 4 - 8 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + =")
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x0ffa_0ffa)                               // unused saved register
            .d32([0xdead_dead, 0xbeef_beef])                // locals
            .d32(0)                                         // 8-byte alignment
            .mark(frame0EBP).d32(frame1EBP)                 // saved %ebp
            .d32(0x5000_129d)                               // return address
            .mark(frame1ESP).d32(1)                         // parameter
            .mark(frame1EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x4000_aa85, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x5000_129d)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// `.cbCalleeParams` is the callee's parameter size from its FUNC record when it has no
    /// STACK WIN record; the caller's own STACK WIN parameter size beats its FUNC's.
    @Test func frameDataUsesCalleeParameterSize() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 1000 100 c module1::wheedle\n")
        fixture.setSymbols("module2", "FUNC aa85 176 beef module2::whine\n"
                           + "STACK WIN 4 aa85 176 0 0 4 10 4 0 1 $T2 $esp .cbLocals + .cbSavedRegs + = "
                           + "$T0 .raSearchStart = $eip $T0 ^ = $esp $T0 4 + = $ebp $T0 20 - ^ = $ebx $T0 8 - ^ =\n")
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp")
        let frame2ESP = SynthLabel("frame2_esp"), frame2EBP = SynthLabel("frame2_ebp")
        let stack = TestStack(base: 0x8000_0000)
            // frame 0, in module1::wheedle: a traditional frame
            .append(16, 0)
            .mark(frame0EBP).d32(0x6fa9_02e0)               // saved %ebp: not a frame pointer
            .d32(0x5000_aa95)                               // return address, in module2::whine
            // frame 1, in module2::whine: frame data
            .mark(frame1ESP)
            .d32([0xbaa0_cb7a, 0xbdc9_2f9f, 0x0b1d_8442])   // arguments 3, 2, 1 to module1::wheedle
            .d32(frame2EBP)                                 // saved %ebp
            .d32([0xb1b9_0a15, 0xf18e_072d])                // unused
            .d32(0x2558_c7f3)                               // saved %ebx
            .d32(0x0365_e25e)                               // unused
            .d32(0x2a17_9e38)                               // return address; $T0 points here
            // frame 2, in no module
            .mark(frame2ESP).append(12, 0)
            .mark(frame2EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x4000_1004, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .framePointer, .cfi])
        #expect(frames[1].instruction == 0x5000_aa95)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == 0x6fa9_02e0)
        #expect(frames[2].knownRegisters == ["eip", "esp", "ebp", "ebx"])
        #expect(frames[2].instruction == 0x2a17_9e38)
        #expect(frames[2].register("esp") == stack.address(frame2ESP))
        #expect(frames[2].register("ebp") == stack.address(frame2EBP))
        #expect(frames[2].register("ebx") == 0x2558_c7f3)
    }

    /// A PUBLIC record's parameter size is not used for `.cbCalleeParams` (Breakpad's resolver
    /// makes parameter-size-only frame info from FUNC records only). With scanning off, the
    /// program's result stands, so it shows which size was used.
    @Test(arguments: [("FUNC 1000 100 8 callee\n", UInt64(0x4000_2010)),
                      ("PUBLIC 1000 8 callee\n", UInt64(0x00c0_ffee))])
    func calleeParameterSizeComesFromFunctionRecords(calleeRecord: String, expectedCaller: UInt64) throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", calleeRecord
                           + "FUNC 2000 100 0 caller\n"
                           + "STACK WIN 4 2000 100 0 0 0 0 0 0 1 $T0 $esp .cbCalleeParams + = $eip $T0 ^ = $esp $T0 4 + =\n")
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp")
        let stack = TestStack(base: 0x8000_0000)
            .mark(frame0EBP).d32(0x0bad_0bad).d32(0x4000_2004)  // frame 0: traditional
            .mark(frame1ESP).d32([0x00c0_ffee, 0x00c0_ffee])    // 8 bytes of arguments to the callee
            .d32(0x4000_2010)                                   // frame 1's return address
            .append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_1004, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack, allowScan: false)

        try #require(frames.count == 3)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[2].trust == .cfi)
        #expect(frames[2].instruction == expectedCaller)
    }

    /// A program that does not parse makes the walker scan; the frame is a scanned one.
    @Test func frameDataProgramFailsSoScan() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 c8c 111 0 0 4 10 4 0 1 bad program string\n")
        fixture.setSymbols("module2", "FUNC 7c38 accf 0 module2::function\n"
                           + "STACK WIN 4 7c38 accf 0 0 4 10 4 0 1 $eip 0 = $ebp 0 =\n")
        let frame1ESP = SynthLabel("frame1_esp")
        let stack = TestStack(base: 0x8000_0000)
            .append(16, 0x2a)                               // unused, garbage
            .d32(0x5000_7ce9)                               // return address
            .mark(frame1ESP).append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_0c9c, "esp": 0x8000_0000, "ebp": 0x2ae3_14cd], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x5000_7ce9)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        // Nothing in the saved-register area points into the stack: %ebp stays the callee's.
        #expect(frames[1].register("ebp") == 0x2ae3_14cd)
    }

    /// The program's return address is outside every module: scan from `.raSearchStart` + 4
    /// (trust `cfi_scan`), then find the caller's %ebp in the saved-register area.
    @Test func frameDataBadReturnAddressScan() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 6e6 e7 0 0 0 8 4 0 1 $eip $ebp 4 + ^ = $esp $ebp 8 + = $ebp $ebp ^ =\n")
        fixture.setSymbols("module2", "FUNC cfdb 8406 0 module2::function\n"
                           + "STACK WIN 4 cfdb 8406 0 0 0 0 0 0 1 $eip 0 = $ebp 0 =\n")
        let (stack, frame0EBP, frame1ESP, frame1EBP) = Self.badReturnAddressStack()
        let frames = fixture.walk(["eip": 0x4000_0700, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfiScan)
        #expect(frames[1].trust.description == "call frame info with scanning")
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x5000_d000)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// The same stack with scanning off: the program's (wrong) answer stands, with `cfi`.
    @Test func frameDataBadReturnAddressWithoutScanning() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 6e6 e7 0 0 0 8 4 0 1 $eip $ebp 4 + ^ = $esp $ebp 8 + = $ebp $ebp ^ =\n")
        let (stack, frame0EBP, _, _) = Self.badReturnAddressStack()
        let frames = fixture.walk(["eip": 0x4000_0700, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack, allowScan: false)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].instruction == 0x1784_7f5b)
        #expect(frames[1].register("esp") == stack.address(frame0EBP) + 8)
        #expect(frames[1].register("ebp") == 0x3d93_7b2b)
    }

    static func badReturnAddressStack() -> (TestStack, SynthLabel, SynthLabel, SynthLabel) {
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .append(8, 0x2a)                                // garbage
            .mark(frame0EBP)                                // %ebp points here, but should be 4 words up
            .d32(0x3d93_7b2b)                               // alleged saved %ebp
            .d32(0x1784_7f5b)                               // alleged return address
            .d32(frame1EBP)                                 // the real saved %ebp; the scan finds it
            .d32(0x2b2b_2b2b)                               // first word of the realigned save area
            .d32(0x2c2c_2c2c)                               // realigned locals
            .d32(0x5000_d000)                               // the real return address
            .mark(frame1ESP).mark(frame1EBP)
            .d32(0x2d2d_2d2d)                               // a word for frame 1's %ebp to point at
        return (stack, frame0EBP, frame1ESP, frame1EBP)
    }

    /// FPO data for a function that leaves %ebp alone: the caller's %ebp is the callee's, and
    /// %ebx is carried through.
    @Test func fpoUnchangedEBP() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC e8a8 100 feeb module1::discombobulated\n"
                           + "STACK WIN 0 e8a8 100 0 0 8 4 10 0 0 0\n")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x7c52_1352)                               // four bytes of saved registers
            .append(0x10, 0x42)                             // locals
            .d32(0x4000_9b5b)                               // return address, in module1, no function
            .mark(frame1ESP).d32(0xf60e_a7fc)               // junk
            .mark(frame1EBP).d32(0).d32(0)
        let frame1EBPValue = UInt32(stack.address(frame1EBP))
        let frames = fixture.walk(["eip": 0x4000_e8b8, "esp": 0x8000_0000, "ebp": frame1EBPValue,
                                   "ebx": 0x1357_9bdf], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].knownRegisters == ["eip", "esp", "ebp", "ebx"])
        #expect(frames[1].instruction == 0x4000_9b5b)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == UInt64(frame1EBPValue))
        #expect(frames[1].register("ebx") == 0x1357_9bdf)
    }

    /// FPO data for a function that uses %ebp for itself and saved the caller's first in its
    /// saved-register area.
    @Test func fpoUsedEBP() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 9aa8 e6 abbe module1::RaisedByTheAliens\n"
                           + "STACK WIN 0 9aa8 e6 a 0 10 8 4 0 0 1\n")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(frame1EBP)                                 // saved %ebp
            .d32(0xb68b_d5f9)                               // another saved register
            .d32(0xd25d_05fc)                               // locals
            .d32(0x4000_debe)                               // return address, in module1, no function
            .mark(frame1ESP).d32(0xf0c9_a974)
            .mark(frame1EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x4000_9ab8, "esp": 0x8000_0000, "ebp": 0xecbd_d1a5], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x4000_debe)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
    }

    /// A leaf with an all-zero FPO record: the return address is on top of the stack; the
    /// caller continues the %ebp chain the leaf never touched.
    @Test func fpoLeaf() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "FUNC 2000 10 0 leaf\nSTACK WIN 0 2000 10 0 0 0 0 0 0 0 0\nFUNC 3000 100 0 caller\n")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp"), frame2ESP = SynthLabel("frame2_esp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x4000_3010)                               // return address into caller
            .mark(frame1ESP).append(8, 0)
            .mark(frame1EBP).d32(0).d32(0x5000_0100)        // caller's frame: saved %ebp, return address
            .mark(frame2ESP)
        let frames = fixture.walk(["eip": 0x4000_2004, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame1EBP))], stack: stack)

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .cfi, .framePointer])
        #expect(frames[1].knownRegisters == ["eip", "esp", "ebp", "ebx"])
        #expect(frames[1].instruction == 0x4000_3010)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
        #expect(frames[2].instruction == 0x5000_0100)
        #expect(frames[2].register("esp") == stack.address(frame2ESP))
        #expect(frames[2].register("ebp") == 0)
    }

    /// Breakpad's evaluator assigns only to `$` variables: a program that tries to overwrite a
    /// constant fails after its first two assignments, and the walker scans.
    @Test func programMayNotAssignConstants() throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN 4 1000 100 0 0 0 0 0 0 1 "
                           + "$eip .raSearchStart ^ = $esp .raSearchStart 4 + = .cbParams 0 =\n")
        let stack = TestStack(base: 0x8000_0000).d32(0x5000_1000).append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_1010, "esp": 0x8000_0000, "ebp": 0x0bad_0bad], stack: stack)

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == 0x5000_1000)
        #expect(frames[1].register("esp") == 0x8000_0004)
    }

    /// Only frame data (4) and FPO (0) records are used, as Breakpad's resolver returns no
    /// other kind: a "standard" (3) record is passed over for the frame pointer.
    @Test(arguments: [(UInt8(3), FrameTrust.framePointer), (UInt8(4), FrameTrust.cfi)])
    func onlyFrameDataAndFPORecordsAreUsed(type: UInt8, trust: FrameTrust) throws {
        var fixture = X86Fixture()
        fixture.setSymbols("module1", "STACK WIN \(type) 1000 100 0 0 0 0 0 0 1 "
                           + "$eip .raSearchStart ^ = $esp .raSearchStart 4 + = $ebp $ebp =\n")
        let frame0EBP = SynthLabel("frame0_ebp")
        let stack = TestStack(base: 0x8000_0000)
            .d32(0x5000_1000)                               // what the program finds
            .mark(frame0EBP).d32(0).d32(0x5000_2000)        // what the frame pointer finds
            .append(8, 0)
        let frames = fixture.walk(["eip": 0x4000_1010, "esp": 0x8000_0000,
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count >= 2)
        #expect(frames[1].trust == trust)
        #expect(frames[1].instruction == (trust == .cfi ? 0x5000_1000 : 0x5000_2000))
    }
}
