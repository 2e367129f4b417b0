/// A thread's CPU context as a dump stored it, decoded: the registers unwinders use, and every
/// field of the raw structure for `crashpipe dump`.
public struct DecodedContext: Sendable, Encodable {
    public var registers: RegisterContext
    /// The structure's name as Breakpad's minidump_dump titles it (`MDRawContextAMD64`).
    public var structureName: String
    /// Every field of the structure, named and formatted as minidump_dump prints them.
    public var fields: [(name: String, value: String)]

    public init(registers: RegisterContext, structureName: String, fields: [(name: String, value: String)]) {
        self.registers = registers
        self.structureName = structureName
        self.fields = fields
    }

    public var cpu: CPU { registers.cpu }
    public var instructionPointer: UInt64 { registers.instructionPointer ?? 0 }
    public var stackPointer: UInt64 { registers.stackPointer ?? 0 }

    /// Encodes as the register context (known registers by name).
    public func encode(to encoder: any Encoder) throws {
        try registers.encode(to: encoder)
    }
}

/// How one architecture's CPU context is laid out in minidumps (and Breakpad's microdumps,
/// which carry the same structures as hex). Each architecture plugin registers one with its
/// unwinder, so dump parsers decode contexts of every registered CPU without knowing any.
public protocol CPUContextFormat: Sendable {
    var cpu: CPU { get }
    /// The layout decoded contexts use (and the unwinder's callers inherit).
    var layout: RegisterLayout { get }
    /// Whether `data`, a context of unknown CPU (a dump without SystemInfo), is in this
    /// format, judged by its flags and size.
    func recognizes(_ data: ByteView, endian: Endian) -> Bool
    /// Decodes `data`. A context too short for the format is an error that names the size
    /// found and the size needed. `os` (when the dump names one) picks platform conventions,
    /// such as which register is the frame pointer on 32-bit ARM.
    func decode(_ data: ByteView, endian: Endian, os: OS?) throws(ParseError) -> DecodedContext
}

/// The registered context formats, tried in registration order when the CPU is unknown.
public struct ContextFormats: Sendable {
    public private(set) var formats: [any CPUContextFormat]

    public init(_ formats: [any CPUContextFormat] = []) {
        self.formats = formats
    }

    public func format(for cpu: CPU) -> (any CPUContextFormat)? {
        formats.first { $0.cpu == cpu }
    }

    mutating func append(_ format: any CPUContextFormat) {
        formats.append(format)
    }

    /// Decodes a context: by the CPU the dump names (`hint`), or else by the first format
    /// that recognizes the bytes.
    public func decode(_ data: ByteView, endian: Endian, cpu hint: CPU?, os: OS? = nil) throws(ParseError) -> DecodedContext {
        let known = hint.flatMap { $0 == .unknown ? nil : $0 }
        if let known {
            guard let format = format(for: known) else {
                throw ParseError(.unsupported, offset: data.fileOffset(0), context: "thread context",
                                 "contexts of \(known) CPUs are not supported (no plugin registered for \(known))")
            }
            return try format.decode(data, endian: endian, os: os)
        }
        guard let format = formats.first(where: { $0.recognizes(data, endian: endian) }) else {
            throw ParseError(.unsupported, offset: data.fileOffset(0), context: "thread context",
                             "cannot tell the CPU of a \(data.count)-byte context")
        }
        return try format.decode(data, endian: endian, os: os)
    }

    /// The error a format throws for a context shorter than it needs.
    public static func tooShort(_ data: ByteView, needs size: Int, _ name: String) -> ParseError {
        ParseError(.truncated, offset: data.fileOffset(0), context: "thread context",
                   "\(name) context needs \(size) bytes, the dump gives \(data.count)")
    }
}
