/// Cuts a demangled Swift name by its bracket structure: the return type after the argument
/// list, and the argument list itself.
enum SwiftNameShape {
    /// For each character, the bracket depth outside it. `->` does not close a bracket.
    static func depths(_ text: [Character]) -> [Int] {
        var depth = 0
        var result = [Int](repeating: 0, count: text.count)
        for i in text.indices {
            let c = text[i]
            if c == "(" || c == "<" || c == "[" {
                result[i] = depth
                depth += 1
            } else if c == ")" || c == "]" || (c == ">" && !(i > 0 && text[i - 1] == "-")) {
                depth = max(0, depth - 1)
                result[i] = depth
            } else {
                result[i] = depth
            }
        }
        return result
    }

    /// Drops every function type's result (`-> T`, at any depth) and the effects before it
    /// (`async`, `throws`, `throws(E)`, `rethrows`): Sentry's short Swift form shows argument
    /// types only.
    static func droppingReturnType(_ name: String) -> String {
        var text = Array(name)
        while let arrow = firstArrow(text) {
            let depth = depths(text)
            // The result type runs to the next comma at its depth or to the bracket that closes
            // the group around it (a closing bracket carries the depth outside it).
            // A closure's own type ends before " in " ("closure #1 (Int) -> () in f()").
            var end = arrow + 4
            while end < text.count {
                if depth[end] < depth[arrow] { break }
                if depth[end] == depth[arrow] && text[end] == "," { break }
                if depth[end] == 0 && end + 4 <= text.count && String(text[end..<(end + 4)]) == " in " { break }
                end += 1
            }
            var start = arrow
            let effects = [" async", " throws", " rethrows", " reasync"]
            var trimmed = true
            while trimmed {
                trimmed = false
                // A typed throw: " throws(E)".
                if start > 0, text[start - 1] == ")", let open = typedThrowsStart(text, before: start) {
                    start = open
                    trimmed = true
                }
                for effect in effects where start >= effect.count && String(text[(start - effect.count)..<start]) == effect {
                    start -= effect.count
                    trimmed = true
                }
            }
            text.removeSubrange(start..<end)
        }
        return String(text)
    }

    /// The position of the first ` -> `.
    static func firstArrow(_ text: [Character]) -> Int? {
        guard text.count >= 4 else { return nil }
        for i in 0...(text.count - 4) where text[i] == " " && text[i + 1] == "-" && text[i + 2] == ">" && text[i + 3] == " " {
            return i
        }
        return nil
    }

    /// For " throws(E)" ending just before `end`, the position of its leading space.
    static func typedThrowsStart(_ text: [Character], before end: Int) -> Int? {
        var depth = 0
        var i = end - 1
        while i >= 0 {
            if text[i] == ")" { depth += 1 } else if text[i] == "(" {
                depth -= 1
                if depth == 0 { break }
            }
            i -= 1
        }
        let word = Array(" throws")
        guard i >= word.count, Array(text[(i - word.count)..<i]) == word else { return nil }
        return i - word.count
    }

    /// Drops the final top-level argument list (`(a:b:)`, `(Int, String)`), keeping a
    /// trailing ` async`/` throws` if any.
    static func droppingArguments(_ name: String) -> String {
        let text = Array(name)
        let depth = depths(text)
        guard let close = text.indices.last(where: { text[$0] == ")" && depth[$0] == 0 }) else { return name }
        let tail = String(text[(close + 1)...])
        guard tail.isEmpty || tail.allSatisfy({ $0.isLetter || $0 == " " }) else { return name }
        var open = close - 1
        while open >= 0, !(text[open] == "(" && depth[open] == 0) { open -= 1 }
        guard open > 0 else { return name }
        return String(text[..<open]) + tail
    }
}
