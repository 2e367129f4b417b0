import CrashpipeCore

// STACK CFI, the %ebp chain and stack scanning: Breakpad's GetCallerByCFIFrameInfo and
// GetCallerByEBPAtBase (which scans when the chain cannot be followed).

/// Breakpad's limit for one x86 frame when it rebuilds the %ebp chain after a scan: 99.5% of
/// frames in a histogram of popular third-party libraries were smaller than 128 KiB.
let maxReasonableGapBetweenFrames: UInt32 = 128 * 1024

extension X86Unwinder {
    /// `STACK CFI`: the module's rules at the callee's instruction (one byte before a return
    /// address) compute the caller's registers. Callee-saved registers without a rule keep
    /// their value. Breakpad insists on eip, esp and ebp in the result, because the next
    /// step (frame pointer or STACK WIN) needs all three; otherwise the next strategy runs.
    func callerByCallFrameInfo(callee: Frame, stack: X86StackMemory, walk: StackWalkInput) -> Frame? {
        guard let context = callee.context, context[stackPointerRegister] != nil else { return nil }
        let address = callee.lookupAddress
        guard let found = walk.module(containing: address), let symbols = found.symbols,
              let rules = symbols.callFrameInfo(at: address &- found.module.base) else { return nil }
        let forwarded = calleeSavedRegisters.filter { context[$0] != nil }
        guard var caller = rules.callerContext(of: context, calleeSaved: forwarded,
                                               readMemory: { stack.word(at: $0).map(UInt64.init) }) else {
            return nil
        }
        for (index, name) in caller.layout.names.enumerated() where !recoverableRegisters.contains(name) {
            caller[index: index] = nil
        }
        guard let eip = caller[instructionRegister], caller[stackPointerRegister] != nil,
              caller[framePointerRegister] != nil else { return nil }
        return Frame(instruction: eip, trust: .cfi, context: caller)
    }

    /// The traditional frame: a CALL pushed the return address, the callee pushed the
    /// caller's %ebp and pointed %ebp at it. So the return address is at `ebp + 4`, the
    /// caller's %ebp at `ebp`, and the caller's %esp was `ebp + 8` before the CALL.
    ///
    /// Breakpad's only sanity check is that both words are on the stack: when %ebp points
    /// elsewhere the function does not use it as a frame pointer, and scanning is the better
    /// guess. Like rust-minidump it does not validate the values any further, because doing so
    /// makes the scanner produce frames Breakpad's walk does not have.
    func callerByFramePointer(callee: Frame, stack: X86StackMemory) -> Frame? {
        guard let context = callee.context, let ebp = context.word(framePointerRegister),
              ebp <= UInt32.max - 2 * pointerWidth,
              let eip = stack.word(at: ebp + pointerWidth),
              let callerEBP = stack.word(at: ebp) else { return nil }
        var caller = RegisterContext(layout: context.layout)
        caller[instructionRegister] = UInt64(eip)
        caller[stackPointerRegister] = UInt64(ebp + 2 * pointerWidth)
        caller[framePointerRegister] = UInt64(callerEBP)
        return Frame(instruction: UInt64(eip), trust: .framePointer, context: caller)
    }

    /// Scanning: the first word above the callee's %esp that looks like a return address
    /// (inside a module and, when the module has symbols, inside a known function). The
    /// caller's %esp is just above it.
    ///
    /// The caller's %ebp is rebuilt as Breakpad does: if the function had the standard
    /// prologue, the word below the return address is the saved %ebp, which must point higher
    /// on the stack, and by no more than a reasonable frame size; otherwise the function did
    /// not touch %ebp and the callee's value is the caller's. Either way Breakpad marks %ebp
    /// as known, so the next frame can try the chain again.
    func callerByScan(callee: Frame, stack: X86StackMemory) -> Frame? {
        guard let context = callee.context, let esp = context.word(stackPointerRegister),
              let found = stack.scanForReturnAddress(from: esp, words: X86StackMemory.searchWords(forCallee: callee))
        else { return nil }
        let callerESP = found.location &+ pointerWidth
        let savedEBPLocation = callerESP &- 2 * pointerWidth
        var callerEBP = context.word(framePointerRegister)
        if let saved = stack.word(at: savedEBPLocation), saved > savedEBPLocation,
           saved - savedEBPLocation <= maxReasonableGapBetweenFrames {
            callerEBP = saved
        }
        var caller = RegisterContext(layout: context.layout)
        caller[instructionRegister] = UInt64(found.address)
        caller[stackPointerRegister] = UInt64(callerESP)
        caller[framePointerRegister] = callerEBP.map(UInt64.init)
        return Frame(instruction: UInt64(found.address), trust: .scan, context: caller)
    }
}
