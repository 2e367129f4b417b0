/// Byte-level reading of Breakpad's postfix text: the one tokenizer behind
/// ``PostfixExpression/init(parsing:)`` and ``CallFrameRules``. Symbol readers call it straight
/// on mapped file bytes, so no `String` is made for rules that are never used.
///
/// Words are split on spaces, tabs, carriage returns and newlines. Operators are the single
/// characters `+ - * / % @ ^ =`; an `=` glued to the front of a word (`=$eip`, written by some
/// PDB converters) is an assignment followed by the rest of the word. Numbers are decimal,
/// `0x` hex, or `-` followed by decimal digits (wrapping, as Breakpad's `-8` does); any other
/// word is a name (bytes outside ASCII are kept, decoded as UTF-8).
public enum PostfixText {
    /// The tokens of `text`; nil when there are none.
    public static func tokens(_ text: UnsafeRawBufferPointer) -> [PostfixExpression.Token]? {
        var tokens: [PostfixExpression.Token] = []
        var i = 0
        while let word = nextWord(text, from: &i) { appendTokens(of: text, word, to: &tokens) }
        return tokens.isEmpty ? nil : tokens
    }

    /// Parses a rule list (`.cfa: $rsp 8 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^`), adding its
    /// rules to `rules` (later rules for a register replace earlier ones). Returns false, and
    /// leaves `rules` unchanged, for a malformed list: tokens before the first name, a name
    /// without tokens, or no rule at all.
    public static func parseRules(_ text: UnsafeRawBufferPointer, into rules: inout [String: PostfixExpression]) -> Bool {
        var parsed: [(String, PostfixExpression)] = []
        var name: String?
        var tokens: [PostfixExpression.Token] = []
        var i = 0
        while let word = nextWord(text, from: &i) {
            if word.count > 1, text[word.upperBound - 1] == UInt8(ascii: ":") {
                if let name {
                    guard !tokens.isEmpty else { return false }
                    parsed.append((name, PostfixExpression(tokens: tokens)))
                }
                name = string(text, word.lowerBound..<(word.upperBound - 1))
                tokens = []
            } else {
                guard name != nil else { return false }
                appendTokens(of: text, word, to: &tokens)
            }
        }
        guard let name, !tokens.isEmpty else { return false }
        parsed.append((name, PostfixExpression(tokens: tokens)))
        for (register, expression) in parsed { rules[register] = expression }
        return true
    }

    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// The next word at or after `i`, moving `i` past it.
    static func nextWord(_ text: UnsafeRawBufferPointer, from i: inout Int) -> Range<Int>? {
        let n = text.count
        while i < n, isSeparator(text[i]) { i += 1 }
        guard i < n else { return nil }
        let start = i
        while i < n, !isSeparator(text[i]) { i += 1 }
        return start..<i
    }

    static func string(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: text[range]), as: UTF8.self)
    }

    static func appendTokens(of text: UnsafeRawBufferPointer, _ word: Range<Int>, to tokens: inout [PostfixExpression.Token]) {
        var start = word.lowerBound
        let end = word.upperBound
        if end - start > 1, text[start] == UInt8(ascii: "=") {
            tokens.append(.assign)
            start += 1
        }
        if end - start == 1, let token = operatorToken(text[start]) {
            tokens.append(token)
            return
        }
        let first = text[start]
        if first == UInt8(ascii: "-"), let magnitude = number(text, (start + 1)..<end, radix: 10) {
            tokens.append(.number(0 &- magnitude))
        } else if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
            let isHex = end - start > 2 && first == UInt8(ascii: "0") && text[start + 1] | 0x20 == UInt8(ascii: "x")
            let value = isHex ? number(text, (start + 2)..<end, radix: 16) : number(text, start..<end, radix: 10)
            tokens.append(value.map { .number($0) } ?? .name(string(text, start..<end)))
        } else {
            tokens.append(.name(string(text, start..<end)))
        }
    }

    static func operatorToken(_ byte: UInt8) -> PostfixExpression.Token? {
        switch byte {
        case UInt8(ascii: "+"): return .add
        case UInt8(ascii: "-"): return .subtract
        case UInt8(ascii: "*"): return .multiply
        case UInt8(ascii: "/"): return .divide
        case UInt8(ascii: "%"): return .remainder
        case UInt8(ascii: "@"): return .align
        case UInt8(ascii: "^"): return .dereference
        case UInt8(ascii: "="): return .assign
        default: return nil
        }
    }

    /// All of `range` as digits of `radix`; nil when empty, not all digits, or too large.
    static func number(_ text: UnsafeRawBufferPointer, _ range: Range<Int>, radix: UInt64) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for i in range {
            let c = text[i]
            var digit = UInt64(c &- 0x30)
            if c &- 0x30 >= 10 {
                guard radix == 16, (c | 0x20) &- 0x61 < 6 else { return nil }
                digit = UInt64((c | 0x20) &- 0x61) + 10
            }
            let (times, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }
}
