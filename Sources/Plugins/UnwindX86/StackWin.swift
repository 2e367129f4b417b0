import CrashpipeCore

// STACK WIN: Windows x86 frame data (type 4, with a program string) and FPO data (type 0),
// Breakpad's GetCallerByWindowsFrameInfo.

/// Breakpad's program for FPO functions that use %ebp for their own purposes: the return
/// address is above the callee's parameters, the saved registers and the locals; the caller's
/// %ebp is in the saved-register area, which such functions start with.
///
///     %eip_new = *(%esp_old + callee_params + saved_regs + locals)
///     %ebp_new = *(%esp_old + callee_params + saved_regs - 8)
///     %esp_new = %esp_old + callee_params + saved_regs + locals + 4
let fpoAllocatingBasePointerProgram =
    "$eip .raSearchStart ^ = $ebp $esp .cbCalleeParams + .cbSavedRegs + 8 - ^ = $esp .raSearchStart 4 + ="

/// Breakpad's program for FPO functions that never touch %ebp: the caller's %ebp is the
/// callee's, so only %eip and %esp are computed.
let fpoProgram = "$eip .raSearchStart ^ = $esp .raSearchStart 4 + ="

/// Added to ``fpoProgram`` when %ebx is known: Breakpad carries %ebx through, because the ntdll
/// forwarding stubs that have this kind of frame leave it alone and the next frame's program
/// often reads it (`$T0 $ebx = ...`).
let fpoKeepsEBX = " $ebx $ebx ="

extension X86Unwinder {
    /// The caller of `frames.last` from its STACK WIN record, or nil to let the next strategy
    /// try (no stack pointer, or a program that failed and no return address found by scanning).
    func callerByWindowsFrameInfo(frames: [Frame], info: WindowsFrameInfo, stack: X86StackMemory,
                                  walk: StackWalkInput) -> Frame? {
        guard let callee = frames.last, let context = callee.context,
              let esp = context.word(stackPointerRegister) else { return nil }
        let ebp = context.word(framePointerRegister)
        let ebx = context.word("ebx")

        // Each frame's %esp is its value just before the CALL into its callee, so the callee's
        // stdcall arguments are still below this frame's data. Their size comes from the
        // callee's STACK WIN or FUNC record; the context frame has no callee.
        let calleeParameters = frames.count >= 2 ? parameterSize(of: frames[frames.count - 2], walk: walk) : 0

        var values: [String: UInt64] = [
            stackPointerRegister: UInt64(esp),
            ".cbCalleeParams": UInt64(calleeParameters),
            ".cbSavedRegs": UInt64(info.savedRegisterSize),
            ".cbLocals": UInt64(info.localSize),
            ".cbParams": UInt64(info.parameterSize),
        ]
        if let ebp { values[framePointerRegister] = UInt64(ebp) }
        if let ebx { values["ebx"] = UInt64(ebx) }

        var raSearchStart = esp &+ calleeParameters &+ info.localSize &+ info.savedRegisterSize
        // Look up to three words higher in case the function aligned its stack to a quadword.
        // Breakpad does this unconditionally (it is part of computing .raSearchStart, not a
        // way to find a frame), so `allowScan` does not turn it off.
        let computed = raSearchStart
        if let found = stack.scanForReturnAddress(from: raSearchStart, words: 3) {
            raSearchStart = found.location
            // An FPO system-call stub in the context frame whose callee already returned: the
            // word on top of the stack is the current instruction, not a return address.
            // Skip it and look again.
            if callee.trust == .context && info.type == 0 && found.location == computed
                && UInt64(found.address) == context[instructionRegister] {
                raSearchStart &+= pointerWidth
                if let again = stack.scanForReturnAddress(from: raSearchStart, words: 3) {
                    raSearchStart = again.location
                }
            }
        }

        // The record's own program if it has one; otherwise Breakpad's program for the kind of
        // FPO frame the record describes.
        var program: String
        var recoverEBP = true
        if let text = info.programString, !text.isEmpty {
            program = text
        } else if info.allocatesBasePointer {
            // MSVC 8 /LTCG can write a saved-register size of 0 for these frames, which is
            // wrong (they save at least %ebp): the %ebp recovery below repairs it.
            program = fpoAllocatingBasePointerProgram
        } else {
            program = fpoProgram
            if ebx != nil { program += fpoKeepsEBX }
            recoverEBP = false
        }

        // A program that aligns (`@`) used an aligned %esp, which loses information, so
        // .raSearchStart cannot come from %esp; %ebp is then the only reliable anchor and the
        // return address sits just above the saved %ebp.
        if let ebp, program.contains("@") {
            raSearchStart = ebp &+ pointerWidth
        }
        // Breakpad: "the difference between raSearch and raSearchStart is unknown, but making
        // them the same seems to work well in practice".
        values[".raSearchStart"] = UInt64(raSearchStart)
        values[".raSearch"] = UInt64(raSearchStart)

        var result = FrameDataProgram.run(program, values: values,
                                          readMemory: { stack.word(at: $0).map(UInt64.init) })
        var trust = FrameTrust.cfi
        let scanWords = X86StackMemory.searchWords(forCallee: callee)
        if !result.succeeded || !result.assigned.contains(instructionRegister)
            || !result.assigned.contains(stackPointerRegister) {
            // The program could not run: %eip may be in code without frame data and %ebp not
            // pointing into the stack. Scan from the callee's %esp instead.
            guard walk.allowScan, let found = stack.scanForReturnAddress(from: esp, words: scanWords) else {
                return nil
            }
            result.values[instructionRegister] = UInt64(found.address)
            result.values[stackPointerRegister] = UInt64(found.location &+ pointerWidth)
            trust = .scan
        }

        // Program strings that make both %eip and %ebp zero mark the end of the stack: trust
        // them and do not go looking for anything else.
        let callerEIP = result.word(instructionRegister) ?? 0
        if callerEIP != 0 || (result.word(framePointerRegister) ?? 0) != 0 {
            var skipped: UInt32 = 0
            // A return address outside every module is wrong (or JIT code, which Breakpad
            // does not handle here either): scan for a better one from the next word up.
            if walk.moduleIndex.index(containing: UInt64(callerEIP)) == nil {
                let start = raSearchStart &+ pointerWidth
                if walk.allowScan, let found = stack.scanForReturnAddress(from: start, words: scanWords) {
                    result.values[instructionRegister] = UInt64(found.address)
                    result.values[stackPointerRegister] = UInt64(found.location &+ pointerWidth)
                    skipped = found.location &- start
                    trust = .cfiScan
                }
            }
            if recoverEBP {
                recoverFramePointer(&result, info: info, calleeESP: esp &+ calleeParameters,
                                    raSearchStart: raSearchStart, skipped: skipped, trust: trust, stack: stack)
            }
        }

        var caller = RegisterContext(layout: context.layout)
        guard let eip = result.values[instructionRegister] else { return nil }
        caller[instructionRegister] = eip
        caller[stackPointerRegister] = result.values[stackPointerRegister]
        caller[framePointerRegister] = result.values[framePointerRegister]
        // Callee-saved registers only when the program computed them: an unmentioned one may
        // have been reused by the function (Breakpad does the same).
        for name in ["ebx", "esi", "edi"] where result.assigned.contains(name) {
            caller[name] = result.values[name]
        }
        return Frame(instruction: eip, trust: trust, context: caller)
    }

