/// Finds the parts of a demangled C++ declaration (return type, qualified name, parameter list,
/// trailing qualifiers) by bracket structure, so shorter forms can drop some of them.
///
/// Brackets `()`, `<>`, `[]` and `{}` nest; `(anonymous namespace)`, lambda braces and
/// `operator()`/`operator<` names are recognized so their characters do not count as
/// structure. Works on UTF-8 bytes: every structural character is ASCII.
enum CppNameShape {
    typealias Bytes = [UInt8]

    static func byte(_ c: Unicode.Scalar) -> UInt8 { UInt8(c.value) }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
    }

    /// For every byte, the bracket depth outside it (a closing bracket carries the depth
    /// outside its group). `<` opens a bracket only after a name (`vector<`), not as a
    /// comparison inside an expression (`{parm#1}<{parm#2}`); an unmatched `<` is dropped when
    /// its enclosing parenthesis closes. Operator names are skipped so `operator<` or
    /// `operator()` do not open brackets.
    static func depths(_ text: Bytes) -> [Int32] {
        var stack: [UInt8] = []
        var result = [Int32](repeating: 0, count: text.count)
        var i = 0
        func isNameByte(_ b: UInt8) -> Bool { isWordByte(b) || b == byte(">") || b == byte(":") }
        while i < text.count {
            let c = text[i]
            if c == byte("o"), let length = operatorLength(text, at: i) {
                for j in i..<min(text.count, i + length) { result[j] = Int32(stack.count) }
                i += length
                continue
            }
            switch c {
            case byte("("), byte("["), byte("{"):
                result[i] = Int32(stack.count)
                stack.append(c)
            case byte("<") where i > 0 && isNameByte(text[i - 1]):
                result[i] = Int32(stack.count)
                stack.append(c)
            case byte(">"):
                if stack.last == byte("<") { stack.removeLast() }
                result[i] = Int32(stack.count)
            case byte(")"), byte("]"), byte("}"):
                let opener = c == byte(")") ? byte("(") : c == byte("]") ? byte("[") : byte("{")
                while let top = stack.last, top == byte("<") { stack.removeLast() }
                if stack.last == opener { stack.removeLast() }
                result[i] = Int32(stack.count)
            default:
                result[i] = Int32(stack.count)
            }
            i += 1
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

    static let operatorSymbols: Set<UInt8> = Set("()<>[]=!+-*/%^&|~,\"".utf8)

    /// The length of an operator name starting at `i` ("operator()", "operator<<=", ...).
    static func operatorLength(_ text: Bytes, at i: Int) -> Int? {
        guard matches(text, at: i, "operator") else { return nil }
        if i > 0, isWordByte(text[i - 1]) { return nil }
        var j = i + 8
        // operator() and operator[] are complete two-character names.
        if j + 1 < text.count, (text[j] == byte("(") && text[j + 1] == byte(")")) || (text[j] == byte("[") && text[j + 1] == byte("]")) {
            return 10
        }
        while j < text.count, operatorSymbols.contains(text[j]) { j += 1 }
        return j - i
    }

    /// Drops a leading return type: text before the last top-level space that precedes the
    /// qualified name's final component and its parameter list. Names without one are returned
    /// unchanged.
    static func droppingReturnType(_ name: String) -> String {
        let text = Array(name.utf8)
        let depth = depths(text)
        guard let open = parameterListStart(text, depth) else { return name }
        // The last top-level space before the parameter list, unless it belongs to an operator
        // name ("operator new", "operator delete[]") or a conversion ("operator int").
        var i = open - 1
        while i >= 0 {
            if text[i] == byte(" ") && depth[i] == 0 && !isInsideOperatorName(text, spaceAt: i) {
                return String(decoding: text[(i + 1)...], as: UTF8.self)
            }
            i -= 1
        }
        return name
    }

    /// Drops the function parameter list, keeping what follows it (`const`, `&&`, clone
    /// suffixes).
    static func droppingParameters(_ name: String) -> String {
        let text = Array(name.utf8)
        let depth = depths(text)
        guard let open = parameterListStart(text, depth), let close = matchingClose(text, depth, open) else { return name }
        return String(decoding: text[..<open] + text[(close + 1)...], as: UTF8.self)
    }

    /// The top-level `(` that opens the function's parameter list: the last top-level `(`
    /// group that is followed only by qualifiers (or nothing), not by `::` (a local name's
    /// enclosing function).
    static func parameterListStart(_ text: Bytes, _ depth: [Int32]) -> Int? {
        var candidate: Int?
        var i = 0
        while i < text.count {
            if text[i] == byte("("), depth[i] == 0, !matches(text, at: i, "(anonymous namespace)"), !isOperatorCall(text, at: i),
               let close = matchingClose(text, depth, i) {
                if !matches(text, at: close + 1, "::") { candidate = i }
                i = close + 1
                continue
            }
            i += 1
        }
        return candidate
    }

    static func matchingClose(_ text: Bytes, _ depth: [Int32], _ open: Int) -> Int? {
        var i = open + 1
        while i < text.count {
            if text[i] == byte(")") && depth[i] == depth[open] { return i }
            i += 1
        }
        return nil
    }

    /// Whether the `(` at `i` is the first character after "operator" in "operator()".
    static func isOperatorCall(_ text: Bytes, at i: Int) -> Bool {
        matches(text, at: i - 8, "operator") && i + 1 < text.count && text[i + 1] == byte(")")
    }

    /// Whether a space belongs to an operator name: "operator new", "operator delete[]",
    /// or a conversion operator's type ("operator unsigned long").
    static func isInsideOperatorName(_ text: Bytes, spaceAt i: Int) -> Bool {
        var j = i - 1
        while j >= 0, text[j] != byte(" "), text[j] != byte(":") { j -= 1 }
        if i - (j + 1) == 8 && matches(text, at: j + 1, "operator") { return true }
        // A conversion operator's type words: look back for "operator " before them, with only
        // letters, spaces and underscores between.
        var k = i - 1
        while k >= 8 {
            if text[k] == byte(" ") && matches(text, at: k - 8, "operator") { return true }
            let b = text[k]
            guard (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80 || b == byte(" ") || b == byte("_") else {
                return false
            }
            k -= 1
        }
        return false
    }
}
