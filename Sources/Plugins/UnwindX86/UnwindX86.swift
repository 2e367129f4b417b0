import CrashpipeCore

// The 32-bit x86 ABI as the unwinder sees it.

/// Size of a pointer and of a stack slot, in bytes.
let pointerWidth: UInt32 = 4
/// The instruction, stack and frame pointer registers, by the names CFI and STACK WIN use.
let instructionRegister = "eip"
let stackPointerRegister = "esp"
let framePointerRegister = "ebp"
/// Registers a callee must preserve (cdecl, stdcall, fastcall and thiscall agree). A CFI rule
/// set that does not mention one means "unchanged", so the caller gets the callee's value.
let calleeSavedRegisters: Set<String> = ["ebx", "esi", "edi", "ebp"]
/// The registers a caller frame can have, as Breakpad's x86 CFI register map lists them.
/// `eflags` is not among them: no unwinding rule recovers it.
let recoverableRegisters: Set<String> = ["eip", "esp", "ebp", "eax", "ebx", "ecx", "edx", "esi", "edi"]

/// Unwinds 32-bit x86 stacks the way Breakpad's `stackwalker_x86.cc` does.
///
/// Consumes the frames walked so far (the last one's context and instruction), the thread's
/// stack memory, and the modules' symbols (`STACK WIN`, `STACK CFI`, `FUNC`/`PUBLIC` records).
/// Produces the caller of the last frame: its `instruction` is the raw return address and its
/// `context` holds only the registers that were actually recovered. Strategies, in order:
///
/// 1. `STACK WIN` (Windows frame data, types 4 and 0): trust `.cfi`, or `.scan` when the
///    program failed and the return address was found by scanning, or `.cfiScan` when the
///    program's return address was outside every module and a scan found a better one.
/// 2. `STACK CFI`: trust `.cfi`; needs eip, esp and ebp in the caller.
/// 3. The `%ebp` chain: trust `.framePointer`.
/// 4. Stack scanning (only when `allowScan`): trust `.scan`.
///
/// The engine owns the loop and stops on a null return address or a stack pointer that
/// does not grow; this type only finds callers.
public struct X86Unwinder: CPUUnwinder {
    public static let cpu = CPU.x86

    /// The register layout of x86 contexts (``ContextX86/layout``). Callers are built on
    /// their callee's layout, so frames of one walk always share the layout frame 0 came with.
    public static var registerLayout: RegisterLayout { ContextX86.layout }

    public init() {}

    public func callerFrame(of frames: [Frame], walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context, context.cpu == .x86 else { return nil }
        let stack = X86StackMemory(walk: walk)
        // Breakpad's order. Symbol files made from PDBs carry STACK WIN and those made from
        // DWARF carry STACK CFI, so usually only one of the first two applies.
        if let info = windowsFrameInfo(for: callee, walk: walk),
           let caller = callerByWindowsFrameInfo(frames: frames, info: info, stack: stack, walk: walk) {
            return caller
        }
        if let caller = callerByCallFrameInfo(callee: callee, stack: stack, walk: walk) {
            return caller
        }
        if let caller = callerByFramePointer(callee: callee, stack: stack) {
            return caller
        }
        guard walk.allowScan else { return nil }
        return callerByScan(callee: callee, stack: stack)
    }

    /// Breakpad's `TerminateWalk`: the stack pointer must grow, except on the first unwind
    /// (from the context frame), where an equal one is accepted. Breakpad applies this to
    /// every CPU, x86 included.
    public func isProgress(from callee: Frame, to caller: Frame, depth: Int) -> Bool {
        guard let calleeSP = callee.context?.stackPointer, let callerSP = caller.context?.stackPointer else {
            return false
        }
        return callee.trust == .context ? callerSP >= calleeSP : callerSP > calleeSP
    }

    // MARK: symbol lookups shared by the strategies

    /// The STACK WIN record for `frame`'s instruction, looked up one byte before a return
    /// address (as Breakpad looks up `instruction`, which it sets to `eip - 1` for callers) so
    /// that a call ending a function finds that function. Only types 4 (frame data) and 0
    /// (FPO) are used: Breakpad's resolver never returns the trap, TSS or standard kinds.
    func windowsFrameInfo(for frame: Frame, walk: StackWalkInput) -> WindowsFrameInfo? {
        let address = frame.lookupAddress
        guard let found = walk.module(containing: address), let symbols = found.symbols,
              let info = symbols.windowsFrameInfo(at: address &- found.module.base),
              info.type == 4 || info.type == 0 else { return nil }
        return info
    }

    /// The size of `frame`'s stack parameters: from its STACK WIN record, or else from the
    /// FUNC record covering it. Breakpad's resolver makes a "parameter size only" frame info
    /// from a FUNC when there is no STACK WIN (never from a PUBLIC), and the caller's STACK WIN
    /// program reads it as `.cbCalleeParams`: the callee's arguments are still on the stack
    /// below the caller's frame when the callee is stdcall and was interrupted.
    func parameterSize(of frame: Frame, walk: StackWalkInput) -> UInt32 {
        if let info = windowsFrameInfo(for: frame, walk: walk) { return info.parameterSize }
        let address = frame.lookupAddress
        guard let found = walk.module(containing: address), let symbols = found.symbols,
              let symbol = symbols.lookup(address &- found.module.base), !symbol.isPublic else { return 0 }
        return symbol.parameterSize
    }
}

/// Registers the x86 unwinder.
///
/// A new CPU's unwinder plugin follows the same shape: one file opening with the ABI constants,
/// one strategy per file or section (symbol-driven rules first, then the frame pointer, then
/// scanning), a `FrameTrust` stamped by each, and a `register(in:)` like this one.
public enum UnwindX86Plugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(contextFormat: X86ContextFormat())
        try registry.register(unwinder: X86Unwinder())
    }
}
