/// Recognizes text that holds a secret whatever field it is in. A value that does is replaced
/// whole, as Sentry's scrubber does: a detector that found part of a secret cannot promise it
/// found all of it.
///
/// - `Bearer <token>` (any case, a token of 8 or more characters: not "the bearer of"), as sent
///   in `Authorization` headers and pasted into logs;
/// - `<sensitive key>=<value>` or `<sensitive key>: <value>` inside text: query strings
///   (`?token=abc`), command-line flags (`--api-key=abc`), headers (`Authorization: Basic ...`),
///   JSON or YAML fragments (`"password": "x"`); `name::` (a C++ scope) is not a pair;
/// - URLs with a password (`https://user:pass@host/`);
/// - payment card numbers: 13 to 19 digits, whole or in the printed groups (4-4-4-4, 4-6-5)
///   split by single spaces or dashes, not glued to letters, not starting with 0, passing the
///   Luhn check.
public enum SecretText {
    public static func containsSecret(_ text: [UInt8], keys: SensitiveKeys) -> Bool {
        // One pass decides which detectors can match at all: most values (paths, names,
        // versions) need none of them.
        var digits = 0
        var separator = false, at = false, letterB = false
        for byte in text {
            if isDigit(byte) {
                digits += 1
            } else if byte == UInt8(ascii: "=") || byte == UInt8(ascii: ":") {
                separator = true
            } else if byte == UInt8(ascii: "@") {
                at = true
            } else if byte | 0x20 == UInt8(ascii: "b") {
                letterB = true
            }
        }
        if digits >= 13, hasCardNumber(text) { return true }
        if at, separator, hasURLPassword(text) { return true }
        guard separator || letterB else { return false }
        let lower = text.map(asciiLower)
        return (letterB && hasBearerToken(lower)) || (separator && hasSensitivePair(lower, keys: keys))
    }

    static func hasBearerToken(_ lower: [UInt8]) -> Bool {
        let word = Array("bearer".utf8)
        var i = 0
        while i + word.count < lower.count {
            if lower.hasPrefix(word, at: i), i == 0 || !isWord(lower[i - 1]) {
                var j = i + word.count
                guard j < lower.count, isSpace(lower[j]) else { i += 1; continue }
                while j < lower.count, isSpace(lower[j]) { j += 1 }
                var length = 0
                while j + length < lower.count, isTokenByte(lower[j + length]) { length += 1 }
                if length >= 8 { return true }
            }
            i += 1
        }
        return false
    }

    static func isTokenByte(_ b: UInt8) -> Bool {
        isWord(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "~")
            || b == UInt8(ascii: "+") || b == UInt8(ascii: "/")
    }

    static func hasSensitivePair(_ lower: [UInt8], keys: SensitiveKeys) -> Bool {
        for (_, end) in keys.occurrences(in: lower) {
            var j = end
            // The rest of the key (`password_hash`, `x-auth-token`), a closing quote, spaces.
            while j < lower.count, isWord(lower[j]) || lower[j] == UInt8(ascii: "-") || lower[j] == UInt8(ascii: ".") {
                j += 1
            }
            if j < lower.count, lower[j] == UInt8(ascii: "\"") || lower[j] == UInt8(ascii: "'") { j += 1 }
            while j < lower.count, lower[j] == UInt8(ascii: " ") || lower[j] == UInt8(ascii: "\t") { j += 1 }
            guard j < lower.count, lower[j] == UInt8(ascii: "=") || lower[j] == UInt8(ascii: ":") else { continue }
            if lower[j] == UInt8(ascii: ":"), j + 1 < lower.count, lower[j + 1] == UInt8(ascii: ":") { continue }
            j += 1
            while j < lower.count, isSpace(lower[j]) || lower[j] == UInt8(ascii: "\"") || lower[j] == UInt8(ascii: "'") {
                j += 1
            }
            if j < lower.count, !",;&}]".utf8.contains(lower[j]) { return true }
        }
        return false
    }

    static func hasURLPassword(_ text: [UInt8]) -> Bool {
        let scheme = Array("://".utf8)
        var i = 0
        while i + scheme.count < text.count {
            if text.hasPrefix(scheme, at: i) {
                var j = i + scheme.count
                var colon = false
                while j < text.count, !isSpace(text[j]), text[j] != UInt8(ascii: "/") {
                    if text[j] == UInt8(ascii: ":") { colon = true }
                    if text[j] == UInt8(ascii: "@") { if colon { return true } else { break } }
                    j += 1
                }
                i = j
            } else {
                i += 1
            }
        }
        return false
    }

    static func hasCardNumber(_ text: [UInt8]) -> Bool {
        var i = 0
        while i < text.count {
            guard isDigit(text[i]), i == 0 || !(isWord(text[i - 1])) else { i += 1; continue }
            // Groups of digits joined by single spaces or dashes.
            var groups: [[UInt8]] = []
            var current: [UInt8] = []
            var j = i
            while j < text.count {
                if isDigit(text[j]) {
                    current.append(text[j])
                    j += 1
                } else if text[j] == UInt8(ascii: " ") || text[j] == UInt8(ascii: "-"),
                          j + 1 < text.count, isDigit(text[j + 1]) {
                    groups.append(current)
                    current = []
                    j += 1
                } else {
                    break
                }
            }
            groups.append(current)
            // A last group glued to a letter is part of a word, not of a number.
            if j < text.count, isWord(text[j]) { groups.removeLast() }
            if containsCard(groups) { return true }
            i = max(j, i + 1)
        }
        return false
    }

    /// Whether some run of consecutive groups looks like a card number: one group of 13...19
    /// digits, or a group of 4 followed by groups of 3 to 6 (4-4-4-4, Amex's 4-6-5, 4-4-4-4-3),
    /// 13...19 digits in all, not starting with 0 (no card does; zero-padded hex does), and
    /// passing the Luhn check.
    static func containsCard(_ groups: [[UInt8]]) -> Bool {
        for start in groups.indices where groups[start].first != UInt8(ascii: "0") {
            let first = groups[start]
            if (13...19).contains(first.count), luhn(first) { return true }
            guard first.count == 4 else { continue }
            var digits = first
            for group in groups[(start + 1)...] {
                guard (3...6).contains(group.count) else { break }
                digits += group
                if digits.count > 19 { break }
                if digits.count >= 13, luhn(digits) { return true }
            }
        }
        return false
    }

    /// The Luhn checksum of ASCII digits.
    public static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var d = Int(byte - 0x30)
            if position % 2 == 1 {
                d *= 2
                if d > 9 { d -= 9 }
            }
            sum += d
        }
        return sum % 10 == 0
    }
}
