/// Parsers for the header values the decoder reads: `Content-Type`, `Content-Encoding` and a
/// part's `Content-Disposition`.
enum HeaderValues {
    /// A parameterized header value: `type/subtype; name=value; name="quoted value"`.
    struct Parameterized {
        /// The value before the first `;`, lower-cased and trimmed.
        var value: String
        /// Parameters in order, names lower-cased, values unquoted.
        var parameters: [(name: String, value: String)]

        func parameter(_ name: String) -> String? {
            parameters.first { $0.name == name }?.value
        }
    }

    /// Parses `value; a=b; c="d;e"` (RFC 9110 §5.6.6): quoted strings may hold `;` and
    /// backslash escapes. Malformed parameters are skipped, never fatal.
    static func parameterized(_ text: String) -> Parameterized {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpaces() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        var head = String.UnicodeScalarView()
        while i < scalars.count, scalars[i] != ";" { head.append(scalars[i]); i += 1 }
        var parameters: [(name: String, value: String)] = []
        while i < scalars.count {
            i += 1  // ;
            skipSpaces()
            var name = String.UnicodeScalarView()
            while i < scalars.count, scalars[i] != "=", scalars[i] != ";" { name.append(scalars[i]); i += 1 }
            guard i < scalars.count, scalars[i] == "=" else { continue }
            i += 1
            skipSpaces()
            var value = String.UnicodeScalarView()
            if i < scalars.count, scalars[i] == "\"" {
                i += 1
                while i < scalars.count, scalars[i] != "\"" {
                    if scalars[i] == "\\", i + 1 < scalars.count { i += 1 }
                    value.append(scalars[i])
                    i += 1
                }
                if i < scalars.count { i += 1 }  // closing quote
                while i < scalars.count, scalars[i] != ";" { i += 1 }
            } else {
                while i < scalars.count, scalars[i] != ";" { value.append(scalars[i]); i += 1 }
            }
            let key = String(name).trimmingSpaces().lowercased()
            if !key.isEmpty {
                parameters.append((key, String(value).trimmingSpaces()))
            }
        }
        return Parameterized(value: String(head).trimmingSpaces().lowercased(), parameters: parameters)
    }

    /// The field name and file name of a `Content-Disposition: form-data; name="..."; filename="..."`
    /// header. `filename*=UTF-8''...` (RFC 5987) wins over `filename` when it decodes.
    static func disposition(_ text: String) -> (name: String?, fileName: String?) {
        let parsed = parameterized(text)
        var fileName = parsed.parameter("filename")
        if let extended = parsed.parameter("filename*"), let decoded = decodeExtended(extended) {
            fileName = decoded
        }
        return (parsed.parameter("name"), fileName)
    }

    /// Decodes an RFC 5987 `charset'language'percent-encoded` value (UTF-8 or ISO-8859-1).
    static func decodeExtended(_ text: String) -> String? {
        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        let charset = pieces[0].lowercased()
        var bytes: [UInt8] = []
        var utf8 = Array(pieces[2].utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%") {
                guard utf8.count >= 2, let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        switch charset {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    /// A boundary usable by the multipart parser: 1 to 200 printable ASCII characters (RFC 2046
    /// allows 70; some clients go past that), not ending in a space.
    static func isUsableBoundary(_ boundary: String) -> Bool {
        let bytes = Array(boundary.utf8)
        guard (1...200).contains(bytes.count), bytes.last != UInt8(ascii: " ") else { return false }
        return bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}

/// Short, printable renderings of untrusted names and bytes for error details.
enum Render {
    /// `name` quoted with backticks, cut to `limit` characters.
    static func name(_ name: String, limit: Int = 80) -> String {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        if cleaned.count <= limit { return "`\(cleaned)`" }
        return "`\(cleaned.prefix(limit))…` (\(name.utf8.count) bytes)"
    }

    /// The first bytes of `bytes` as hex with an ASCII rendering: `4D 5A 90 00 ("MZ..")`.
    static func bytes(_ bytes: some Collection<UInt8>, count: Int = 8) -> String {
        let head = Array(bytes.prefix(count))
        if head.isEmpty { return "nothing" }
        let hex = head.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        let ascii = String(head.map { (0x20..<0x7F).contains($0) && $0 != UInt8(ascii: "\"") ? Character(Unicode.Scalar($0)) : "." })
        return "\(hex) (\"\(ascii)\")"
    }

    /// A byte count with its binary-unit rendering: `41943040 bytes (40 MiB)`.
    static func size(_ n: Int) -> String {
        let units: [(Int, String)] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (scale, unit) in units where n >= scale {
            let tenths = Int(Double(n) / Double(scale) * 10)
            let text = tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
            return "\(n) bytes (\(text) \(unit))"
        }
        return n == 1 ? "1 byte" : "\(n) bytes"
    }
}