    /// Breakpad's repair of the caller's %ebp after a STACK WIN step. When the program's %ebp
    /// is not a stack address, or frames were probably skipped (a scan was used and %ebp is
    /// below where the return address was), look through the saved-register area, widened by
    /// what the scan skipped, from the highest address down (a prolog saves %ebp early), for
    /// the first word that points into the stack.
    private func recoverFramePointer(_ result: inout FrameDataProgram.Result, info: WindowsFrameInfo,
                                     calleeESP: UInt32, raSearchStart: UInt32, skipped: UInt32,
                                     trust: FrameTrust, stack: X86StackMemory) {
        let ebp = result.word(framePointerRegister) ?? 0
        let hasSkippedFrames = trust != .cfi && ebp <= raSearchStart &+ skipped
        guard hasSkippedFrames || !stack.isReadable(ebp) else { return }
        let searchBytes = UInt64(info.savedRegisterSize) + UInt64(skipped)
        var location = UInt64(calleeESP) + searchBytes
        while location >= UInt64(calleeESP) {
            guard let candidate = stack.word(at: location) else { return }
            if stack.isReadable(candidate) {
                result.values[framePointerRegister] = UInt64(candidate)
                return
            }
            guard location >= UInt64(pointerWidth) else { return }
            location -= UInt64(pointerWidth)
        }
    }
}

/// Runs a STACK WIN program (`$T0 $ebp = $eip $T0 4 + ^ = ...`) with Core's postfix evaluator,
/// one assignment at a time, to know which variables the program assigned: Breakpad requires
/// `$eip` and `$esp` to be assigned (not merely present), and gives the caller %ebx, %esi and
/// %edi only when assigned.
enum FrameDataProgram {
    struct Result {
        /// Every variable after the run: registers without `$` (`eip`), temporaries with it
        /// (`$T0`), and the constants that were given.
        var values: [String: UInt64]
        /// Registers (without `$`) and temporaries the program assigned before it stopped.
        var assigned: Set<String>
        /// Whether every assignment ran. Assignments before a failure still count, as in
        /// Breakpad, whose evaluator writes to its dictionary as it goes.
        var succeeded: Bool

        func word(_ name: String) -> UInt32? { values[name].map { UInt32(truncatingIfNeeded: $0) } }
    }

    static func run(_ program: String, values: [String: UInt64],
                    readMemory: @escaping (UInt64) -> UInt64?) -> Result {
        var evaluator = PostfixEvaluator(values: values, pointerSize: 4, readMemory: readMemory)
        var assigned: Set<String> = []
        guard let parsed = PostfixExpression(parsing: program) else {
            return Result(values: values, assigned: [], succeeded: false)
        }
        var statement: [PostfixExpression.Token] = []
        for token in parsed.tokens {
            statement.append(token)
            guard token == .assign else { continue }
            // Breakpad assigns only to variables, whose names start with `$`; `.cbParams` and
            // the other constants cannot be overwritten.
            guard case .name(let target) = statement[0], target.hasPrefix("$"),
                  evaluator.run(PostfixExpression(tokens: statement)) else {
                return Result(values: evaluator.values, assigned: assigned, succeeded: false)
            }
            assigned.insert(normalized(target))
            statement = []
        }
        // Tokens after the last `=` leave values on Breakpad's stack: an incomplete program.
        return Result(values: evaluator.values, assigned: assigned, succeeded: statement.isEmpty)
    }

    /// The key Core's evaluator stores an assignment under: registers lose their `$`,
    /// temporaries (`$T`, `$L`, `$P`) keep it.
    static func normalized(_ name: String) -> String {
        if name.hasPrefix("$T") || name.hasPrefix("$L") || name.hasPrefix("$P") { return name }
        return name.hasPrefix("$") ? String(name.dropFirst()) : name
    }
}
