import CrashpipeCore

// Mozilla's text streams, numbered as rust-minidump (minidump-common format.rs) numbers them:
// 0x4d7a0003 /proc/self/limits, 0x4d7a0004 soft errors (JSON).
// rust-minidump's linux-mini.dmp confirms 0x4d7a0004 holds the soft-errors JSON.

/// MOZ_SOFT_ERRORS (Mozilla stream 0x4d7a0004): the errors the minidump writer met but survived,
/// as a JSON array. Kept as text; crashpipe does not interpret it. Fills notes only.
public struct MozSoftErrors: MinidumpStream {
    public static let streamType = StreamType.mozSoftErrors

    public var json: String
    let data: ByteView

    enum CodingKeys: String, CodingKey { case json }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        json = StreamStrings.text(data)
    }

    /// In the style of Breakpad's raw streams (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) { out.rawStream("MOZ_SOFT_ERRORS", data) }
}

/// MOZ_LINUX_LIMITS (Mozilla stream 0x4d7a0003): /proc/self/limits, the process's resource
/// limits table. Kept as text (lines). Fills notes only.
public struct MozLinuxLimits: MinidumpStream {
    public static let streamType = StreamType.mozLinuxLimits

    public var lines: [String]
    let data: ByteView

    enum CodingKeys: String, CodingKey { case lines }

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        self.data = data
        lines = LinuxText.lines(StreamStrings.text(data)).filter { !$0.isEmpty }.map(String.init)
    }

    /// In the style of Breakpad's raw streams (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) { out.rawStream("MOZ_LINUX_LIMITS", data) }
}
