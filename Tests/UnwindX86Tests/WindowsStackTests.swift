import CrashpipeCore
import Testing
import TestSupport
import UnwindX86

/// Breakpad's regression tests made from real Windows stacks: system-call stubs, programs that
/// read %ebx, return addresses outside every module, and aligned frames.
@Suite struct WindowsStackTests {
    /// An FPO system-call stub in the context frame whose callee already returned: the word on
    /// top of the stack is the current instruction, which must be skipped.
    @Test func fpoSystemCall() throws {
        var fixture = X86Fixture(modules: [
            Module(base: 0x771d_0000, size: 0x180000, codeFile: "ntdll.dll"),
            Module(base: 0x75f9_0000, size: 0x46000, codeFile: "kernelbase.dll"),
            Module(base: 0x7573_0000, size: 0x110000, codeFile: "kernel32.dll"),
            Module(base: 0x647f_0000, size: 0x1ba8000, codeFile: "chrome.dll"),
        ])
        let program = "$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 8 + .cbParams + ="
        fixture.setSymbols("ntdll.dll", "PUBLIC 1f8ac c ZwWaitForSingleObject\nSTACK WIN 0 1f8ac 1b 0 0 c 0 0 0 0 0\n")
        fixture.setSymbols("kernelbase.dll", "PUBLIC 109f9 c WaitForSingleObjectEx\nPUBLIC 36590 0 _except_handler4\n"
                           + "STACK WIN 4 109f9 df c 0 c c 48 0 1 \(program)\n"
                           + "STACK WIN 4 36590 154 17 0 10 0 14 0 1 \(program)\n")
        fixture.setSymbols("kernel32.dll", "PUBLIC 11136 8 WaitForSingleObject\n"
                           + "PUBLIC 11151 c WaitForSingleObjectExImplementation\n"
                           + "STACK WIN 4 11136 16 5 0 8 0 0 0 1 \(program)\n"
                           + "STACK WIN 4 11151 7a 5 0 c 0 0 0 1 \(program)\n")
        fixture.setSymbols("chrome.dll", "FILE 7038 some_file_name.h\nFILE 839776 some_file_name.cc\n"
                           + "FUNC 217fda 17 4 function_217fda\n217fda 4 102 839776\n"
                           + "FUNC 217ff1 a 4 function_217ff1\n217ff1 0 594 7038\n217ff1 a 596 7038\n"
                           + "STACK WIN 0 217ff1 a 0 0 4 0 0 0 0 0\n")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let frame2EBP = SynthLabel("frame2_ebp"), frame3EBP = SynthLabel("frame3_ebp")
        let stack = TestStack(base: 0x002f_f290)
            .d32(0x771e_f8c1)                               // %eip of frame 0 (the system call)
            .d32(0x75fa_0a91)                               // return address of frame 0
            .mark(frame1ESP)
            .d32([0x0000_17b0, 0x0000_0000, 0x002f_f2d8, 0x8801_4a2e, 0x002f_f364, 0x0000_17b0,
                  0x0000_0000, 0x0000_0024, 0x0000_0001, 0x0000_0000, 0x0000_0000, 0x0000_0000,
                  0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0000_0000, 0x9e3b_9800, 0xffff_fff7,
                  0x0000_0000, 0x002f_f2a4,
                  0x64a0_7ff1,                              // looks like a return address
                  0x002f_f8dc,
                  0x75fc_6590,                              // looks like a return address
                  0xfdd2_c6ea, 0x0000_0000])
            .mark(frame1EBP).d32(frame2EBP).d32(0x7574_1194)
            .d32([0x0000_17b0, 0x0036_ee80, 0x0000_0000, 0x65bc_7d14])
            .mark(frame2EBP).d32(frame3EBP).d32(0x7574_1148)
            .d32([0x0000_17b0, 0x0036_ee80, 0x0000_0000])
            .mark(frame3EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x771e_f8c1, "esp": 0x002f_f290, "ebp": UInt32(stack.address(frame1EBP)),
                                   "ebx": 0x0246_8ace], stack: stack)

