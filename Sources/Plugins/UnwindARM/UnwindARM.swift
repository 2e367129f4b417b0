import CrashpipeCore

/// Stack unwinding for 32-bit ARM (AAPCS on Linux and Android; Apple's variant on iOS).
///
/// Tries, in order, stamping the ``FrameTrust`` of the frame it returns:
///
/// 1. call frame information (`STACK CFI`), except on iOS, where Breakpad ignores it;
/// 2. the frame pointer: r7 on Apple platforms with Breakpad's model, r11 elsewhere with the
///    frame record clang writes and strict checks (Breakpad has no frame-pointer unwinding
///    there, so a frame found this way must be one scanning could not get wrong);
/// 3. the link register, for frame 0 only (a leaf function that has not touched the stack);
/// 4. stack scanning, when the walk allows it.
///
/// Like Breakpad's stackwalker_arm.cc and rust-minidump's arm.rs, this type only finds callers;
/// the engine (``StackWalker``) stops at a null return address and checks progress through
/// ``isProgress(from:to:depth:)``.
///
/// Return addresses into Thumb code have bit 0 set. The raw value is kept in
/// `Frame.instruction` and the caller's pc (Breakpad prints 0xaab0a741, not 0xaab0a740);
/// symbol and CFI lookups use `Frame.lookupAddress`, two bytes before it, which lands inside
/// the call instruction in both instruction sets (a 4-byte `bl` ends at the return address - 1
/// in ARM code and at the return address - 2 in Thumb code, whose return address is odd).
public struct ARMUnwinder: CPUUnwinder {
    // MARK: ABI constants

    public static let cpu = CPU.arm
    /// Registers and stack slots are 32 bits wide.
    static let pointerWidth: UInt64 = 4
    /// The highest address of the 32-bit address space.
    static let addressLimit: UInt64 = 0xffff_ffff
    static let programCounter = "r15"
    static let stackPointer = "r13"
    /// r14: a call (`bl`, `blx`) leaves the return address here, with bit 0 set for a Thumb caller.
    static let linkRegister = "r14"
    /// The frame pointer the Linux and Android toolchains use in ARM code (clang's
    /// `push {r11, lr}; mov r11, sp`); Thumb code often uses r7 or none, which the checks of
    /// ``byFramePointer(_:_:_:)`` must reject.
    static let linuxFramePointer = "r11"
    /// Apple's frame pointer in both instruction sets (`push {r7, lr}; mov r7, sp`).
    static let appleFramePointer = "r7"
    /// Registers a callee must preserve (AAPCS: r4–r11). Breakpad and rust-minidump forward
    /// exactly these when the CFI does not mention them and the callee knows them.
    static let calleeSaved: [String] = ["r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11"]
    /// Words scanned for a return address (Breakpad's `kRASearchWords`); Breakpad scans four
    /// times as far for the caller of the context frame (frame 0) only. Its loop includes the
    /// last word (`location <= start + words * 4`), so 41 and 161 words are read.
    static let scanWords: UInt64 = 40
    static let contextScanWords: UInt64 = 160
    /// Bit 0 of a code address: set for Thumb code.
    static let thumbBit: UInt64 = 1

    public init() {}

