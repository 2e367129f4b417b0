/// Cuts a demangled Swift name by its bracket structure: the return type after the argument
/// list, and the argument list itself. Works on UTF-8 bytes (every structural character is
/// ASCII).
enum SwiftNameShape {
    typealias Bytes = [UInt8]

    static func byte(_ c: Unicode.Scalar) -> UInt8 { UInt8(c.value) }

    /// For each byte, the bracket depth outside it. `->` does not close a bracket.
    static func depths(_ text: Bytes) -> [Int32] {
        var depth: Int32 = 0
        var result = [Int32](repeating: 0, count: text.count)
        for i in text.indices {
            let c = text[i]
            if c == byte("(") || c == byte("<") || c == byte("[") {
                result[i] = depth
                depth += 1
            } else if c == byte(")") || c == byte("]") || (c == byte(">") && !(i > 0 && text[i - 1] == byte("-"))) {
                depth = max(0, depth - 1)
                result[i] = depth
            } else {
                result[i] = depth
            }
        }
        return result
    }

    static func matches(_ text: Bytes, at i: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i >= 0, i + count <= text.count else { return false }
        return word.withUTF8Buffer { buffer in
            for k in 0..<count where text[i + k] != buffer[k] { return false }
            return true
        }
    }

    static let effects: [StaticString] = [" async", " throws", " rethrows", " reasync"]

    /// Drops every function type's result (`-> T`, at any depth) and the effects before it
    /// (`async`, `throws`, `throws(E)`, `rethrows`): Sentry's short Swift form shows argument
    /// types only.
    static func droppingReturnType(_ name: String) -> String {
        var text = Array(name.utf8)
        guard firstArrow(text) != nil else { return name }
        while let arrow = firstArrow(text) {
            let depth = depths(text)
            // The result type runs to the next comma at its depth or to the bracket that closes
            // the group around it (a closing bracket carries the depth outside it).
            // A closure's own type ends before " in " ("closure #1 (Int) -> () in f()").
            var end = arrow + 4
            while end < text.count {
                if depth[end] < depth[arrow] { break }
                if depth[end] == depth[arrow] && text[end] == byte(",") { break }
                if depth[end] == 0 && matches(text, at: end, " in ") { break }
                end += 1
            }
            var start = arrow
            var trimmed = true
            while trimmed {
                trimmed = false
                // A typed throw: " throws(E)".
                if start > 0, text[start - 1] == byte(")"), let open = typedThrowsStart(text, before: start) {
                    start = open
                    trimmed = true
                }
                for effect in effects where matches(text, at: start - effect.utf8CodeUnitCount, effect) {
                    start -= effect.utf8CodeUnitCount
                    trimmed = true
                }
            }
            text.removeSubrange(start..<end)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The position of the first ` -> `.
    static func firstArrow(_ text: Bytes) -> Int? {
        guard text.count >= 4 else { return nil }
        for i in 0...(text.count - 4)
        where text[i] == byte(" ") && text[i + 1] == byte("-") && text[i + 2] == byte(">") && text[i + 3] == byte(" ") {
            return i
        }
        return nil
    }

    /// For " throws(E)" ending just before `end`, the position of its leading space.
    static func typedThrowsStart(_ text: Bytes, before end: Int) -> Int? {
        var depth = 0
        var i = end - 1
        while i >= 0 {
            if text[i] == byte(")") { depth += 1 } else if text[i] == byte("(") {
                depth -= 1
                if depth == 0 { break }
            }
            i -= 1
        }
        guard matches(text, at: i - 7, " throws") else { return nil }
        return i - 7
    }

    /// Drops the final top-level argument list (`(a:b:)`, `(Int, String)`), keeping a
    /// trailing ` async`/` throws` if any.
    static func droppingArguments(_ name: String) -> String {
        let text = Array(name.utf8)
        let depth = depths(text)
        guard let close = text.indices.last(where: { text[$0] == byte(")") && depth[$0] == 0 }) else { return name }
        let tail = text[(close + 1)...]
        guard tail.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 >= 0x80 || $0 == byte(" ") }) else {
            return name
        }
        var open = close - 1
        while open >= 0, !(text[open] == byte("(") && depth[open] == 0) { open -= 1 }
        guard open > 0 else { return name }
        return String(decoding: text[..<open] + tail, as: UTF8.self)
    }
}
