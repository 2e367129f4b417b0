import CrashpipeCore

/// Stack unwinding for 64-bit RISC-V (the LP64 psABI).
///
/// Tries, in order: call frame information (`STACK CFI`), the frame-pointer (s0) chain, the
/// return-address register `ra` (frame 0 only), and stack scanning, like Breakpad's
/// stackwalker_riscv64.cc. The engine (``StackWalker``) checks progress; this type only finds
/// callers.
public struct RISCV64Unwinder: CPUUnwinder {
    // ABI constants.
    public static let cpu = CPU.riscv64
    static let pointerWidth: UInt64 = 8
    static let instructionPointer = "pc"
    static let stackPointer = "sp"
    /// s0 (x8), the frame pointer when code keeps one.
    static let framePointer = "s0"
    /// ra (x1), the link register: holds the return address until a function saves it.
    static let linkRegister = "ra"
    /// Registers a callee must preserve: sp and s0–s11 (the psABI's callee-saved integer
    /// registers). Forwarded to the caller when the CFI rules do not mention them.
    static let calleeSaved = Set(["sp"] + (0...11).map { "s\($0)" })
    /// The frame record GCC and Clang write with frame pointers: s0 holds the CFA (the caller's
    /// sp), the return address is at [s0-8] and the caller's s0 at [s0-16].
    static let returnAddressSlot: UInt64 = 8
    static let savedFramePointerSlot: UInt64 = 16
    /// Words scanned for a return address; four times as many below the context frame, which
    /// is often the messiest (as Breakpad does).
    static let scanWords: UInt64 = 40
    static let extendedScanWords: UInt64 = 160

    public init() {}

    public func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context else { return nil }
        if let frame = byCallFrameInfo(callee, context, walk) { return frame }
        if let frame = byFramePointer(context, walk) { return frame }
        if frames.count == 1, let frame = byLinkRegister(context, walk) { return frame }
        if walk.allowScan, let frame = byScan(callee, context, walk) { return frame }
        return nil
    }

    /// A leaf returns through `ra` without moving sp, so the first step may keep the stack
    /// pointer (Breakpad allows the same for the first unwind); later steps must grow it.
    public func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool {
        guard let calleeSP = callee.context?.stackPointer, let callerSP = caller.context?.stackPointer else {
            return false
        }
        return depth == 1 ? callerSP >= calleeSP : callerSP > calleeSP
    }

    /// CFI: evaluate the module's `STACK CFI` rules at the callee's instruction. The result is
    /// trusted as long as `.cfa` and `.ra` evaluate; callee-saved registers the rules do not
    /// mention keep their values.
    func byCallFrameInfo(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard context.stackPointer != nil, let rules = walk.callFrameInfo(at: callee.lookupAddress) else { return nil }
        let forwarded = Self.calleeSaved.filter { context[$0] != nil }
        guard let caller = rules.callerContext(of: context, calleeSaved: forwarded,
                                               readMemory: { walk.readPointer(at: $0, size: 8) }),
              let pc = caller.instructionPointer else { return nil }
        return Frame(instruction: pc, trust: .cfi, context: caller)
    }

    /// The s0 chain: the caller's pc is at [s0-8], its s0 at [s0-16], and its sp is s0.
    /// Sanity checks: the record is in captured memory, the caller's sp is above the callee's,
    /// the caller's record lies above this one (the chain grows) unless the caller's s0 is 0,
    /// and the return address is 2-byte aligned.
    func byFramePointer(_ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let fp = context.framePointer, let sp = context.stackPointer,
              fp >= Self.savedFramePointerSlot, fp > sp else { return nil }
        guard let callerPC = walk.readPointer(at: fp - Self.returnAddressSlot, size: 8),
              let callerFP = walk.readPointer(at: fp - Self.savedFramePointerSlot, size: 8) else { return nil }
        let callerSP = fp
        // A zero s0 ends the chain (the psABI's outermost frame); any other must be a record above.
        guard Self.isPlausibleReturnAddress(callerPC),
              callerFP == 0 || isFrameRecord(callerFP, above: callerSP, walk) else { return nil }
        var caller = RegisterContext(layout: context.layout)
        caller[Self.instructionPointer] = callerPC
        caller[Self.stackPointer] = callerSP
        caller[Self.framePointer] = callerFP
        return Frame(instruction: callerPC, trust: .framePointer, context: caller)
    }

    /// The link register, for frame 0 only (in callers `ra` no longer holds their return
    /// address): a leaf that saved nothing returns to `ra` with the same sp, and its
    /// callee-saved registers still hold the caller's values. Breakpad recovers this frame in
    /// its frame-pointer step and stamps it so; so does this one.
    func byLinkRegister(_ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let ra = context[Self.linkRegister], let sp = context.stackPointer,
              Self.isPlausibleReturnAddress(ra), walk.instructionSeemsValid(ra) else { return nil }
        var caller = RegisterContext(layout: context.layout)
        for name in Self.calleeSaved { caller[name] = context[name] }
        caller[Self.instructionPointer] = ra
        caller[Self.stackPointer] = sp
        return Frame(instruction: ra, trust: .framePointer, context: caller)
    }

    /// Scanning: the first word above sp that looks like a return address (2-byte aligned,
    /// inside a module's code, and inside a known function when the module has symbols) is
    /// taken as one. s0 is kept when it still points above the new frame (the callee left
    /// it alone); when it equals the new sp it was the callee's own frame pointer.
    func byScan(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let sp = context.stackPointer else { return nil }
        let words = callee.trust == .context ? Self.extendedScanWords : Self.scanWords
        for i in 0..<words {
            let (slot, overflow) = sp.addingReportingOverflow(i * Self.pointerWidth)
            guard !overflow, let candidate = walk.readPointer(at: slot, size: 8) else { return nil }
            guard Self.isPlausibleReturnAddress(candidate), walk.instructionSeemsValid(candidate) else { continue }
            let callerSP = slot + Self.pointerWidth
            var caller = RegisterContext(layout: context.layout)
            caller[Self.instructionPointer] = candidate
            caller[Self.stackPointer] = callerSP
            if let fp = context.framePointer, fp > callerSP, isFrameRecord(fp, above: callerSP, walk) {
                caller[Self.framePointer] = fp
            }
            return Frame(instruction: candidate, trust: .scan, context: caller)
        }
        return nil
    }

    /// Whether `fp` can be the frame pointer of a frame whose sp is `sp`: its record (the 16
    /// bytes below it) lies at or above `sp` and is in captured memory.
    func isFrameRecord(_ fp: UInt64, above sp: UInt64, _ walk: StackWalkInput) -> Bool {
        guard fp >= Self.savedFramePointerSlot, fp - Self.savedFramePointerSlot >= sp else { return false }
        return walk.readPointer(at: fp - Self.savedFramePointerSlot, size: 8) != nil
            && walk.readPointer(at: fp - Self.returnAddressSlot, size: 8) != nil
    }

    /// Instructions are 2 or 4 bytes long and 2-byte aligned (with the C extension), so a
    /// return address is even.
    static func isPlausibleReturnAddress(_ address: UInt64) -> Bool {
        address & 1 == 0
    }
}

/// Registers the riscv64 architecture: how its contexts are stored in dumps and its unwinder.
public enum UnwindRISCV64Plugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(contextFormat: RISCV64ContextFormat())
        try registry.register(unwinder: RISCV64Unwinder())
    }
}