    public func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context, context.stackPointer != nil else { return nil }
        let platform = Platform(walk.system?.os)
        let isContextFrame = frames.count == 1
        if platform.usesCallFrameInfo, let frame = byCallFrameInfo(callee, context, walk) { return frame }
        if let frame = byFramePointer(context, platform, walk) { return frame }
        if isContextFrame, !platform.isApple, let frame = byLinkRegister(context, walk) { return frame }
        if walk.allowScan, let frame = byScan(context, isContextFrame: isContextFrame, walk) { return frame }
        return nil
    }

    /// A leaf function that returns through the link register need not move the stack pointer,
    /// so the first unwind may keep it; after that it must grow, or the walk could loop
    /// (Breakpad's `TerminateWalk` with `first_unwind`, rust-minidump's `is_leaf`).
    public func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool {
        guard let calleeSP = callee.context?.stackPointer, let callerSP = caller.context?.stackPointer else {
            return false
        }
        return depth == 1 ? callerSP >= calleeSP : callerSP > calleeSP
    }

    // MARK: Platform conventions

    /// What the dump's OS changes about unwinding.
    struct Platform {
        /// iOS and macOS: the frame pointer is r7 and Breakpad's frame-pointer model applies.
        let isApple: Bool
        /// Breakpad ignores STACK CFI on iOS ("until it is properly collected", Breakpad issue
        /// 764) and unwinds iOS stacks by frame pointer and scanning only; we do the same so
        /// iOS output matches it.
        let usesCallFrameInfo: Bool

        init(_ os: OS?) {
            isApple = os == .iOS || os == .macOS
            usesCallFrameInfo = os != .iOS
        }

        var framePointer: String { isApple ? ARMUnwinder.appleFramePointer : ARMUnwinder.linuxFramePointer }
    }

    // MARK: 1. Call frame information

    /// CFI: the module's `STACK CFI` rules at the callee's lookup address (two bytes before a
    /// return address). As in Breakpad, the caller's pc is an explicit `pc` rule if there is one,
    /// else `.ra`, and its sp an explicit `sp` rule, else `.cfa`; r4–r11 the rules do not
    /// mention keep the callee's values; other registers are known only if a rule gives them.
    /// No other validation: Breakpad trusts CFI as long as every rule evaluates (Core's
    /// `callerContext` applies these rules for every CPU).
    func byCallFrameInfo(_ callee: Frame, _ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let rules = walk.callFrameInfo(at: callee.lookupAddress) else { return nil }
        let read: (UInt64) -> UInt64? = { walk.readPointer(at: $0, size: 4) }
        let forwarded = Set(Self.calleeSaved.filter { context[$0] != nil })
        guard let caller = rules.callerContext(of: context, calleeSaved: forwarded, readMemory: read) else { return nil }
        guard let pc = caller.instructionPointer, caller.stackPointer != nil else { return nil }
        return Frame(instruction: pc, trust: .cfi, context: caller)
    }

    // MARK: 2. The frame pointer

    /// The frame pointer. Both conventions push a two-word frame record, the caller's frame
    /// pointer at [fp] and the return address (lr on entry) at [fp+4], and the caller's sp is
    /// fp+8. They differ in how the record is read:
    ///
    /// - Apple platforms (r7), Breakpad's iOS model: the record at fp belongs to the callee's
    ///   caller, so the caller's pc is the callee's lr, its lr is [fp+4], its r7 is [fp] and its
    ///   sp fp+8. A zero fp ends the chain: the caller is lr with the sp unchanged (only the
    ///   first unwind may keep the sp) and lr and fp zero, which ends the walk after it.
    ///   Breakpad checks nothing else (it must walk through JIT code outside any module).
    /// - Elsewhere (r11): Breakpad does not use frame pointers on Linux or Android, and r11 is an
    ///   ordinary register in Thumb code, so this is strict. The record must be in captured
    ///   memory at or above sp, the saved pc ([fp+4], the record's own return address, as
    ///   rust-minidump reads it: the callee's lr may be stale in a function that has made calls)
    ///   must point into a module's code (`instructionSeemsValid`), and the chain must grow: the
    ///   saved fp is 0 (the outermost frame) or a readable address at or above the caller's sp.
    ///   A leaf that pushed no record loses its caller this way (the record found is its
    ///   caller's), which is better than inventing one.
    func byFramePointer(_ context: RegisterContext, _ platform: Platform, _ walk: StackWalkInput) -> Frame? {
        guard let fp = context[platform.framePointer], let sp = context.stackPointer else { return nil }
        let read: (UInt64) -> UInt64? = { walk.readPointer(at: $0, size: 4) }
        var caller = RegisterContext(layout: context.layout)

        if platform.isApple {
            guard let lr = context[Self.linkRegister] else { return nil }
            var callerFP: UInt64 = 0, callerLR: UInt64 = 0, callerSP = sp
            if fp != 0 {
                guard fp <= Self.addressLimit - 2 * Self.pointerWidth,
                      let savedFP = read(fp), let savedLR = read(fp + Self.pointerWidth) else { return nil }
                callerFP = savedFP
                callerLR = savedLR
                callerSP = fp + 2 * Self.pointerWidth
            }
            caller[Self.programCounter] = lr
            caller[Self.linkRegister] = callerLR
            caller[platform.framePointer] = callerFP
            caller[Self.stackPointer] = callerSP
            return Frame(instruction: lr, trust: .framePointer, context: caller)
        }

        guard fp != 0, fp % Self.pointerWidth == 0, fp >= sp, fp <= Self.addressLimit - 2 * Self.pointerWidth,
              let callerFP = read(fp), let callerPC = read(fp + Self.pointerWidth) else { return nil }
        let callerSP = fp + 2 * Self.pointerWidth
        guard callerSP > sp else { return nil }
        if callerFP != 0 {
            guard callerFP >= callerSP, callerFP % Self.pointerWidth == 0, read(callerFP) != nil else { return nil }
        }
        guard Self.seemsCode(callerPC, walk) else { return nil }
        caller[Self.programCounter] = callerPC
        caller[Self.stackPointer] = callerSP
        caller[platform.framePointer] = callerFP
        return Frame(instruction: callerPC, trust: .framePointer, context: caller)
    }

    // MARK: 3. The link register

    /// Frame 0 on Linux and Android, when neither CFI nor the frame pointer found its caller: a
    /// leaf function that has not touched the stack returns through lr, so the caller's pc is lr
    /// and its sp the callee's. Having pushed nothing, the leaf cannot have changed r4–r11
    /// either (AAPCS), so they are forwarded. Breakpad has no such step on Linux (it scans,
    /// skipping the leaf's caller, whose return address is in no stack slot); on iOS its
    /// frame-pointer model takes the same step, so the trust stamped is the same,
    /// `.framePointer`. (Apple platforms get it there, not here.)
    ///
    /// lr is only a return address if the function has not made a call since it was entered, so
    /// it must point into a module's code, differ from pc, and, when symbols say so, not into the
    /// function holding pc (where a call made by that function returns).
    func byLinkRegister(_ context: RegisterContext, _ walk: StackWalkInput) -> Frame? {
        guard let lr = context[Self.linkRegister], let sp = context.stackPointer,
              let pc = context.instructionPointer else { return nil }
        guard lr & ~Self.thumbBit != pc & ~Self.thumbBit, Self.seemsCode(lr, walk),
              !Self.sameFunction(pc, lr &- context.layout.returnAddressLookback, walk) else { return nil }
        var caller = RegisterContext(layout: context.layout)
        for name in Self.calleeSaved { caller[name] = context[name] }
        caller[Self.programCounter] = lr
        caller[Self.stackPointer] = sp
        return Frame(instruction: lr, trust: .framePointer, context: caller)
    }

    // MARK: 4. Stack scanning

    /// Scanning: the first word at or above sp that looks like a return address (inside a
    /// module, and inside a function when the module has symbols; odd Thumb addresses
    /// included) is taken as one; the caller's sp is the slot above it. Only pc and sp are
    /// known in the caller, as in Breakpad. Like Breakpad's `ScanForReturnAddress`, the scan
    /// stops at the end of captured memory and reads words 0 through 40 (0 through 160 for the
    /// caller of frame 0).
    func byScan(_ context: RegisterContext, isContextFrame: Bool, _ walk: StackWalkInput) -> Frame? {
        guard let sp = context.stackPointer else { return nil }
        let words = isContextFrame ? Self.contextScanWords : Self.scanWords
        for i in 0...words {
            let slot = sp + i * Self.pointerWidth
            guard slot + Self.pointerWidth - 1 <= Self.addressLimit,
                  let candidate = walk.readPointer(at: slot, size: 4) else { return nil }
            guard Self.seemsCode(candidate, walk) else { continue }
            var caller = RegisterContext(layout: context.layout)
            caller[Self.programCounter] = candidate
            caller[Self.stackPointer] = slot + Self.pointerWidth
            return Frame(instruction: candidate, trust: .scan, context: caller)
        }
        return nil
    }

    // MARK: Return addresses

    /// Whether `returnAddress` could be one: `walk.instructionSeemsValid` checks the byte before
    /// the address it is given, which must be inside the call instruction. Clearing the Thumb
    /// bit first puts that byte inside the call in both instruction sets (for an odd Thumb
    /// return address the byte before the raw value is already the next instruction).
    static func seemsCode(_ returnAddress: UInt64, _ walk: StackWalkInput) -> Bool {
        walk.instructionSeemsValid(returnAddress & ~thumbBit)
    }

    /// Whether symbols place `a` and `b` in the same function of the same module.
    static func sameFunction(_ a: UInt64, _ b: UInt64, _ walk: StackWalkInput) -> Bool {
        guard let first = walk.module(containing: a), let second = walk.module(containing: b),
              first.index == second.index, let symbols = first.symbols,
              let f = symbols.lookup(a &- first.module.base), let g = symbols.lookup(b &- first.module.base) else {
            return false
        }
        return f.functionAddress == g.functionAddress && f.function == g.function
    }
}
