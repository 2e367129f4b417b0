import CrashpipeCore

/// MINIDUMP_EXCEPTION_STREAM: the exception or signal that triggered the dump, the thread it
/// happened on, and that thread's context at the moment of the crash.
public struct ExceptionStream: MinidumpStream {
    public static let streamType = StreamType.exception
    /// Exception records hold at most 15 parameters.
    static let maxParameters = 15

    public var threadId: UInt32
    @Hex public var code: UInt32
    @Hex public var flags: UInt32
    @Hex public var nestedRecord: UInt64
    @Hex public var address: UInt64
    public var numberParameters: UInt32
    /// All 15 parameter slots; `parameters` gives the used ones.
    public var information: [UInt64]
    public var contextSize: UInt32
    @Hex public var contextRva: UInt32
    public var context: DecodedContext?
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case threadId, code, flags, nestedRecord, address, numberParameters, parameters, contextSize, contextRva
        case context, problems
    }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "Exception stream")
        threadId = try r.u32()
        try r.skip(4)
        code = try r.u32()
        flags = try r.u32()
        nestedRecord = try r.u64()
        address = try r.u64()
        numberParameters = try r.u32()
        try r.skip(4)
        information = try (0..<Self.maxParameters).map { _ throws(ParseError) in try r.u64() }
        contextSize = try r.u32()
        contextRva = try r.u32()
        problems = []
        if numberParameters > UInt32(Self.maxParameters) {
            problems.append("number_parameters is \(numberParameters), at most 15 exist; using 15")
        }
        if contextSize > 0 || contextRva > 0 {
            do {
                let bytes = try dump.location(size: contextSize, rva: contextRva, what: "exception context")
                context = try dump.contexts.decode(bytes, endian: dump.endian, cpu: dump.cpu, os: dump.os)
            } catch {
                problems.append("context: \(error)")
            }
        }
    }

    /// The parameters the record says are in use.
    public var parameters: [UInt64] { Array(information.prefix(min(Int(numberParameters), Self.maxParameters))) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threadId, forKey: .threadId)
        try c.encode(formatHex(code), forKey: .code)
        try c.encode(formatHex(flags), forKey: .flags)
        try c.encode(formatHex(nestedRecord), forKey: .nestedRecord)
        try c.encode(formatHex(address), forKey: .address)
        try c.encode(numberParameters, forKey: .numberParameters)
        try c.encode(parameters.map { formatHex($0) }, forKey: .parameters)
        try c.encode(contextSize, forKey: .contextSize)
        try c.encode(formatHex(contextRva), forKey: .contextRva)
        try c.encodeIfPresent(context, forKey: .context)
        try c.encode(problems, forKey: .problems)
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        var fields: [(String, String)] = [
            ("thread_id", P.hex(threadId)),
            ("exception_record.exception_code", P.hex(code)),
            ("exception_record.exception_flags", P.hex(flags)),
            ("exception_record.exception_record", P.hex(nestedRecord)),
            ("exception_record.exception_address", P.hex(address)),
            ("exception_record.number_parameters", "\(numberParameters)"),
        ]
        for (i, value) in parameters.enumerated() {
            let index = i < 10 ? " \(i)" : "\(i)"
            fields.append(("exception_record.exception_information[\(index)]", P.hex(value)))
        }
        fields.append(("thread_context.data_size", "\(contextSize)"))
        fields.append(("thread_context.rva", P.hex(contextRva)))
        out.block("MDException", fields)
        if let context { out.context(context) } else { out.line("  (no context)"); out.line() }
    }
}
