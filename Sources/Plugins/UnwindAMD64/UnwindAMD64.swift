import CrashpipeCore

/// Stack unwinding for x86-64 (System V and Windows x64 ABIs).
///
/// Tries, in order: call frame information (`STACK CFI`), the frame-pointer (RBP) chain, and
/// stack scanning, like Breakpad's stackwalker_amd64.cc and rust-minidump's amd64.rs. The
/// engine (``StackWalker``) checks progress; this type only finds callers.
public struct AMD64Unwinder: CPUUnwinder {
    // ABI constants.
    public static let cpu = CPU.amd64
    static let pointerWidth: UInt64 = 8
    static let instructionPointer = "rip"
    static let stackPointer = "rsp"
    static let framePointer = "rbp"
    /// Registers a callee must preserve (System V; Windows also preserves rdi and rsi, which
    /// Breakpad and rust-minidump do not forward either).
    static let calleeSaved: Set<String> = ["rbx", "rbp", "r12", "r13", "r14", "r15"]
    /// Words scanned for a return address; four times as many below a trusted frame, because
    /// the first frame of an unwind is often the messiest (Breakpad found).
    static let scanWords: UInt64 = 40
    static let extendedScanWords: UInt64 = 160
    /// The most a frame pointer may jump in one frame during scanning's RBP recovery.
    static let maxFrameGap: UInt64 = 128 * 1024

    public init() {}

    public func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context else { return nil }
        if let frame = byCallFrameInfo(callee, context, walk) { return frame }
        if let frame = byFramePointer(context, walk) { return frame }
        if walk.allowScan, let frame = byScan(callee, context, walk) { return frame }
        return nil
    }

    /// CFI: evaluate the module's `STACK CFI` rules at the callee's instruction. Like Breakpad,
    /// the result is trusted as long as `.cfa` and `.ra` evaluate; callee-saved registers the
    /// rules do not mention keep their values.
    func byCallFrameInfo(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard context.stackPointer != nil, let rules = walk.callFrameInfo(at: callee.lookupAddress) else { return nil }
        let forwarded = Self.calleeSaved.filter { context[$0] != nil }
        guard let caller = rules.callerContext(of: context, calleeSaved: forwarded,
                                               readMemory: { walk.readPointer(at: $0, size: 8) }),
              let ip = caller.instructionPointer else { return nil }
        return Frame(instruction: ip, trust: .cfi, context: caller)
    }

    /// The RBP chain: the caller's RBP is at [RBP], its return address at [RBP+8], and its RSP
    /// is RBP+16. Skipped on Windows, where RBP need not point at the frame's end (x64 unwind
    /// data may place it mid-frame), as rust-minidump does.
    func byFramePointer(_ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        if walk.system?.os == .windows { return nil }
        guard let bp = context.framePointer, let sp = context.stackPointer,
              bp < UInt64.max - Self.pointerWidth * 2 else { return nil }
        guard let callerIP = walk.readPointer(at: bp + Self.pointerWidth, size: 8),
              let callerBP = walk.readPointer(at: bp, size: 8) else { return nil }
        let callerSP = bp + Self.pointerWidth * 2
        // Coherent frame pointers grow with the stack.
        guard callerSP > bp, callerBP >= callerSP else { return nil }
        // The caller's frame pointer must still point into captured stack memory.
        guard walk.readPointer(at: callerBP, size: 8) != nil else { return nil }
        guard !Self.isNonCanonical(callerIP) else { return nil }
        guard callerSP > sp, walk.readPointer(at: callerSP, size: 8) != nil else { return nil }
        var caller = RegisterContext(layout: context.layout)
        caller[Self.instructionPointer] = callerIP
        caller[Self.stackPointer] = callerSP
        caller[Self.framePointer] = callerBP
        return Frame(instruction: callerIP, trust: .framePointer, context: caller)
    }

    /// Scanning: the first word above RSP that looks like a return address (inside a module's
    /// code, and inside a known function when the module has symbols) is taken as one.
    func byScan(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let sp = context.stackPointer else { return nil }
        let lastBP = context.framePointer
        let words = callee.trust == .context || callee.trust == .cfi ? Self.extendedScanWords : Self.scanWords
        for i in 0..<words {
            let (slot, overflow) = sp.addingReportingOverflow(i * Self.pointerWidth)
            guard !overflow, let candidate = walk.readPointer(at: slot, size: 8) else { return nil }
            guard !Self.isNonCanonical(candidate), walk.instructionSeemsValid(candidate) else { continue }
            let callerSP = slot + Self.pointerWidth
            // Recover RBP when it can be trusted: either the callee pushed it right below the
            // return address and RBP points there (a standard prologue), or the callee left it
            // alone and it already points above the new frame.
            var callerBP: UInt64?
            if let lastBP, i > 0 {
                let slotOfBP = slot - Self.pointerWidth
                if let savedBP = walk.readPointer(at: slotOfBP, size: 8), lastBP == slotOfBP, savedBP > slot,
                   savedBP - slotOfBP <= Self.maxFrameGap {
                    if walk.readPointer(at: savedBP, size: 8) != nil { callerBP = savedBP }
                } else if lastBP >= callerSP {
                    callerBP = lastBP
                }
            }
            var caller = RegisterContext(layout: context.layout)
            caller[Self.instructionPointer] = candidate
            caller[Self.stackPointer] = callerSP
            if let callerBP { caller[Self.framePointer] = callerBP }
            return Frame(instruction: candidate, trust: .scan, context: caller)
        }
        return nil
    }

    /// x86-64 uses 48-bit virtual addresses; bits 48–63 copy bit 47. Anything else cannot be
    /// a code address.
    static func isNonCanonical(_ address: UInt64) -> Bool {
        address > 0x7fff_ffff_ffff && address < 0xffff_8000_0000_0000
    }
}

/// Registers the amd64 unwinder.
public enum UnwindAMD64Plugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(contextFormat: AMD64ContextFormat())
        try registry.register(unwinder: AMD64Unwinder())
    }
}
