import CrashpipeCore

/// Reads a STACK CFI rule list (`.cfa: $rsp 8 + .ra: .cfa -8 + ^`) straight from the file's
/// bytes into ``CallFrameRules`` form, without making a `String` of the text first.
///
/// It gives exactly what Core's `CallFrameRules(parsing:)` / `apply(_:)` give (the tests compare
/// the two on every rule text of the fixtures): words are split on spaces, tabs and carriage
/// returns; a word of two or more characters ending in `:` names a register; operators are the
/// single characters `+ - * / % @ ^ =`; an `=` glued to the front of a word is an assignment;
/// numbers are decimal, `0x` hex or `-` decimal (wrapping); any other word is a name. Text it
/// is not sure about (bytes outside ASCII, signs inside numbers) it leaves to Core: `nil`.
enum CFIRuleText {
    /// Parses `text`, adding its rules to `rules` (later rules for a register replace earlier
    /// ones). Returns false for a malformed list (and leaves `rules` unchanged), nil when Core's
    /// parser must decide.
    static func parse(_ text: UnsafeRawBufferPointer, into rules: inout [String: PostfixExpression]) -> Bool? {
        var parsed: [(String, PostfixExpression)] = []
        var name: String?
        var tokens: [PostfixExpression.Token] = []
        var i = 0
        let n = text.count
        while true {
            while i < n, isSeparator(text[i]) { i += 1 }
            guard i < n else { break }
            let start = i
            while i < n, !isSeparator(text[i]) {
                guard text[i] < 0x80 else { return nil }
                i += 1
            }
            if i - start > 1, text[i - 1] == UInt8(ascii: ":") {
                if let name {
                    guard !tokens.isEmpty else { return false }
                    parsed.append((name, PostfixExpression(tokens: tokens)))
                }
                name = string(text, start..<(i - 1))
                tokens = []
            } else {
                guard name != nil else { return false }
                guard appendTokens(of: text, start..<i, to: &tokens) else { return nil }
            }
        }
        guard let name, !tokens.isEmpty else { return false }
        parsed.append((name, PostfixExpression(tokens: tokens)))
        for (register, expression) in parsed { rules[register] = expression }
        return true
    }

    @inline(__always) static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    static func string(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: text[range]), as: UTF8.self)
    }

    /// The tokens of one word; false when Core must decide.
    static func appendTokens(of text: UnsafeRawBufferPointer, _ word: Range<Int>,
                             to tokens: inout [PostfixExpression.Token]) -> Bool {
        var start = word.lowerBound
        if word.count > 1, text[start] == UInt8(ascii: "=") {
            tokens.append(.assign)
            start += 1
        }
        let end = word.upperBound
        if end - start == 1, let token = operatorToken(text[start]) {
            tokens.append(token)
            return true
        }
        let first = text[start]
        if first == UInt8(ascii: "-") {
            // "-8": a wrapping negative number; "-+8" is for Core.
            guard end - start > 1 else { tokens.append(.name("-")); return true }
            if text[start + 1] == UInt8(ascii: "+") || text[start + 1] == UInt8(ascii: "-") { return false }
            if let magnitude = number(text, (start + 1)..<end, radix: 10) {
                tokens.append(.number(0 &- magnitude))
            } else {
                tokens.append(.name(string(text, start..<end)))
            }
            return true
        }
        if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") {
            let isHex = end - start >= 2 && first == UInt8(ascii: "0")
                && (text[start + 1] == UInt8(ascii: "x") || text[start + 1] == UInt8(ascii: "X"))
            if isHex, end - start > 2, text[start + 2] == UInt8(ascii: "+") || text[start + 2] == UInt8(ascii: "-") {
                return false
            }
            let value = isHex ? number(text, (start + 2)..<end, radix: 16) : number(text, start..<end, radix: 10)
            tokens.append(value.map { .number($0) } ?? .name(string(text, start..<end)))
            return true
        }
        tokens.append(.name(string(text, start..<end)))
        return true
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
