// Reading the fields of one line of a `.sym` file straight from the mapped bytes: numbers are
// parsed from bytes, text fields become byte ranges, nothing is copied.
//
// Fields are separated by runs of spaces (Breakpad's tokenizer splits on ' ' only, so a tab is
// part of a name). A number must be followed by a space or the end of the line, as Breakpad's
// `IsValidAfterNumber` requires.

/// Why one line of a symbol file was rejected: which field, and what was wrong with it.
struct RecordProblem: Error {
    enum Kind {
        case missing, malformed, tooLarge
        /// `field` is the whole message.
        case message
    }

    var field: StaticString
    var kind: Kind

    init(_ field: StaticString, _ kind: Kind) {
        self.field = field
        self.kind = kind
    }

    /// A problem described by `message` alone.
    static func because(_ message: StaticString) -> RecordProblem { RecordProblem(message, .message) }

    var reason: String {
        switch kind {
        case .missing: return "\(field) is missing"
        case .malformed: return "\(field) is malformed"
        case .tooLarge: return "\(field) is too large"
        case .message: return "\(field)"
        }
    }
}

/// A read position within one line (`position ..< end` of `bytes`). The line excludes its
/// terminator and any trailing carriage returns.
struct LineCursor {
    let bytes: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    static let space: UInt8 = 0x20

    @inline(__always) var isAtEnd: Bool { position >= end }

    @inline(__always) mutating func skipSpaces() {
        while position < end && bytes[position] == Self.space { position &+= 1 }
    }

    /// Whether the line continues with `literal` at the current position.
    @inline(__always) func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - position >= count else { return false }
        let text = literal.utf8Start
        for i in 0..<count where bytes[position &+ i] != text[i] { return false }
        return true
    }

    /// Consumes `word` when it is the next field (followed by a space or the end of the line).
    @inline(__always) mutating func consumeWord(_ word: StaticString) -> Bool {
        guard matches(word) else { return false }
        let after = position &+ word.utf8CodeUnitCount
        guard after == end || bytes[after] == Self.space else { return false }
        position = after
        return true
    }

    /// Checks that a number ended at a field boundary.
    @inline(__always) private func boundary(_ field: StaticString) throws(RecordProblem) {
        if position < end && bytes[position] != Self.space { throw RecordProblem(field, .malformed) }
    }

    /// A hexadecimal field (no `0x` prefix, either case), at most `limit`.
    @inline(__always)
    mutating func hex(_ field: StaticString, limit: UInt64 = .max) throws(RecordProblem) -> UInt64 {
        skipSpaces()
        guard position < end else { throw RecordProblem(field, .missing) }
        let start = position
        var p = position
        while p < end && bytes[p] == 0x30 { p &+= 1 }
        let significantStart = p
        var value: UInt64 = 0
        while p < end {
            let c = bytes[p]
            var digit = c &- 0x30
            if digit >= 10 {
                digit = (c | 0x20) &- 0x61
                guard digit < 6 else { break }
                digit &+= 10
            }
            value = value &<< 4 | UInt64(digit)
            p &+= 1
        }
        position = p
        guard p > start else { throw RecordProblem(field, .malformed) }
        try boundary(field)
        guard p - significantStart <= 16, value <= limit else { throw RecordProblem(field, .tooLarge) }
        return value
    }

    /// A non-negative decimal field, at most `limit`.
    @inline(__always)
    mutating func decimal(_ field: StaticString, limit: UInt64 = UInt64(UInt32.max)) throws(RecordProblem) -> UInt64 {
        skipSpaces()
        guard position < end else { throw RecordProblem(field, .missing) }
        let start = position
        var p = position
        var value: UInt64 = 0
        var overflow = false
        while p < end {
            let digit = bytes[p] &- 0x30
            guard digit < 10 else { break }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            overflow = overflow || o1 || o2
            value = sum
            p &+= 1
        }
        position = p
        guard p > start else { throw RecordProblem(field, .malformed) }
        try boundary(field)
        guard !overflow, value <= limit else { throw RecordProblem(field, .tooLarge) }
        return value
    }

    /// A `FILE` id that may be `-1` (no file): nil for -1.
    @inline(__always)
    mutating func optionalFileId(_ field: StaticString) throws(RecordProblem) -> UInt32? {
        skipSpaces()
        if matches("-1"), position + 2 == end || bytes[position + 2] == Self.space {
            position += 2
            return nil
        }
        return UInt32(try decimal(field, limit: UInt64(UInt32.max - 1)))
    }

    /// One field of non-space bytes.
    @inline(__always)
    mutating func word(_ field: StaticString) throws(RecordProblem) -> TextRange {
        skipSpaces()
        guard position < end else { throw RecordProblem(field, .missing) }
        let start = position
        while position < end && bytes[position] != Self.space { position &+= 1 }
        return TextRange(offset: start, length: UInt32(clamping: position - start))
    }

    /// The rest of the line after any spaces (a name, a path, a rule list), kept verbatim.
    @inline(__always)
    mutating func rest(_ field: StaticString) throws(RecordProblem) -> TextRange {
        skipSpaces()
        guard position < end else { throw RecordProblem(field, .missing) }
        guard end - position <= Int(UInt32.max) else { throw RecordProblem(field, .tooLarge) }
        let range = TextRange(offset: position, length: UInt32(end - position))
        position = end
        return range
    }

    /// The number of space-separated fields from the current position to the end of the line.
    func remainingFieldCount() -> Int {
        var count = 0
        var p = position
        var inField = false
        while p < end {
            let isSpace = bytes[p] == Self.space
            if !isSpace && !inField { count &+= 1 }
            inField = !isSpace
            p &+= 1
        }
        return count
    }

    /// Whether the next field is a (possibly negative) integer that does not end the line: how
    /// the old `INLINE_ORIGIN <id> <file id> <name>` syntax is told from `INLINE_ORIGIN <id> <name>`.
    func nextFieldIsNumberFollowedByMore() -> Bool {
        var p = position
        while p < end && bytes[p] == Self.space { p &+= 1 }
        if p < end && bytes[p] == 0x2d { p &+= 1 }
        let digitsStart = p
        while p < end && bytes[p] &- 0x30 < 10 { p &+= 1 }
        guard p > digitsStart, p < end, bytes[p] == Self.space else { return false }
        while p < end && bytes[p] == Self.space { p &+= 1 }
        return p < end
    }
}
