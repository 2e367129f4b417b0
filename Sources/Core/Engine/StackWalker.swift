/// Walks threads' stacks: owns the loop and its stopping rules, and asks the CPU's unwinder
/// for each caller.
///
/// Stops when the unwinder finds no caller, when the caller's instruction pointer is below
/// 4096 (null or nearly so), when the stack pointer does not grow (an infinite loop otherwise),
/// or at `maxFrames`. Frame 0 comes from the thread's context with trust `context`.
public struct StackWalker: Sendable {
    public var unwinders: [CPU: any CPUUnwinder]
    public var maxFrames: Int
    public var allowScan: Bool

    public init(unwinders: [CPU: any CPUUnwinder], maxFrames: Int = 1024, allowScan: Bool = true) {
        self.unwinders = unwinders
        self.maxFrames = maxFrames
        self.allowScan = allowScan
    }

    /// The frames of `thread`, innermost first, unsymbolicated. Empty when the thread has no
    /// context; only frame 0 when no unwinder handles the CPU.
    public func walk(_ thread: Thread, in report: CrashReport, symbols: SymbolResolver) -> [Frame] {
        guard let context = thread.context, let pc = context.instructionPointer else { return [] }
        var frames = [Frame(instruction: pc, trust: .context, context: context)]
        guard let unwinder = unwinders[context.cpu] else { return frames }
        let input = StackWalkInput(stack: thread.stack, memory: report.memory, modules: report.modules,
                                   system: report.system, symbols: symbols, allowScan: allowScan)
        while frames.count < maxFrames {
            guard let caller = unwinder.callerFrame(of: frames, walk: input) else { break }
            guard caller.instruction >= 4096 else { break }
            guard unwinder.isProgress(from: frames[frames.count - 1], to: caller, depth: frames.count) else { break }
            frames.append(caller)
        }
        return frames
    }

    /// Fills module, function, file, line, offsets and inlines for each frame from the
    /// module's symbols.
    public static func symbolicate(_ frames: inout [Frame], modules: [Module], symbols: SymbolResolver) {
        let index = ModuleIndex(modules)
        for i in frames.indices {
            let address = frames[i].lookupAddress
            guard let moduleIndex = index.index(containing: address) else { continue }
            let module = modules[moduleIndex]
            frames[i].moduleIndex = moduleIndex
            frames[i].moduleOffset = address &- module.base
            guard let table = symbols.symbols(forModule: moduleIndex),
                  let info = table.lookup(address &- module.base) else { continue }
            frames[i].function = info.function
            frames[i].rawFunction = info.function
            frames[i].functionAddress = module.base &+ info.functionAddress
            frames[i].functionOffset = address &- (module.base &+ info.functionAddress)
            frames[i].file = info.file
            frames[i].line = info.line
            frames[i].sourceLineAddress = info.lineAddress.map { module.base &+ $0 }
            frames[i].inlines = info.inlines
            frames[i].symbolTrust = SymbolTrust(info)
        }
    }
}
