import CrashpipeCore

/// CommentStreamA (stream 10): a free-text comment the dump's writer attached, as 8-bit text
/// ending at the first NUL (decoded as UTF-8, invalid bytes replaced). Fills notes only.
public struct CommentA: MinidumpStream {
    public static let streamType = StreamType.commentA

    public var comment: String

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        comment = StreamStrings.text(data)
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        out.block("MDRawCommentA", [("comment", DumpPrinter.quoted(comment))])
    }
}

/// CommentStreamW (stream 11): a free-text comment as UTF-16 in the dump's byte order, ending at
/// the first NUL unit or the end of the stream (a trailing odd byte is ignored). Fills notes only.
public struct CommentW: MinidumpStream {
    public static let streamType = StreamType.commentW

    public var comment: String

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        comment = StreamStrings.utf16(data, endian: dump.endian)
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        out.block("MDRawCommentW", [("comment", DumpPrinter.quoted(comment))])
    }
}
