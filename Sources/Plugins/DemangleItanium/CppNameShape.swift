/// Finds the parts of a demangled C++ declaration (return type, qualified name, parameter list,
/// trailing qualifiers) by bracket structure, so shorter forms can drop some of them.
///
/// Brackets `()`, `<>`, `[]` and `{}` nest; `(anonymous namespace)`, lambda braces and
/// `operator()`/`operator<` names are recognized so their characters do not count as
/// structure.
enum CppNameShape {
    /// For every character, the bracket depth outside it (a closing bracket carries the
    /// depth outside its group). `<` opens a bracket only after a name (`vector<`), not as a
    /// comparison inside an expression (`{parm#1}<{parm#2}`); an unmatched `<` is dropped when
    /// its enclosing parenthesis closes. Operator names are skipped so `operator<` or
    /// `operator()` do not open brackets.
    static func depths(_ text: [Character]) -> [Int] {
        var stack: [Character] = []
        var result = [Int](repeating: 0, count: text.count)
        var i = 0
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == ">" || c == ":" }
        while i < text.count {
            if let length = operatorLength(text, at: i) {
                for j in i..<min(text.count, i + length) { result[j] = stack.count }
                i += length
                continue
            }
            let c = text[i]
            switch c {
            case "(", "[", "{":
                result[i] = stack.count
                stack.append(c)
            case "<" where i > 0 && isNameCharacter(text[i - 1]):
                result[i] = stack.count
                stack.append(c)
            case ">":
                if stack.last == "<" { stack.removeLast() }
                result[i] = stack.count
            case ")", "]", "}":
                let opener: Character = c == ")" ? "(" : c == "]" ? "[" : "{"
                while let top = stack.last, top == "<" { stack.removeLast() }
                if stack.last == opener { stack.removeLast() }
                result[i] = stack.count
            default:
                result[i] = stack.count
            }
            i += 1
        }
        return result
    }

    /// The length of an operator name starting at `i` ("operator()", "operator<<=", ...).
    static func operatorLength(_ text: [Character], at i: Int) -> Int? {
        let word = Array("operator")
        guard i + word.count <= text.count, Array(text[i..<(i + word.count)]) == word else { return nil }
        if i > 0, text[i - 1].isLetter || text[i - 1].isNumber || text[i - 1] == "_" { return nil }
        var j = i + word.count
        let symbols: Set<Character> = ["(", ")", "<", ">", "[", "]", "=", "!", "+", "-", "*", "/", "%", "^", "&", "|", "~", ",", "\""]
        // operator() and operator[] are complete two-character names.
        if j + 1 < text.count, (text[j] == "(" && text[j + 1] == ")") || (text[j] == "[" && text[j + 1] == "]") {
            return word.count + 2
        }
        while j < text.count, symbols.contains(text[j]) { j += 1 }
        return j - i
    }

    /// Drops a leading return type: text before the last top-level space that precedes the
    /// qualified name's final component and its parameter list. Names without one are returned
    /// unchanged.
    static func droppingReturnType(_ name: String) -> String {
        let text = Array(name)
        let depth = depths(text)
        guard let open = parameterListStart(text, depth) else { return name }
        // The last top-level space before the parameter list, unless it belongs to an operator
        // name ("operator new", "operator delete[]") or a conversion ("operator int").
        var i = open - 1
        while i >= 0 {
            if text[i] == " " && depth[i] == 0 && !isInsideOperatorName(text, spaceAt: i) {
                return String(text[(i + 1)...])
            }
            i -= 1
        }
        return name
    }

    /// Drops the function parameter list, keeping what follows it (`const`, `&&`, clone
    /// suffixes).
    static func droppingParameters(_ name: String) -> String {
        let text = Array(name)
        let depth = depths(text)
        guard let open = parameterListStart(text, depth), let close = matchingClose(text, depth, open) else { return name }
        return String(text[..<open]) + String(text[(close + 1)...])
    }

    /// The top-level `(` that opens the function's parameter list: the last top-level `(`
    /// group that is followed only by qualifiers (or nothing), not by `::` (a local name's
    /// enclosing function).
    static func parameterListStart(_ text: [Character], _ depth: [Int]) -> Int? {
        var candidate: Int?
        var i = 0
        while i < text.count {
            if text[i] == "(" && depth[i] == 0 && !isAnonymousNamespace(text, at: i) && !isOperatorCall(text, at: i) {
                if let close = matchingClose(text, depth, i) {
                    let rest = String(text[(close + 1)...])
                    if !rest.hasPrefix("::") { candidate = i }
                    i = close + 1
                    continue
                }
            }
            i += 1
        }
        return candidate
    }

    static func matchingClose(_ text: [Character], _ depth: [Int], _ open: Int) -> Int? {
        var i = open + 1
        while i < text.count {
            if text[i] == ")" && depth[i] == depth[open] { return i }
            i += 1
        }
        return nil
    }

    static func isAnonymousNamespace(_ text: [Character], at i: Int) -> Bool {
        let phrase = Array("(anonymous namespace)")
        return i + phrase.count <= text.count && Array(text[i..<(i + phrase.count)]) == phrase
    }

    /// Whether the `(` at `i` is the first character after "operator" in "operator()".
    static func isOperatorCall(_ text: [Character], at i: Int) -> Bool {
        i >= 8 && String(text[(i - 8)..<i]) == "operator" && i + 1 < text.count && text[i + 1] == ")"
    }

    /// Whether a space belongs to an operator name: "operator new", "operator delete[]",
    /// or a conversion operator's type ("operator unsigned long").
    static func isInsideOperatorName(_ text: [Character], spaceAt i: Int) -> Bool {
        var j = i - 1
        while j >= 0, text[j] != " ", text[j] != ":" { j -= 1 }
        let previous = String(text[(j + 1)..<i])
        if previous == "operator" { return true }
        // A conversion operator's type words: look back for "operator " before them.
        let before = String(text[..<i])
        if let range = before.range(of: "operator ", options: .backwards) {
            let between = before[range.upperBound...]
            return !between.contains("::") && !between.contains("(") && between.allSatisfy { $0.isLetter || $0 == " " || $0 == "_" }
        }
        return false
    }
}

import Foundation
