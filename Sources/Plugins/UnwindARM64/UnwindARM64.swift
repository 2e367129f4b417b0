import CrashpipeCore

/// Stack unwinding for 64-bit ARM (AArch64 under AAPCS64, as Linux, Android and Apple
/// platforms use it).
///
/// Tries, in order, as Breakpad's stackwalker_arm64.cc does (the engine, ``StackWalker``,
/// checks progress and stops the walk; this type only finds callers):
///
/// 1. **Call frame information** (`STACK CFI`, trust `.cfi`).
/// 2. **The frame-record chain** (trust `.framePointer`). AArch64 functions that keep a frame
///    pointer store a 16-byte frame record, the caller's x29 then the return address (saved
///    x30), and point x29 at it. Breakpad's model, which this follows, treats the context
///    frame as a leaf: its caller's pc is the link register, and the record at x29 gives
///    the caller's x29, *its* link register ([x29+8]) and stack pointer (x29+16). Each
///    frame found this way carries that recovered link register, the next caller's pc.
/// 3. **The link register** (frame 0 only, trust `.framePointer` as Breakpad reports it):
///    when x29 is 0 (no frame records at all) or its record is unusable, the context frame
///    returns through lr without moving the stack pointer. ``isProgress(from:to:depth:)``
///    allows that one step an equal stack pointer.
/// 4. **Stack scanning** (trust `.scan`, only when the walk allows it).
///
/// Every return address recovered (a caller's pc, a recovered lr, a scanned word) has its
/// pointer-authentication bits stripped (see ``PointerAuthentication``); `Frame.instruction`
/// is the stripped address.
///
/// Memory is read only from the thread's stack (the whole captured memory when the thread
/// has none), as Breakpad and rust-minidump do: frame records and saved registers live on the
/// stack, and a frame pointer that leads elsewhere (a register Crashpad captured memory
/// around, say) is not a frame pointer.
public struct ARM64Unwinder: CPUUnwinder {
    // ABI constants.
    public static let cpu = CPU.arm64
    /// Bytes in a pointer, a general-purpose register and a stack slot.
    static let pointerWidth: UInt64 = 8
    static let instructionPointer = "pc"
    static let stackPointer = "sp"
    /// x29 points at the current frame record (AAPCS64, "The Frame Pointer").
    static let framePointer = "x29"
    /// x30 (lr): `bl` and `blr` leave the return address there.
    static let linkRegister = "x30"
    /// A frame record: the caller's x29 at [x29], the saved x30 at [x29+8].
    static let frameRecordSize: UInt64 = 16
    /// Registers a callee must preserve (AAPCS64: x19–x29, x29 being the frame pointer).
    /// CFI that does not mention one leaves it unchanged, as Breakpad forwards them. x30 is
    /// not among them: a call overwrites it.
    static let calleeSaved: Set<String> = Set((19...29).map { "x\($0)" })
    /// Words scanned for a return address (Breakpad's kRASearchWords); four times as many
    /// below the context frame and CFI frames, whose stack pointers are exact, like the
    /// amd64 unwinder (Breakpad widens only below the context frame, rust-minidump below
    /// both). The word at the window's end is included, as in Breakpad.
    static let scanWords: UInt64 = 40
    static let extendedScanWords: UInt64 = 160

    public init() {}

