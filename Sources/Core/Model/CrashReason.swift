/// Why the process stopped: the exception or signal, decoded to a name, and where.
public struct CrashReason: Sendable, Codable, Hashable {
    /// A readable name: "EXCEPTION_ACCESS_VIOLATION_WRITE", "SIGSEGV /SEGV_MAPERR",
    /// "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS".
    public var name: String
    /// The exception code or signal number as recorded.
    @Hex public var code: UInt32
    /// The exception flags (Windows), or signal code (Linux), or Mach code (macOS).
    @Hex public var flags: UInt32
    /// The faulting data address for memory errors, else the faulting instruction.
    @Hex public var address: UInt64
    /// The instruction that faulted, when the dump says.
    @OptionalHex public var instructionAddress: UInt64?
    /// The exception record's parameters.
    public var parameters: [UInt64]
    /// The id of the thread that crashed.
    public var threadId: UInt32

    public init(name: String, code: UInt32, flags: UInt32, address: UInt64, instructionAddress: UInt64? = nil,
                parameters: [UInt64] = [], threadId: UInt32) {
        self.name = name
        self.code = code
        self.flags = flags
        self.address = address
        self.instructionAddress = instructionAddress
        self.parameters = parameters
        self.threadId = threadId
    }
}

/// A failed assertion or invalid-parameter report the client recorded.
public struct AssertionInfo: Sendable, Codable, Hashable {
    public var expression: String
    public var function: String
    public var file: String
    public var line: UInt32
    /// "InvalidParameter", "PureVirtualCall", or a number for unknown kinds.
    public var type: String

    public init(expression: String, function: String, file: String, line: UInt32, type: String) {
        self.expression = expression
        self.function = function
        self.file = file
        self.line = line
        self.type = type
    }
}
