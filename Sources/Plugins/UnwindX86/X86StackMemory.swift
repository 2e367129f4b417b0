import CrashpipeCore

/// The 32-bit words the x86 unwinder reads, and Breakpad's scan for a return address.
///
/// Reads come from the thread's stack when the dump has one, and only from it: Breakpad's x86
/// walker is given the stack region alone, and several of its checks mean "points into the
/// stack" ("%ebp is pointing to non-stack memory, so scan"; "a recovered %ebp must point to a
/// word of the stack"). Reading a heap block captured elsewhere in a full-memory dump would
/// make garbage pass those checks. A thread without a stack falls back to all captured memory.
struct X86StackMemory {
    let walk: StackWalkInput

    /// The little-endian word at `address`, or nil when it is not captured or not a 32-bit
    /// address.
    func word(at address: UInt64) -> UInt32? {
        guard address <= 0xffff_fffc else { return nil }
        if let stack = walk.stack { return stack.read(UInt32.self, at: address) }
        return walk.memory.read(UInt32.self, at: address)
    }

    func word(at address: UInt32) -> UInt32? { word(at: UInt64(address)) }

    /// Whether `address` holds a readable word: Breakpad's test that a value "is a pointer to
    /// the same memory region (the stack)".
    func isReadable(_ address: UInt32) -> Bool { word(at: address) != nil }

    /// The number of words Breakpad scans for a return address (`kRASearchWords`).
    static let searchWords = 40

    /// Breakpad's scan range: four times longer when looking for the caller of the context
    /// frame, because the innermost frame is the one most often caught in a prologue or with
    /// a large local area and no unwind data.
    static func searchWords(forCallee callee: Frame) -> Int {
        callee.trust == .context ? searchWords * 4 : searchWords
    }

    /// Breakpad's `ScanForReturnAddress`: the first word from `start` upwards (checking
    /// `words + 1` slots, as Breakpad's inclusive bound does) whose value looks like a return
    /// address, with where it was found. A candidate must satisfy
    /// ``StackWalkInput/instructionSeemsValid(_:)``, which, as Breakpad does, checks the byte
    /// before it (the call instruction). The scan stops at the first unreadable word.
    func scanForReturnAddress(from start: UInt32, words: Int) -> (location: UInt32, address: UInt32)? {
        for slot in 0...UInt64(max(words, 0)) {
            let location = UInt64(start) + slot * UInt64(pointerWidth)
            guard location <= 0xffff_ffff, let value = word(at: location) else { return nil }
            if walk.instructionSeemsValid(UInt64(value)) {
                return (UInt32(location), value)
            }
        }
        return nil
    }
}

extension RegisterContext {
    /// A register's value as a 32-bit x86 word.
    func word(_ name: String) -> UInt32? {
        self[name].map { UInt32(truncatingIfNeeded: $0) }
    }
}