    public func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context, context.stackPointer != nil else { return nil }
        let memory = StackMemory(walk)
        let auth = PointerAuthentication(walk)
        if let frame = byCallFrameInfo(callee, context, walk, memory, auth) { return frame }
        switch byFramePointer(frames, context, memory, auth) {
        case .found(let frame): return frame
        case .endOfStack: return nil
        case .failed: break
        }
        if frames.count == 1, let frame = byLinkRegister(context, walk, auth) { return frame }
        if walk.allowScan, let frame = byScan(callee, context, walk, memory, auth) { return frame }
        return nil
    }

    /// The first unwind may keep the stack pointer (a leaf that returns through lr, or CFI at
    /// a function's first instruction: `.cfa: sp 0 + .ra: x30`); every later one must raise
    /// it. Breakpad's TerminateWalk, with its `first_unwind` being a context-frame callee:
    /// `depth` is 1 exactly then.
    public func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool {
        guard let calleeSP = callee.context?.stackPointer, let callerSP = caller.context?.stackPointer else {
            return false
        }
        return depth == 1 ? callerSP >= calleeSP : callerSP > calleeSP
    }

    // MARK: 1. Call frame information

    /// Evaluates the `STACK CFI` rules at the callee's instruction, with Breakpad's
    /// FindCallerRegs and GetCallerByCFIFrameInfo semantics:
    ///
    /// - `.cfa` and `.ra` must evaluate, and so must every other rule: a row with one
    ///   unusable rule is not used;
    /// - the caller's sp is `.cfa` unless a rule recovers `sp` itself, and its pc is `.ra`
    ///   unless a rule recovers `pc` itself (both done by Core's `callerContext`);
    /// - x19–x29 keep the callee's values when the rules do not mention them; nothing else
    ///   is invented (lr is known only when a rule recovers x30).
    func byCallFrameInfo(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput,
                         _ memory: StackMemory, _ auth: PointerAuthentication) -> Frame? {
        guard let rules = walk.callFrameInfo(at: callee.lookupAddress) else { return nil }
        let read: @Sendable (UInt64) -> UInt64? = { memory.word(at: $0) }
        let forwarded = Self.calleeSaved.filter { context[$0] != nil }
        guard var caller = rules.callerContext(of: context, calleeSaved: forwarded, readMemory: read),
              let returnAddress = caller.instructionPointer else { return nil }
        let pc = auth.strip(returnAddress)
        caller[Self.instructionPointer] = pc
        if let lr = caller[Self.linkRegister] { caller[Self.linkRegister] = auth.strip(lr) }
        return Frame(instruction: pc, trust: .cfi, context: caller)
    }

    // MARK: 2. Frame records

    enum Outcome {
        case found(Frame)
        /// The chain says the stack ends here: no other strategy is tried.
        case endOfStack
        /// This strategy does not apply; try the next.
        case failed
    }

    /// Follows the frame-record chain.
    ///
    /// When the callee's return address is known (frame 0's lr, or the lr a previous step
    /// read from a record), this is Breakpad's GetCallerByFramePointer: the caller's pc is
    /// that lr, and the record at x29 gives the caller's x29, lr and sp (x29+16). The record
    /// must be on the stack at or above the callee's sp, so the caller's sp is above the
    /// callee's; as each step's sp is the previous record's end, that also makes the chain
    /// grow (a record that links back down fails at the next step). A record that fails this
    /// fails the strategy and the next one is tried, where Breakpad would end the walk.
    ///
    /// When it is not known (CFI frames recover x29 but almost never x30), Breakpad's
    /// CorrectRegLRByFramePointer takes the lr saved in the *callee's callee's* record,
    /// provided that record links to this frame's x29 and x29 is above sp. That value is the
    /// return address into this frame, not out of it, so Breakpad then repeats the frame.
    /// Under the same conditions this reads the frame's own record instead: pc [x29+8], x29
    /// [x29], sp x29+16, lr unknown (so the next step reads the next record the same way).
    /// Under other conditions Breakpad's caller pc is 0 (a CFI frame's unrecovered lr) and its
    /// walk ends when the record is readable; so does this one. A zero x29 ends the chain.
    func byFramePointer(_ frames: [Frame], _ context: RegisterContext, _ memory: StackMemory,
                        _ auth: PointerAuthentication) -> Outcome {
        guard let callee = frames.last, let sp = context.stackPointer, let fp = context[Self.framePointer] else {
            return .failed
        }
        if let lr = Self.knownReturnAddress(callee, context) {
            // A zero x29 at frame 0 is the link-register step's case; later it ends the chain
            // (Breakpad's caller would keep the stack pointer and be refused).
            guard fp != 0 else { return frames.count == 1 ? .failed : .endOfStack }
            guard fp >= sp, let record = memory.frameRecord(at: fp) else { return .failed }
            var caller = RegisterContext(layout: context.layout)
            let pc = auth.strip(lr)
            caller[Self.instructionPointer] = pc
            caller[Self.stackPointer] = fp + Self.frameRecordSize
            caller[Self.framePointer] = record.callerFP
            caller[Self.linkRegister] = auth.strip(record.savedLR)
            return .found(Frame(instruction: pc, trust: .framePointer, context: caller))
        }

        guard callee.trust != .context else { return .failed }
        guard fp != 0 else { return .endOfStack }
        if frames.count >= 2, fp > sp, let calleeFP = frames[frames.count - 2].context?[Self.framePointer],
           calleeFP != 0, memory.word(at: calleeFP) == fp, let record = memory.frameRecord(at: fp) {
            var caller = RegisterContext(layout: context.layout)
            let pc = auth.strip(record.savedLR)
            caller[Self.instructionPointer] = pc
            caller[Self.stackPointer] = fp + Self.frameRecordSize
            caller[Self.framePointer] = record.callerFP
            return .found(Frame(instruction: pc, trust: .framePointer, context: caller))
        }
        return memory.frameRecord(at: fp) != nil ? .endOfStack : .failed
    }

    /// The callee's return address in Breakpad's frame-pointer model: frame 0's lr, or the lr
    /// a frame-record step recovered. A CFI-recovered x30 is not one: in DWARF x30 is the
    /// return-address column, the return address *into* the frame.
    static func knownReturnAddress(_ callee: Frame, _ context: RegisterContext) -> UInt64? {
        guard callee.trust == .context || callee.trust == .framePointer else { return nil }
        return context[linkRegister]
    }

    // MARK: 3. The link register

    /// Frame 0 returns through lr, keeping sp. With x29 = 0 there are no frame records, so
    /// frame 0 must be a leaf (or the outermost frame): lr is taken as it is and x29 = 0
    /// passes to the caller (Breakpad's frame-pointer step does exactly this). When x29's
    /// record was unusable, lr must look like a return address (inside a module, and a
    /// function when the module has symbols), and x29 is not passed on.
    func byLinkRegister(_ context: RegisterContext, _ walk: StackWalkInput, _ auth: PointerAuthentication) -> Frame? {
        guard let lr = context[Self.linkRegister], let sp = context.stackPointer else { return nil }
        let pc = auth.strip(lr)
        let endOfChain = context[Self.framePointer] == 0
        guard endOfChain || walk.instructionSeemsValid(pc) else { return nil }
        var caller = RegisterContext(layout: context.layout)
        caller[Self.instructionPointer] = pc
        caller[Self.stackPointer] = sp
        if endOfChain { caller[Self.framePointer] = 0 }
        return Frame(instruction: pc, trust: .framePointer, context: caller)
    }

    // MARK: 4. Stack scanning

    /// The first word at or above sp whose stripped value looks like a return address
    /// (inside a module, and a function when the module has symbols). The caller's sp is
    /// just above it; nothing else is recovered (Breakpad's GetCallerByStackScan).
    func byScan(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput, _ memory: StackMemory,
                _ auth: PointerAuthentication) -> Frame? {
        guard let sp = context.stackPointer else { return nil }
        let words = callee.trust == .context || callee.trust == .cfi ? Self.extendedScanWords : Self.scanWords
        for i in 0...words {
            let (slot, overflow) = sp.addingReportingOverflow(i * Self.pointerWidth)
            guard !overflow, let word = memory.word(at: slot) else { return nil }
            let candidate = auth.strip(word)
            guard walk.instructionSeemsValid(candidate) else { continue }
            var caller = RegisterContext(layout: context.layout)
            caller[Self.instructionPointer] = candidate
            caller[Self.stackPointer] = slot &+ Self.pointerWidth
            return Frame(instruction: candidate, trust: .scan, context: caller)
        }
        return nil
    }
}

/// Reads of the thread's stack: 8-byte little-endian words.
struct StackMemory: Sendable {
    let stack: MemoryRegion?
    let memory: MemoryMap

    init(_ walk: StackWalkInput) {
        stack = walk.stack
        memory = walk.memory
    }

    /// The word at `address`, from the stack (or, for a thread without one, any captured
    /// memory).
    func word(at address: UInt64) -> UInt64? {
        if let stack { return stack.read(UInt64.self, at: address) }
        return memory.read(UInt64.self, at: address)
    }

    /// The frame record at `address`: the saved x29 and x30, both readable.
    func frameRecord(at address: UInt64) -> (callerFP: UInt64, savedLR: UInt64)? {
        guard address <= UInt64.max - ARM64Unwinder.frameRecordSize,
              let callerFP = word(at: address), let savedLR = word(at: address + ARM64Unwinder.pointerWidth) else {
            return nil
        }
        return (callerFP, savedLR)
    }
}
