import CrashpipeCore

/// The text layer of a microdump: finding the BEGIN marker, removing logcat prefixes, and
/// reading the tokens of a record line as bytes (a microdump is ASCII apart from module names
/// and the OS and GPU strings, which are read as UTF-8).
///
/// Breakpad's microdump writer prints one record per line between the markers. On Android the
/// lines reach the reader through logcat, so each carries a prefix such as
/// `W/google-breakpad( 3745): ` (brief format) or `01-02 03:04:05.678  3745  3745 W
/// google-breakpad: ` (threadtime format), and lines of other processes may be interleaved.
enum MicrodumpText {
    static let begin = Array("-----BEGIN BREAKPAD MICRODUMP-----".utf8)
    static let end = Array("-----END BREAKPAD MICRODUMP-----".utf8)
    /// The log tag of Breakpad's writer; in logcat input, lines without it belong to others.
    static let tag = Array("google-breakpad".utf8)

    /// How far into the input `recognizes` looks for the BEGIN marker.
    static let sniffWindow = 64 * 1024

    /// Whether `bytes` hold a microdump: the BEGIN marker within the first 64 KiB with no NUL
    /// byte before it (so binary files, minidumps included, are never taken for text that
    /// happens to contain the marker).
    static func recognizes(_ bytes: ByteView) -> Bool {
        bytes.withUnsafeBytes { raw in
            let limit = min(raw.count, sniffWindow)
            guard limit >= begin.count else { return false }
            var i = 0
            while i + begin.count <= limit {
                let byte = raw[i]
                if byte == 0 { return false }
                if byte == begin[0], matches(raw, at: i, begin) { return true }
                i += 1
            }
            return false
        }
    }

    static func matches(_ raw: UnsafeRawBufferPointer, at offset: Int, _ pattern: [UInt8]) -> Bool {
        guard offset >= 0, offset + pattern.count <= raw.count else { return false }
        for (k, byte) in pattern.enumerated() where raw[offset + k] != byte { return false }
        return true
    }

    /// The first index at or after `from` (and before `to`) where `pattern` starts in `bytes`.
    static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        guard let first = pattern.first, to - from >= pattern.count else { return nil }
        var i = from
        while i + pattern.count <= to {
            if bytes[i] == first {
                var k = 1
                while k < pattern.count, bytes[i + k] == pattern[k] { k += 1 }
                if k == pattern.count { return i }
            }
            i += 1
        }
        return nil
    }
}

/// One line of the input: its 1-based number and the byte range of its text (without the
/// line break and a trailing carriage return, as adb's DOS-style logcat output has them).
struct InputLine {
    var number: Int
    var start: Int
    var end: Int
}

/// Splits the input into lines, lazily.
struct LineSplitter: Sequence, IteratorProtocol {
    let bytes: [UInt8]
    var position = 0
    var number = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func next() -> InputLine? {
        guard position < bytes.count else { return nil }
        let start = position
        var end = start
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        position = end + 1
        number += 1
        var textEnd = end
        if textEnd > start, bytes[textEnd - 1] == 0x0D { textEnd -= 1 }
        return InputLine(number: number, start: start, end: textEnd)
    }
}

/// How lines inside a microdump are unwrapped, decided by the BEGIN marker's line.
enum LinePrefix {
    /// The markers start their lines: every line is a record.
    case none
    /// The markers come after a logcat prefix. A line belongs to the microdump when it
    /// carries Breakpad's log tag (the record follows the first ": " after the tag) or starts
    /// with exactly the BEGIN line's prefix (a writer logging under another tag).
    case logcat(prefix: [UInt8], tagged: Bool)

    /// The prefix of the BEGIN line, which has the marker at `markerOffset`.
    init(bytes: [UInt8], line: InputLine, markerOffset: Int) {
        let prefix = Array(bytes[line.start..<markerOffset])
        if prefix.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            self = .none
        } else {
            let tagged = MicrodumpText.find(MicrodumpText.tag, in: prefix, from: 0, to: prefix.count) != nil
            self = .logcat(prefix: prefix, tagged: tagged)
        }
    }

    /// The start of the record text of `line`, or nil when the line is another log's.
    func contentStart(of line: InputLine, in bytes: [UInt8]) -> Int? {
        switch self {
        case .none:
            var i = line.start
            while i < line.end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            return i
        case .logcat(let prefix, let tagged):
            if line.end - line.start >= prefix.count, bytes[line.start..<(line.start + prefix.count)].elementsEqual(prefix) {
                return line.start + prefix.count
            }
            guard tagged, let tag = MicrodumpText.find(MicrodumpText.tag, in: bytes, from: line.start, to: line.end) else {
                return nil
            }
            var i = tag + MicrodumpText.tag.count
            while i + 1 < line.end, !(bytes[i] == 0x3A && bytes[i + 1] == 0x20) { i += 1 }
            guard i + 1 < line.end else {
                // "tag:" at the very end of the line: an empty record.
                return i < line.end && bytes[i] == 0x3A ? line.end : nil
            }
            return i + 2
        }
    }
}

/// A space-separated field of a record line.
struct Token {
    /// Byte range in the input.
    var start: Int
    var end: Int

    var count: Int { end - start }
}

extension [UInt8] {
    /// The fields of `start..<end`, split at spaces and tabs.
    func tokens(from start: Int, to end: Int) -> [Token] {
        var tokens: [Token] = []
        var i = start
        while i < end {
            while i < end, self[i] == 0x20 || self[i] == 0x09 { i += 1 }
            guard i < end else { break }
            let tokenStart = i
            while i < end, self[i] != 0x20, self[i] != 0x09 { i += 1 }
            tokens.append(Token(start: tokenStart, end: i))
        }
        return tokens
    }

    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: self[start..<end], as: UTF8.self)
    }

    func text(_ token: Token) -> String { text(token.start, token.end) }
}

/// The value of one hex digit, or nil.
@inline(__always)
func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: return byte &- 0x30
    case 0x41...0x46: return byte &- 0x37
    case 0x61...0x66: return byte &- 0x57
    default: return nil
    }
}
