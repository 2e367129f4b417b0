import CrashpipeCore
import TestSupport
import Testing
import UnwindARM64

/// Stack scanning, after Breakpad's Scan* tests: frame 0's x29 points nowhere readable and
/// its lr at no code, so neither the records nor the link register help.
struct ScanTests {
    static let unreadableFP: UInt64 = 0x9000_0000
    static let junkLR: UInt64 = 0x6000_0000

    static func registers(_ f: StackFixture, pc: UInt64 = ARM64.m1 + 0x200) -> [String: UInt64] {
        ["pc": pc, "sp": f.stackBase, "x29": unreadableFP, "x30": junkLR]
    }

    /// With symbols, a candidate must fall inside a function; words outside modules, inside a
    /// module but between functions, and pointers into the stack are passed over.
    static func decoyStack() -> (StackFixture, SynthLabel) {
        var f = ARM64.fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x100, 0x400, "monotreme")])
        f.symbols[1] = CannedSymbols(functions: [(0x100, 0x400, "marsupial")])
        f.section.zeros(16)
        f.section.u64(0x4009_0000)                 // past module1's end
        f.section.u64(0x6000_0000)                 // no module
        f.section.u64(ARM64.m1 + 0x1000)           // module1, outside any function
        f.section.u64(ARM64.m2 + 0xf000)           // module2, outside any function
        f.section.u64(f.stackBase + 0x10)          // a pointer into the stack
        f.section.u64(ARM64.m2 + 0x200)            // inside marsupial: the return address
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(64)
        return (f, frame1SP)
    }

    @Test func scanSkipsDecoys() throws {
        let (f, frame1SP) = Self.decoyStack()
        let frames = f.walkARM64(Self.registers(f))

        try #require(frames.count == 2)
        #expect(frames[0].function == "monotreme")
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == ARM64.m2 + 0x200)
        #expect(frames[1].function == "marsupial")
        #expect(frames[1].register("sp") == f.address(frame1SP))
        #expect(frames[1].knownRegisters == ["sp", "pc"], "scanning recovers nothing else")
    }

    /// Without scanning the walk stops where only scanning could go on.
    @Test func scanningCanBeDisabled() throws {
        let (f, _) = Self.decoyStack()
        let frames = f.walkARM64(Self.registers(f), scan: false)
        try #require(frames.count == 1)
        #expect(frames[0].trust == .context && frames[0].instruction == ARM64.m1 + 0x200)
    }

    /// Without symbols any address inside a module is a candidate; three frames by scanning,
    /// each caller's sp just above its return address.
    @Test func scanWithoutSymbols() throws {
        let f = ARM64.fixture()
        let ra1 = ARM64.m2 + 0x100, ra2 = ARM64.m2 + 0x900
        f.section.zeros(16).u64(0x4009_0000).u64(0x6000_0000).u64(ra1)
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(16).u64(0xf000_0000).u64(0xd).u64(ra2)
        let frame2SP = f.section.here("frame2.sp")
        f.section.zeros(64)
        let frames = f.walkARM64(Self.registers(f, pc: ARM64.m1 + 0x5510))

        try #require(frames.count == 3)
        #expect(frames.map(\.trust) == [.context, .scan, .scan])
        #expect(frames.map(\.instruction) == [ARM64.m1 + 0x5510, ra1, ra2])
        #expect(frames[1].register("sp") == f.address(frame1SP))
        #expect(frames[2].register("sp") == f.address(frame2SP))
    }

    /// Below the context frame the scan reaches 160 words; below a scanned frame, 40.
    @Test func contextFrameScansFurther() throws {
        let f = ARM64.fixture()
        let ra1 = ARM64.m2 + 0x100
        f.section.zeros(32).u64(0x4009_0000).u64(0x6000_0000).zeros(400).u64(ra1)   // word 56
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(32).u64(0xf000_0000).u64(0xd).zeros(336)
        f.section.u64(ARM64.m2 + 0x900)                                           // word 48: out of reach
        f.section.zeros(64)
        let frames = f.walkARM64(Self.registers(f, pc: ARM64.m1 + 0x5510))

        try #require(frames.count == 2)
        #expect(frames.map(\.trust) == [.context, .scan])
        #expect(frames[1].instruction == ra1)
        #expect(frames[1].register("sp") == f.address(frame1SP))
    }

    /// A signed return address on the stack is recognised once stripped.
    @Test func scanStripsPointerAuthentication() throws {
        let f = ARM64.fixture()
        f.section.u64(0).u64(ARM64.signed(ARM64.m2 + 0x100))
        let frame1SP = f.section.here("frame1.sp")
        f.section.zeros(16)
        let frames = f.walkARM64(Self.registers(f))

        try #require(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == ARM64.m2 + 0x100)
        #expect(frames[1].moduleIndex == 1)
        #expect(frames[1].register("sp") == f.address(frame1SP))
    }
}