        try #require(frames.count == 4)
        #expect(frames.map(\.trust) == [.context, .cfi, .cfi, .cfi])
        #expect(frames.map(\.instruction) == [0x771e_f8c1, 0x75fa_0a91, 0x7574_1194, 0x7574_1148])
        #expect(frames[1].knownRegisters == ["eip", "esp", "ebp", "ebx"])
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
        #expect(frames[1].register("ebx") == 0x0246_8ace)
        #expect(frames[2].register("esp") == stack.address(frame1EBP) + 8)
        #expect(frames[2].register("ebp") == stack.address(frame2EBP))
        #expect(frames[3].register("ebp") == stack.address(frame3EBP))
    }

    /// FPO frames carry %ebx through to a frame-data program that starts from it.
    @Test func fpoReferencesEBX() throws {
        var fixture = X86Fixture(modules: [
            Module(base: 0x776e_0000, size: 0x142000, codeFile: "ntdll"),
            Module(base: 0x7725_0000, size: 0xd5000, codeFile: "kernel32"),
            Module(base: 0x5a71_0000, size: 0x2b7c000, codeFile: "chrome_child"),
        ])
        let ntdllProgram = "$T0 $ebx = $eip $T0 4 + ^ = $ebx $T0 ^ = $esp $T0 8 + = $ebp $ebp ^ = $L $ebp = $P $T0 8 + .cbParams + ="
        fixture.setSymbols("ntdll", "PUBLIC 46bf4 0 KiFastSystemCallRet\nSTACK WIN 0 46bf4 1 0 0 0 0 0 0 0 0\n"
                           + "PUBLIC 46550 10 NtWaitForKeyedEvent\nSTACK WIN 0 46550 f 0 0 10 0 0 0 0 0\n"
                           + "PUBLIC 4965 10 RtlSleepConditionVariableSRW\n"
                           + "STACK WIN 4 4965 23 23 0 10 8 38 0 1 \(ntdllProgram)\n"
                           + "STACK WIN 4 4988 e3 0 0 10 8 38 0 1 \(ntdllProgram)\n"
                           + "STACK WIN 4 4b2e b 0 0 10 8 38 0 1 \(ntdllProgram)\n")
        fixture.setSymbols("kernel32", "PUBLIC 3217a 10 SleepConditionVariableSRW\n"
                           + "STACK WIN 4 3217a 40 8 0 10 0 8 0 1 $T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = "
                           + "$esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 8 + .cbParams + =\n")
        fixture.setSymbols("chrome_child", "FUNC 4f4851 20 0 base::ConditionVariable::TimedWait\n")
        let stack = TestStack(base: 0x0026_c048).d32([
            0x7772_655c, 0x776e_4a3f, 0x0000_0000, 0x0026_c070, 0x0000_0000, 0x0000_0000, 0x0000_0001,
            0x0026_c168, 0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0026_c070, 0x0000_0000, 0x0000_0000,
            0x0000_0000, 0x0026_c164, 0x00be_0000, 0x0026_fc60, 0x0026_c164, 0x0000_0000, 0xffff_fffe,
            0x0000_0000, 0x0026_c0d0, 0x7728_219e, 0x0000_03e8, 0x0000_0000, 0x7728_219e, 0x0026_c168,
            0x0026_c164, 0x0000_0000, 0x0000_0000, 0x0026_c168, 0x0000_03e8, 0x0000_03e8, 0x0026_c0ec,
            0x5ac0_486c, 0x0026_c168, 0x0026_c108, 0x5ac0_484c, 0x0026_c100, 0x0026_c160,
        ])
        let frames = fixture.walk(["eip": 0x7772_6bf4, "esp": 0x0026_c048, "ebp": 0x0026_c0a0, "ebx": 0x0026_c0ac],
                                  stack: stack)

        try #require(frames.count == 5)
        #expect(frames.map(\.trust) == [.context, .cfi, .cfi, .cfi, .cfi])
        #expect(frames.map(\.instruction) == [0x7772_6bf4, 0x7772_655c, 0x776e_4a3f, 0x7728_219e, 0x5ac0_486c])
    }

    /// The frame-data program's return address is in no module: a scan from `.raSearchStart`
    /// skips the frame of unknown code, and %ebp is recovered further up.
    @Test func returnAddressIsNotInKnownModule() throws {
        var fixture = X86Fixture(modules: [
            Module(base: 0x77be_0000, size: 0x58000, codeFile: "msvcrt.dll"),
            Module(base: 0x7c80_0000, size: 0x103000, codeFile: "kernel32.dll"),
            Module(base: 0x01c3_0000, size: 0x28c8000, codeFile: "chrome.dll"),
        ])
        let program = "$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + = $L $T0 .cbSavedRegs - = $P $T0 4 + .cbParams + ="
        fixture.setSymbols("msvcrt.dll", "PUBLIC 38180 0 wcsstr\nSTACK WIN 4 38180 61 10 0 8 0 0 0 1 \(program)\n")
        fixture.setSymbols("kernel32.dll", "PUBLIC efda 8 FindNextFileW\nSTACK WIN 4 efda 1bb c 0 8 8 3c 0 1 \(program)\n")
        fixture.setSymbols("chrome.dll", "FUNC e3cff 4af 0 file_util::FileEnumerator::Next()\ne3cff 1a 711 2505\n"
                           + "STACK WIN 4 e3cff 4af 20 0 4 c 94 0 1 $T1 .raSearch = $T0  $T1 4 - 8 @ = "
                           + "$ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $20 $T0 152 - ^ =  $23 $T0 156 - ^ =  "
                           + "$24 $T0 160 - ^ =\n")
        let frame0EBP = SynthLabel("frame0_ebp"), frame1EBP = SynthLabel("frame1_ebp")
        let frame2EBP = SynthLabel("frame2_ebp"), frame3EBP = SynthLabel("frame3_ebp")
        let stack = TestStack(base: 0x0932_f2d0)
            .d32([0x0764_e000, 0x0764_e068])
            .mark(frame0EBP).d32(frame1EBP)
            .d32(0x0017_67a0)                               // return address of frame 0: in no module
            .d32([0x0764_e0c6, 0x001b_b1b8, 0x0764_e068, 0x0000_0003, 0x0764_e068, 0x0000_0003,
                  0x0757_8828, 0x0764_e000, 0x0000_0000, 0x001c_0010, 0x0764_e0c6])
            .mark(frame1EBP).d32(frame2EBP)
            .d32(0x7c80_f10f)                               // return address of frame 1: kernel32!FindNextFileW
            .d32([0x0000_08f8, 0x0000_0000, 0x0000_0000, 0x0000_0000, 0x0932_f34c, 0x0764_e000,
                  0x0000_1000, 0x0000_0000, 0x0000_0001, 0x0000_0000, 0x0000_0000, 0x0932_f6a8,
                  0x0000_0000, 0x0932_f6d8, 0x0000_0000, 0x0000_00d6, 0x0764_e000, 0x7ff9_a000,
                  0x0932_f3fc, 0x0000_0001, 0x0000_0001, 0x0757_8828, 0x0000_002e, 0x0932_f340,
                  0x0932_eef4, 0x0932_ffdc, 0x7c83_9ad8, 0x7c80_f0d8, 0x0000_0000])
            .mark(frame2EBP).d32(frame3EBP)
            .d32(0x01d1_3f91)                               // return address of frame 2: chrome!FileEnumerator::Next
            .d32([0x0757_8828, 0x0932_f6ac, 0x0932_f9c4, 0x0932_f9b4, 0x0000_0000, 0x0000_0003,
                  0x0932_f978, 0x0109_4330, 0x0000_0000, 0x0000_0001, 0x0109_4330, 0x0000_0000,
                  0x0000_0000, 0x07f3_0000, 0x01c3_ba17, 0x08ba_b840, 0x07f3_1580, 0x0000_0000,
                  0x0000_0007, 0x0932_f940, 0x0000_002e, 0x0932_f40c, 0x01d1_3b53, 0x0932_f958,
                  0x0000_0001, 0x0000_0007, 0x0932_f940, 0x0000_002e, 0x0000_0000, 0x0932_f6ac,
                  0x01e1_3ef0, 0x0000_0001, 0x0000_0007, 0x0932_f958, 0x08ba_b840, 0x0932_f9b4,
                  0x0000_0000, 0x0932_f9b4, 0x0000_00a7, 0x0000_00a7, 0x0932_f998, 0x5796_27a2])
            .mark(frame3EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x77c1_81cd, "esp": 0x0932_f2d0, "ebp": UInt32(stack.address(frame0EBP))],
                                  stack: stack)

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .cfiScan, .cfi])
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 0x7c80_f10f)
        #expect(frames[1].register("ebp") == stack.address(frame2EBP))   // frame 1 was skipped
        #expect(frames[2].knownRegisters == eipEspEbp)
        #expect(frames[2].instruction == 0x01d1_3f91)
        #expect(frames[2].register("ebp") == stack.address(frame3EBP))
    }

    /// Programs with alignment operators: `.raSearch` must come from %ebp.
    @Test func alignmentInProgramString() throws {
        var fixture = X86Fixture(modules: [Module(base: 0x5963_0000, size: 0x19e3000, codeFile: "chrome.dll")])
        fixture.setSymbols("chrome.dll", """
            FUNC 56422 50c 8 base::MessageLoop::RunTask(base::PendingTask const&)
            STACK WIN 4 56422 50c 11 0 8 c ac 0 1 $T1 .raSearch = $T0 $T1 4 - 8 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $20 $T0 176 - ^ =  $23 $T0 180 - ^ =  $24 $T0 184 - ^ =
            FUNC 55d34 34a 0 base::MessageLoop::DoWork()
            STACK WIN 4 55d34 34a 19 0 0 c 134 0 1 $T1 .raSearch = $T0  $T1 4 - 8 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $20 $T0 312 - ^ =  $23 $T0 316 - ^ =  $24 $T0 320 - ^ =
            FUNC 55c39 fb 0 base::MessagePumpForIO::DoRunLoop()
            STACK WIN 4 55c39 fb d 0 0 c 34 0 1 $T1 .raSearch = $T0 $T1 4 - 64 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $20 $T0 56 - ^ =  $23 $T0 60 - ^ =  $24 $T0 64 - ^ =
            FUNC 55bf0 49 4 base::MessagePumpWin::Run(base::MessagePump::Delegate*)
            STACK WIN 4 55bf0 49 c 0 4 0 10 0 1 $T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + =
            FUNC 165d de 4 malloc
            STACK WIN 4 165d de d 0 4 8 0 0 1 $T1 .raSearch = $T0 $T1 4 - 8 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $23 $T0 4 - ^ =  $24 $T0 8 - ^ =
            FUNC 55ac9 79 0 base::MessageLoop::RunInternal()
            STACK WIN 4 55ac9 79 d 0 0 8 10 0 1 $T1 .raSearch = $T0 $T1 4 - 8 @ = $ebp $T1 4 - ^ = $eip $T1 ^ = $esp $T1 4 + = $23 $T0 20 - ^ =  $24 $T0 24 - ^ =
            """)
        let frame0ESP = SynthLabel("frame0_esp"), frame0EBP = SynthLabel("frame0_ebp")
        let frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let frame2ESP = SynthLabel("frame2_esp"), frame2EBP = SynthLabel("frame2_ebp")
        let stack = TestStack(base: 0x046b_fc80)
            .d32(0)
            .mark(frame0ESP)
            .d32([0x01e2_35a0, 0x0000_0000, 0x01e9_f580, 0x01e9_f580, 0x0000_0020, 0x0000_0000,
                  0x0046_3674, 0x0000_0020, 0x0000_0000, 0x046b_fcd8, 0x046b_fcd8, 0x0001_204b,
                  0x0000_0000, 0xfddd_b523, 0x0000_0000, 0x0000_0007, 0x0000_0040, 0x0000_0000,
                  0x5963_1693,                              // chrome!malloc+0x36
                  0x01e9_f580, 0x01e9_f580, 0x046b_fcf8,
                  0x77da_6704,                              // ntdll!NtSetIoCompletion+0xc
                  0x046b_fd4c,
                  0x5968_5bec,                              // chrome!base::MessageLoop::StartHistogrammer..
                  0x01e2_35a0])
            .mark(frame0EBP).d32(frame1EBP)
            .d32(0x5968_5c2e)                               // in base::MessagePumpWin::Run+0x3e
            .mark(frame1ESP)
            .d32([0x01e7_5a90, 0x046b_fd4c, 0x01e7_5a90, 0x0000_0000, 0x0000_0300, 0x0000_0001])
            .mark(frame1EBP).d32(frame2EBP)
            .d32(0x5968_5b3c)                               // in base::MessageLoop::RunInternal+0x73
            .mark(frame2ESP)
            .d32([0x01e7_5a90, 0x0000_0000, 0x046b_fd4c,
                  0x5965_8123,                              // chrome!std::deque..
                  0x046b_fda0, 0x01e7_9d70, 0x046b_fda0])
            .mark(frame2EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x5968_5c46, "esp": UInt32(stack.address(frame0ESP)),
                                   "ebp": UInt32(stack.address(frame0EBP))], stack: stack)

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .cfi, .cfi])
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].instruction == 1_500_011_566)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
        #expect(frames[2].instruction == 1_500_011_324)
        #expect(frames[2].register("esp") == stack.address(frame2ESP))
        #expect(frames[2].register("ebp") == stack.address(frame2EBP))
    }

    /// The context frame's %eip is in no module and %ebp is bogus: a scan finds frame 1 and
    /// restores the %ebp chain, after which frame data takes over.
    @Test func instructionNotInKnownModule() throws {
        var fixture = X86Fixture(modules: [Module(base: 0x5408_0000, size: 0x501000, codeFile: "remoting_core.dll")])
        let program = "$T0 $ebp = $eip $T0 4 + ^ = $ebp $T0 ^ = $esp $T0 8 + ="
        fixture.setSymbols("remoting_core.dll", """
            FUNC 137214 17d 10 PK11_Verify
            FUNC 15c834 37 14 nsc_ECDSAVerifyStub
            FUNC 1611d3 91 14 NSC_Verify
            FUNC 162ff7 60 4 sftk_SessionFromHandle
            STACK WIN 4 137214 17d 9 0 10 0 10 0 1 \(program)
            STACK WIN 4 15c834 37 6 0 14 0 18 0 1 \(program)
            STACK WIN 4 1611d3 91 7 0 14 0 8 0 1 \(program)
            STACK WIN 4 162ff7 60 5 0 4 0 0 0 1 \(program)
            """)
        let frame0EBP = SynthLabel("frame0_ebp"), frame1ESP = SynthLabel("frame1_esp"), frame1EBP = SynthLabel("frame1_ebp")
        let frame2ESP = SynthLabel("frame2_esp"), frame2EBP = SynthLabel("frame2_ebp")
        let frame3ESP = SynthLabel("frame3_esp"), frame3EBP = SynthLabel("frame3_ebp")
        let bogus1 = SynthLabel("bogus_1"), bogus2 = SynthLabel("bogus_2"), bogus3 = SynthLabel("bogus_3")
        let stack = TestStack(base: 0x01a3_ea28)
            .d32(bogus2).d32(bogus1).d32(0x0424_78e4).d32(bogus2)
            .d32([0x0000_0000, 0x041f_0420, 0x0000_0000, 0x0000_0000, 0x0000_0040, 0x0000_0001,
                  0x00b7_e0d0, 0x0000_0000, 0x0000_0040, 0x0000_0001, 0x00b7_f570])
            .mark(bogus1)
            .d32([0x0000_0000, 0x0000_0040, 0x0000_0008, 0x0428_9530, 0x0000_0000, 0x0000_0040,
                  0x0000_0008, 0x00b7_e910, 0x0000_0000, 0x0000_0040, 0x0000_0008, 0x00b7_d998,
                  0x0000_0000, 0x0000_0040, 0x0000_0008, 0x00b7_dec0])
            .mark(bogus2)
            .d32([0x0000_0000, 0x0000_0040, 0x0000_0008, 0x0428_9428, 0x0000_0000, 0x0000_0040,
                  0x0000_0008, 0x00b7_f258])
            .mark(bogus3)
            .d32([0x0000_0000, 0x041f_3560, 0x0000_0041, 0x0000_0020, 0xffff_ffff])
            .mark(frame0EBP).d32(frame1EBP)
            .d32(0x541d_c866)                               // in nsc_ECDSAVerifyStub+0x32
            .mark(frame1ESP)
            .d32([0x0424_7860, 0x01a3_eaec, 0x01a3_eaf8,
                  0x541e_304f,                              // sftk_SessionFromHandle+0x58
                  0x0404_c620, 0x0000_0040, 0x01a3_eb2c, 0x01a3_ec08, 0x0000_0014])
            .mark(frame1EBP).d32(frame2EBP)
            .d32(0x541e_1234)                               // in NSC_Verify+0x61
            .mark(frame2ESP)
            .d32([0x0424_7858, 0x0404_c620, 0x0000_0040, 0x01a3_ec08, 0x0000_0014, 0x0100_0005,
                  0x00b2_f7a0, 0x041f_0420, 0x041f_3650])
            .mark(frame2EBP).d32(frame3EBP)
            .d32(0x541b_734d)                               // in PK11_Verify+0x139
            .mark(frame3ESP)
            .d32([0x0100_0005, 0x01a3_ec08, 0x0000_0014, 0x0404_c620, 0x0000_0040, 0x0407_3e00,
                  0x0407_3e00, 0x0424_7050, 0x0000_1041, 0x0000_0000, 0x0000_0000, 0x0000_0000])
            .mark(frame3EBP).d32(0).d32(0)
        let frames = fixture.walk(["eip": 0x0424_7860, "esp": 0x01a3_ea28, "ebp": 0x5420_362d], stack: stack)

        try #require(frames.count == 4)
        #expect(frames.map(\.trust) == [.context, .scan, .cfi, .cfi])
        #expect(frames.map(\.instruction) == [0x0424_7860, 0x541d_c866, 0x541e_1234, 0x541b_734d])
        #expect(frames[1].knownRegisters == eipEspEbp)
        #expect(frames[1].register("esp") == stack.address(frame1ESP))
        #expect(frames[1].register("ebp") == stack.address(frame1EBP))
        #expect(frames[2].register("esp") == stack.address(frame2ESP))
        #expect(frames[2].register("ebp") == stack.address(frame2EBP))
        #expect(frames[3].register("esp") == stack.address(frame3ESP))
        #expect(frames[3].register("ebp") == stack.address(frame3EBP))
    }
}
