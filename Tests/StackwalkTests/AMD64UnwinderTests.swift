import CrashpipeCore
import Minidump
import TestSupport
import Testing
import UnwindAMD64

/// The amd64 strategies on stacks assembled in the test, after Breakpad's
/// stackwalker_amd64_unittest.cc: two modules, and a stack built from labels.
struct AMD64UnwinderTests {
    static let layout = ContextAMD64.layout
    static let modules = [
        Module(base: 0x4000_0000_0000_0000 >> 16, size: 0x10000, codeFile: "module1"),
        Module(base: 0x5000_0000_0000_0000 >> 16, size: 0x10000, codeFile: "module2"),
    ]
    // 0x400000000000 and 0x500000000000: canonical user-space addresses.
    static let m1 = modules[0].base
    static let m2 = modules[1].base

    func fixture() -> StackFixture { StackFixture(stackBase: 0x7fff_0000_0000, modules: Self.modules) }

    @Test func frameZeroOnlyWhenTheStackIsEmpty() {
        let f = fixture()
        f.section.append(repeating: 0, count: 8)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase, "rbp": 0])
        #expect(frames.count == 1)
        #expect(frames[0].trust == .context && frames[0].instruction == Self.m1 + 0x2a00)
        #expect(frames[0].moduleIndex == 0)
    }

    /// Frame pointers: [rbp] holds the caller's rbp and [rbp+8] the return address.
    @Test func framePointerChain() {
        let f = fixture()
        let frame1SP = SynthLabel("frame1.sp"), frame1BP = SynthLabel("frame1.bp")
        f.section.append(repeating: 0, count: 16)          // garbage below frame 0's rbp
        let frame0BP = f.section.here("frame0.bp")
        f.section.u64(frame1BP, plus: Int64(bitPattern: f.stackBase))   // saved rbp
        f.section.u64(Self.m2 + 0x1000)                     // return address into module2
        f.section.mark(frame1SP)
        f.section.append(repeating: 0, count: 32)
        f.section.mark(frame1BP)
        f.section.u64(0)                                    // caller's rbp: end of chain
        f.section.u64(0)                                    // null return address
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout,
                            registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                            labels: ["rbp": frame0BP])
        #expect(frames.count == 2)
        #expect(frames[1].trust == .framePointer)
        #expect(frames[1].instruction == Self.m2 + 0x1000)
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[1].context?.framePointer == f.address(frame1BP))
        #expect(frames[1].moduleIndex == 1)
    }

    /// Windows x64 frames need unwind data: the RBP chain is not tried, scanning finds the caller.
    @Test func windowsSkipsTheFramePointer() {
        var f = fixture()
        f.os = .windows
        let frame0BP = f.section.here("frame0.bp")
        let frame1BP = SynthLabel("frame1.bp")
        f.section.u64(frame1BP, plus: Int64(bitPattern: f.stackBase))
        f.section.u64(Self.m2 + 0x1000)
        f.section.append(repeating: 0, count: 16)
        f.section.mark(frame1BP).u64(0).u64(0)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                            labels: ["rbp": frame0BP])
        #expect(frames.count >= 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == Self.m2 + 0x1000)
    }

    /// Scanning skips values outside modules, and with symbols present, outside functions.
    @Test func scanSkipsDecoys() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(functions: [(0x100, 0x400, "platypus"), (0x2a00, 0x200, "crashed")])
        f.section.u64(0x10)                                  // not in a module
        f.section.u64(Self.m1 + 0x8000)                      // in module1, but no function there
        f.section.u64(0x7fff_ffff_ffff_ffff)                 // non-canonical
        let frame1SP = SynthLabel("frame1.sp")
        f.section.u64(Self.m1 + 0x150)                       // inside platypus: accepted
        f.section.mark(frame1SP)
        f.section.append(repeating: 0, count: 16)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a10, "rsp": f.stackBase])
        #expect(frames.count == 2)
        #expect(frames[1].trust == .scan)
        #expect(frames[1].instruction == Self.m1 + 0x150)
        #expect(frames[1].function == "platypus")
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[0].function == "crashed")
    }

    /// With scanning off, an unwalkable frame ends the stack.
    @Test func scanCanBeDisabled() {
        let f = fixture()
        f.section.u64(Self.m1 + 0x150).append(repeating: 0, count: 16)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a10, "rsp": f.stackBase],
                            scan: false)
        #expect(frames.count == 1)
    }

    /// CFI: the rules at the callee's pc give the CFA (the caller's rsp), the return address and
    /// the saved registers; callee-saved registers the rules do not mention keep their values.
    @Test func callFrameInfo() {
        var f = fixture()
        f.symbols[0] = CannedSymbols(
            functions: [(0x4000, 0x100, "enchiridion"), (0x5000, 0x100, "caller")],
            cfi: [(0x4000, 0x100, ".cfa: $rsp 24 + .ra: .cfa -8 + ^ $rbx: .cfa -24 + ^")])
        f.section.u64(0xdead_beef)                          // saved rbx
        f.section.u64(0x1234)                               // local
        f.section.u64(Self.m1 + 0x5010)                     // return address
        let frame1SP = f.section.here("frame1.sp")
        f.section.append(repeating: 0, count: 32)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout,
                            registers: ["rip": Self.m1 + 0x4010, "rsp": f.stackBase, "rbx": 1, "r12": 0x1212, "rax": 7],
                            scan: false)
        #expect(frames.count == 2)
        #expect(frames[1].trust == .cfi)
        #expect(frames[1].instruction == Self.m1 + 0x5010)
        #expect(frames[1].function == "caller")
        #expect(frames[1].context?.stackPointer == f.address(frame1SP))
        #expect(frames[1].context?["rbx"] == 0xdead_beef)
        #expect(frames[1].context?["r12"] == 0x1212, "callee-saved registers pass through")
        #expect(frames[1].context?["rax"] == nil, "caller-saved registers are unknown")
    }

    /// A leaf function: nothing pushed, the return address is at [rsp]. CFI says so; without
    /// CFI, scanning finds it at the first slot.
    @Test func leafFunctions() {
        var withCFI = fixture()
        withCFI.symbols[0] = CannedSymbols(functions: [(0x100, 0x100, "leaf"), (0x300, 0x100, "caller")],
                                           cfi: [(0x100, 0x100, ".cfa: $rsp 8 + .ra: .cfa -8 + ^")])
        withCFI.section.u64(Self.m1 + 0x320)
        let callerSP = withCFI.section.here("caller.sp")
        withCFI.section.append(repeating: 0, count: 16)
        let frames = withCFI.walk(AMD64Unwinder(), layout: Self.layout,
                                  registers: ["rip": Self.m1 + 0x110, "rsp": withCFI.stackBase, "rbp": 0x1234], scan: false)
        #expect(frames.count == 2)
        #expect(frames[1].trust == .cfi && frames[1].function == "caller")
        #expect(frames[1].context?.stackPointer == withCFI.address(callerSP))
        #expect(frames[1].context?.framePointer == 0x1234, "rbp is callee-saved and untouched by the leaf")

        let noCFI = fixture()
        noCFI.section.u64(Self.m1 + 0x320).append(repeating: 0, count: 16)
        let scanned = noCFI.walk(AMD64Unwinder(), layout: Self.layout,
                                 registers: ["rip": Self.m1 + 0x110, "rsp": noCFI.stackBase, "rbp": 0])
        #expect(scanned.count == 2)
        #expect(scanned[1].trust == .scan && scanned[1].instruction == Self.m1 + 0x320)
    }

    /// A stack that loops back on itself stops: the stack pointer must grow.
    @Test func loopingFramePointersTerminate() {
        let f = fixture()
        let frame0BP = f.section.here("frame0.bp")
        f.section.u64(frame0BP, plus: Int64(bitPattern: f.stackBase))   // rbp points to itself
        f.section.u64(Self.m1 + 0x100)
        f.section.append(repeating: 0, count: 16)
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                            labels: ["rbp": frame0BP], scan: false)
        #expect(frames.count == 1)
        let scanned = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                             labels: ["rbp": frame0BP], maxFrames: 50)
        #expect(scanned.count < 50)
        for (callee, caller) in zip(scanned, scanned.dropFirst()) {
            #expect(caller.context!.stackPointer! > callee.context!.stackPointer!)
        }
    }

    /// A stack cut short ends the walk without reading outside it.
    @Test func truncatedStack() {
        let f = fixture()
        let frame0BP = f.section.here("frame0.bp")
        f.section.u32(0x1234)   // half a saved rbp, then the stack ends
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                            labels: ["rbp": frame0BP])
        #expect(frames.count == 1)
    }

    @Test func frameLimitIsHonoured() {
        var f = fixture()
        // A long scan-able stack: every word a return address into module1.
        for _ in 0..<200 { f.section.u64(Self.m1 + 0x150) }
        let frames = f.walk(AMD64Unwinder(), layout: Self.layout, registers: ["rip": Self.m1 + 0x2a00, "rsp": f.stackBase],
                            maxFrames: 10)
        #expect(frames.count == 10)
    }
}
