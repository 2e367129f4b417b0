import CrashpipeCore

/// MDRawAssertionInfo (Breakpad stream 0x47670002): an assertion, invalid-parameter or
/// pure-virtual-call report the Breakpad or Crashpad client recorded instead of a crash.
///
/// Layout (776 bytes): expression, function and file as 128 UTF-16 units each (in the dump's
/// byte order, cut at the first NUL; a full-length one has no terminator), then u32 line and
/// u32 type (0 unknown, 1 invalid parameter, 2 pure virtual call). Breakpad requires exactly
/// 776 bytes; a longer stream is read with a warning, a shorter one is an error.
/// Fills `CrashReport.assertion`.
public struct AssertionInfoStream: MinidumpStream {
    public static let streamType = StreamType.assertionInfo
    static let size = 776
    static let stringUnits = 128

    public var expression: String
    public var function: String
    public var file: String
    public var line: UInt32
    public var type: UInt32
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        try data.check(offset: 0, size: Self.size, what: "assertion info")
        var r = dump.reader(data, context: "AssertionInfo stream")
        expression = try StreamStrings.fixedUTF16(&r, units: Self.stringUnits)
        function = try StreamStrings.fixedUTF16(&r, units: Self.stringUnits)
        file = try StreamStrings.fixedUTF16(&r, units: Self.stringUnits)
        line = try r.u32()
        type = try r.u32()
        warnings = data.count > Self.size ? ["stream has \(data.count) bytes, the assertion \(Self.size); the rest is ignored"] : []
    }

    /// "InvalidParameter", "PureVirtualCall", "Unknown", or the number for other values.
    public var typeName: String {
        switch type {
        case 0: return "Unknown"
        case 1: return "InvalidParameter"
        case 2: return "PureVirtualCall"
        default: return "\(type)"
        }
    }

    /// The Core model.
    public var assertion: CrashpipeCore.AssertionInfo {
        CrashpipeCore.AssertionInfo(expression: expression, function: function, file: file, line: line, type: typeName)
    }

    /// Breakpad's `MinidumpAssertion::Print`.
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MDAssertion", [
            (P.column("expression", 42), expression),
            (P.column("function", 42), function),
            (P.column("file", 42), file),
            (P.column("line", 42), "\(line)"),
            (P.column("type", 42), "\(type)"),
        ])
    }
}
