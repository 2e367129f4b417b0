/// Names of fields whose values are secret: a key matches when it contains one of the words,
/// ignoring ASCII case (`DB_PASSWORD`, `X-Auth-Token`, `sessionid`), as Sentry's
/// "sensitive fields" do.
public struct SensitiveKeys: Sendable, Hashable {
    /// Sentry's default scrubbed fields and the usual session and request-forgery names.
    public static let defaults = [
        "password", "passwd", "mysql_pwd", "passphrase", "secret", "api_key", "apikey", "api-key",
        "access_key", "accesskey", "token", "auth", "bearer", "jwt", "credential", "private_key",
        "privatekey", "private-key", "session", "cookie", "csrf", "xsrf",
    ]

    /// The words, lower case.
    public let words: [[UInt8]]

    /// The defaults plus `extra` (case and surrounding spaces ignored; empty words are left out).
    public init(extra: [String] = []) {
        words = (Self.defaults + extra).map { Array(trimmed($0).utf8).map(asciiLower) }.filter { !$0.isEmpty }
    }

    /// Whether `key` names a secret.
    public func matches(_ key: String) -> Bool {
        let lower = Array(key.utf8).map(asciiLower)
        return words.contains { lower.contains(word: $0) }
    }

    /// Where words occur in `lower` (already lower case): (start, end) pairs.
    func occurrences(in lower: [UInt8]) -> [(Int, Int)] {
        var found: [(Int, Int)] = []
        for word in words where lower.count >= word.count {
            var i = 0
            while i + word.count <= lower.count {
                if lower[i] == word[0], lower[i..<i + word.count].elementsEqual(word) {
                    found.append((i, i + word.count))
                }
                i += 1
            }
        }
        return found
    }
}

/// `text` without leading and trailing whitespace.
func trimmed(_ text: String) -> String {
    var slice = text[...]
    while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
    while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
    return String(slice)
}

/// ASCII lower case of one byte (other bytes unchanged, so positions stay the same).
@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
}

extension Array where Element == UInt8 {
    func contains(word: [UInt8]) -> Bool {
        guard !word.isEmpty, count >= word.count else { return word.isEmpty }
        var i = 0
        while i + word.count <= count {
            if self[i] == word[0], self[i..<i + word.count].elementsEqual(word) { return true }
            i += 1
        }
        return false
    }

    func hasPrefix(_ prefix: [UInt8], at index: Int) -> Bool {
        index >= 0 && index + prefix.count <= count && self[index..<index + prefix.count].elementsEqual(prefix)
    }
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
@inline(__always) func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a }
@inline(__always) func isWord(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) || b == UInt8(ascii: "_") || b >= 0x80 }
@inline(__always) func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
@inline(__always) func isSpace(_ b: UInt8) -> Bool {
    b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
}
