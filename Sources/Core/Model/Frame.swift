/// How a stack frame was found, from most to least reliable.
///
/// The raw values are the ones Breakpad and rust-minidump print in JSON output.
public enum FrameTrust: String, Sendable, Codable, Hashable, CaseIterable {
    /// Taken from the thread's saved register context (frame 0).
    case context
    /// Recovered with call frame information.
    case cfi
    /// Found by scanning, then confirmed by CFI.
    case cfiScan = "cfi_scan"
    /// Found by following the frame-pointer chain.
    case framePointer = "frame_pointer"
    /// Found by scanning the stack for something that looks like a return address.
    case scan
    /// Given by the dump itself (already walked by the client).
    case prewalked
    /// Unknown.
    case none

    /// The sentence Breakpad's minidump_stackwalk prints under a frame.
    public var description: String {
        switch self {
        case .context: return "given as instruction pointer in context"
        case .cfi: return "call frame info"
        case .cfiScan: return "call frame info with scanning"
        case .framePointer: return "previous frame's frame pointer"
        case .scan: return "stack scanning"
        case .prewalked: return "recovered by external stack walker"
        case .none: return "unknown"
        }
    }
}

/// A function inlined at a frame's address, innermost first.
public struct InlineFrame: Sendable, Codable, Hashable {
    public var function: String
    /// The name as the symbol file wrote it, when a demangler changed `function`.
    public var rawFunction: String?
    public var file: String?
    public var line: UInt32?

    public init(function: String, file: String? = nil, line: UInt32? = nil) {
        self.function = function
        self.file = file
        self.line = line
    }
}

/// One frame of a thread's stack.
public struct Frame: Sendable, Codable {
    /// The instruction address: the program counter for frame 0, the return address otherwise.
    @Hex public var instruction: UInt64
    public var trust: FrameTrust
    /// Registers recovered for this frame (all of frame 0's; fewer for callers).
    public var context: RegisterContext?
    /// Index of the module holding `instruction` in the report's module list.
    public var moduleIndex: Int?
    /// The function name as shown (demangled when a demangler ran).
    public var function: String?
    /// The symbol as the symbol file wrote it.
    public var rawFunction: String?
    /// Where the function starts (absolute address).
    @OptionalHex public var functionAddress: UInt64?
    /// `lookupAddress` minus the function's start.
    @OptionalHex public var functionOffset: UInt64?
    /// `lookupAddress` minus the module's base: for caller frames the offset of the call, not of
    /// the return address, as Breakpad prints it (`libc.so + 0x11e9d` for a Thumb return
    /// address 0x...e9f).
    @OptionalHex public var moduleOffset: UInt64?
    public var file: String?
    public var line: UInt32?
    /// Where the source line starts (absolute address), for Breakpad's "+ offset".
    @OptionalHex public var sourceLineAddress: UInt64?
    /// Functions inlined at this address, innermost first. Each carries the file and line it
    /// is at; `file`/`line` of the frame itself are the call site of the outermost inline.
    public var inlines: [InlineFrame]
    /// How far `function` can be trusted (`.publicSymbol`: only the nearest PUBLIC record below
    /// the address); nil without a symbol.
    public var symbolTrust: SymbolTrust?

    public init(instruction: UInt64, trust: FrameTrust, context: RegisterContext? = nil) {
        self.instruction = instruction
        self.trust = trust
        self.context = context
        self.inlines = []
    }

    /// The address used to look up symbols: for a caller, a little before its return
    /// address (one byte on x86; the architecture's layout says how far), so a call that ends
    /// a function maps to the call and not to the next function.
    public var lookupAddress: UInt64 {
        switch trust {
        case .context, .prewalked, .none: return instruction
        default:
            let lookback = context?.layout.returnAddressLookback ?? 1
            return instruction >= lookback ? instruction - lookback : 0
        }
    }
}

/// A thread of the crashed process.
public struct Thread: Sendable, Codable {
    public var id: UInt32
    public var name: String?
    /// The thread's registers at the time of the dump.
    public var context: RegisterContext?
    /// The captured stack memory.
    public var stack: MemoryRegion?
    /// The walked stack, innermost first (empty until a stackwalk stage runs).
    public var frames: [Frame]
    public var suspendCount: UInt32?
    public var priority: UInt32?
    @OptionalHex public var threadEnvironmentBlock: UInt64?
    /// Windows GetLastError() value, when known.
    public var lastError: UInt32?

    public init(id: UInt32, name: String? = nil, context: RegisterContext? = nil, stack: MemoryRegion? = nil) {
        self.id = id
        self.name = name
        self.context = context
        self.stack = stack
        self.frames = []
    }
}
