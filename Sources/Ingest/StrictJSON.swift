import CrashpipeCore

/// A strict JSON (RFC 8259) reader and writer for untrusted input: the `sentry` form fields.
///
/// Reading keeps the key order of objects (a repeated key keeps its first position and takes its
/// last value, as JavaScript and serde_json do), keeps integers that fit in 64 bits exact, and
/// rejects anything RFC 8259 does not allow: trailing garbage, comments, trailing commas, single
/// quotes, control characters in strings, lone surrogates, invalid UTF-8, leading zeros, `NaN`
/// and numbers too large for a double. Nesting is limited (`maxDepth`), so hostile input cannot
/// exhaust the stack.
public enum StrictJSON {
    /// Why a text is not accepted, and where.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The byte offset in the input where the problem was found.
        public var offset: Int
        public var message: String
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Parses one JSON value (any kind) that fills `bytes` apart from surrounding whitespace.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(Error) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(Error) -> JSONValue in
            var reader = Reader(bytes: buffer, maxDepth: maxDepth)
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            if reader.position < buffer.count {
                throw reader.failure("unexpected \(reader.describeCurrent()) after the JSON value")
            }
            return value
        }
    }

    /// Parses `text` as one JSON value.
    public static func parse(_ text: String, maxDepth: Int = 64) throws(Error) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Compact JSON text for `value`, keys in their order, non-ASCII characters as they are.
    public static func serialize(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(.towardZero), abs(d) < 1e15 { out += String(Int64(d)) + ".0" } else { out += "\(d)" }
            } else {
                out += "null"
            }
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            var first = true
            for (key, item) in object {
                if !first { out += "," }
                first = false
                writeString(key, to: &out)
                out += ":"
                write(item, to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func failure(_ message: String, at offset: Int? = nil) -> Error {
            Error(offset: offset ?? position, message: message)
        }

        func describeCurrent() -> String {
            guard position < bytes.count else { return "end of input" }
            let b = bytes[position]
            if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
            return "byte 0x" + String(b, radix: 16, uppercase: true)
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Error) -> JSONValue {
            guard position < bytes.count else { throw failure("expected a JSON value but found the end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("expected a JSON value but found \(describeCurrent())")
            }
        }

        mutating func literal(_ word: StaticString) throws(Error) {
            let start = position
            let count = word.utf8CodeUnitCount
            guard bytes.count - position >= count else { throw failure("invalid literal", at: start) }
            for i in 0..<count where bytes[position + i] != word.utf8Start[i] {
                throw failure("invalid literal", at: start)
            }
            position += count
        }

        mutating func enter(_ depth: Int) throws(Error) {
            if depth > maxDepth { throw failure("nesting deeper than \(maxDepth) levels") }
        }

        mutating func object(depth: Int) throws(Error) -> JSONValue {
            try enter(depth)
            position += 1  // {
            var object = JSONObject()
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw failure("expected a string key but found \(describeCurrent())")
                }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw failure("expected ':' after an object key but found \(describeCurrent())")
                }
                position += 1
                skipWhitespace()
                object[key] = try value(depth: depth)
                skipWhitespace()
                guard position < bytes.count else { throw failure("unterminated object: expected ',' or '}' but found the end of input") }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(object)
                default: throw failure("expected ',' or '}' in an object but found \(describeCurrent())")
                }
            }
        }

        mutating func array(depth: Int) throws(Error) -> JSONValue {
            try enter(depth)
            position += 1  // [
            var items: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard position < bytes.count else { throw failure("unterminated array: expected ',' or ']' but found the end of input") }
                switch bytes[position] {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(items)
                default: throw failure("expected ',' or ']' in an array but found \(describeCurrent())")
                }
            }
        }

        mutating func hex4() throws(Error) -> UInt32 {
            guard bytes.count - position >= 4 else { throw failure("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: throw failure("invalid hex digit in a \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        mutating func string() throws(Error) -> String {
            let start = position
            position += 1  // opening quote
            var scalars = String.UnicodeScalarView()
            var runStart = position
            func flushRun(_ end: Int, into scalars: inout String.UnicodeScalarView) throws(Error) {
                guard end > runStart else { return }
                guard let run = String(validating: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", at: runStart)
                }
                scalars.append(contentsOf: run.unicodeScalars)
            }
            while true {
                guard position < bytes.count else { throw failure("unterminated string", at: start) }
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    try flushRun(position, into: &scalars)
                    position += 1
                    return String(scalars)
                }
                if b < 0x20 { throw failure("unescaped control character 0x\(String(b, radix: 16, uppercase: true)) in a string") }
                if b != UInt8(ascii: "\\") {
                    position += 1
                    continue
                }
                try flushRun(position, into: &scalars)
                position += 1
                guard position < bytes.count else { throw failure("unterminated string", at: start) }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let escapeStart = position - 2
                    let unit = try hex4()
                    if (0xD800...0xDBFF).contains(unit) {
                        guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u") else {
                            throw failure("lone high surrogate in a \\u escape", at: escapeStart)
                        }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw failure("high surrogate not followed by a low surrogate", at: escapeStart)
                        }
                        scalars.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        throw failure("lone low surrogate in a \\u escape", at: escapeStart)
                    } else {
                        scalars.append(Unicode.Scalar(unit)!)
                    }
                default:
                    throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))' in a string", at: position - 2)
                }
                runStart = position
            }
        }

        mutating func number() throws(Error) -> JSONValue {
            let start = position
            var isInteger = true
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ reader: inout Reader) -> Int {
                let from = reader.position
                while reader.position < reader.bytes.count,
                      (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(reader.bytes[reader.position]) {
                    reader.position += 1
                }
                return reader.position - from
            }
            let intStart = position
            let intDigits = digits(&self)
            if intDigits == 0 { throw failure("expected a digit in a number", at: position) }
            if intDigits > 1, bytes[intStart] == UInt8(ascii: "0") { throw failure("leading zero in a number", at: intStart) }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                if digits(&self) == 0 { throw failure("expected a digit after '.' in a number") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                if digits(&self) == 0 { throw failure("expected a digit in the exponent of a number") }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if isInteger, let int = Int64(text) { return .int(int) }
            guard let double = Double(text), double.isFinite else {
                throw failure("number out of range", at: start)
            }
            return .double(double)
        }
    }
}
