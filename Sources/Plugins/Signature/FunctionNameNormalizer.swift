/// Turns a demangled function name into the stable part a signature uses: the qualified name
/// without template arguments, parameter lists, cv/ref qualifiers, compiler clone suffixes or
/// Rust hashes, so the same function groups together across builds, compilers and call sites.
///
/// | input | normalized |
/// |---|---|
/// | `MyApp::foo(int)` | `MyApp::foo` |
/// | `std::vector<std::pair<int, char>>::push_back(std::pair<int, char>&&)` | `std::vector::push_back` |
/// | `MyApp::Widget::draw() const &` | `MyApp::Widget::draw` |
/// | `MyApp::Vec::operator<(MyApp::Vec const&) const` | `MyApp::Vec::operator<` |
/// | `` `anonymous namespace'::parse `` | `(anonymous namespace)::parse` |
/// | `deflate_slow.isra.0`, `inflate(int) [clone .cold]` | `deflate_slow`, `inflate` |
/// | `std::rt::lang_start::h0123456789abcdef` | `std::rt::lang_start` |
/// | `<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop` | `<alloc::vec::Vec as core::ops::drop::Drop>::drop` |
/// | `MyApp.Parser.parse(_: Swift.String) throws -> Swift.Int` | `MyApp.Parser.parse` |
///
/// Template arguments are `<...>` groups that follow a name; a `<...>` group that starts a
/// name (Rust's `<T as Trait>::f` and `<T>::f`, MSVC's `<lambda_1>`) is a qualified path and
/// keeps its brackets, with its own contents normalized. Parenthesized groups are parameter
/// lists and go, except `(anonymous namespace)`. Return types in front of a name are kept
/// (the `demangle` stage's short form has none). Clang's lambda numbers (`$_12`) become `$`,
/// as Socorro does, because they change from build to build.
public enum FunctionNameNormalizer {
    public static func normalize(_ name: String) -> String {
        var text = Array(name.utf8)
        text = replacing(text, [("`anonymous namespace'", "(anonymous namespace)"),
                                ("'anonymous namespace'", "(anonymous namespace)"),
                                ("{anonymous}", "(anonymous namespace)")])
        text = removingCloneGroups(text)
        var scanner = BracketScanner(text)
        var out = scanner.names()
        out = collapsingWhitespace(out)
        out = removingSwiftArrows(out)
        // Suffixes stack (`draw() const &`, `compress.constprop.0.isra.0`): strip until
        // nothing changes.
        while true {
            let before = out
            out = trimmingSpaces(removingRustHash(removingCloneSuffix(trimmingTrailingQualifiers(out))))
            if out == before { break }
        }
        out = renumberingClangLambdas(out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - The bracket scanner

    /// Copies names while dropping template argument and parameter groups.
    struct BracketScanner {
        let text: [UInt8]
        var position = 0

        init(_ text: [UInt8]) { self.text = text }

        /// The text with template argument and parameter groups dropped.
        mutating func names() -> [UInt8] {
            var out: [UInt8] = []
            while position < text.count {
                let byte = text[position]
                if let op = operatorToken(at: position) {
                    out += op
                    position += op.count
                    // `operator< <int>(...)`: template arguments after an operator's spaces.
                    var look = position
                    while look < text.count, text[look] == UInt8(ascii: " ") { look += 1 }
                    if look < text.count, text[look] == UInt8(ascii: "<"), let end = matching(from: look) {
                        position = end + 1
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "<"):
                    guard let end = matching(from: position) else {
                        out.append(byte)
                        position += 1
                        continue
                    }
                    if startsName(out) {
                        // A qualified path (`<T as Trait>::f`, `<lambda_1>`): keep it, normalized.
                        position += 1
                        var inner = BracketScanner(Array(text[position..<end]))
                        out.append(UInt8(ascii: "<"))
                        out += collapsingWhitespace(inner.names())
                        out.append(UInt8(ascii: ">"))
                    }
                    position = end + 1
                case UInt8(ascii: "("):
                    guard let end = matching(from: position) else {
                        out.append(byte)
                        position += 1
                        continue
                    }
                    let group = Array(text[position...end])
                    if group == Array("(anonymous namespace)".utf8) { out += group }
                    position = end + 1
                default:
                    out.append(byte)
                    position += 1
                }
            }
            return out
        }

        /// Whether a `<` after `out` begins a name (a qualified path) rather than following one
        /// (template arguments).
        func startsName(_ out: [UInt8]) -> Bool {
            guard let last = out.last else { return true }
            switch last {
            case UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ","),
                 UInt8(ascii: "<"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "&"), UInt8(ascii: "*"):
                return true
            default:
                return false
            }
        }

        /// The index of the bracket closing the one at `start`, or nil when it is unbalanced.
        /// Inside angle brackets, parentheses hide `<` and `>` (`foo<(1 > 2)>`) and `->` is an
        /// arrow, not a closer; operator names (`operator()`) are skipped whole.
        func matching(from start: Int) -> Int? {
            let angleGroup = text[start] == UInt8(ascii: "<")
            var angle = 0, paren = 0
            var i = start
            while i < text.count {
                if i > start, let op = operatorToken(at: i) {
                    i += op.count
                    continue
                }
                switch text[i] {
                case UInt8(ascii: "("):
                    paren += 1
                case UInt8(ascii: ")"):
                    paren -= 1
                    if paren < 0 { return nil }
                    if !angleGroup, paren == 0 { return i }
                case UInt8(ascii: "<") where angleGroup && paren == 0:
                    angle += 1
                case UInt8(ascii: ">") where angleGroup && paren == 0:
                    if i > start, text[i - 1] == UInt8(ascii: "-") { break }
                    angle -= 1
                    if angle == 0 { return i }
                default:
                    break
                }
                i += 1
            }
            return nil
        }

        /// `operator` and its symbol at `index` when a C++ operator name starts there
        /// (`operator<<`, `operator()`, `operator->`), so its brackets are not taken as groups.
        func operatorToken(at index: Int) -> [UInt8]? {
            let keyword = Array("operator".utf8)
            guard index + keyword.count <= text.count, Array(text[index..<index + keyword.count]) == keyword else {
                return nil
            }
            if index > 0, isIdentifier(text[index - 1]) { return nil }
            let rest = index + keyword.count
            for symbol in ["<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->", "()", "[]", "<", ">"] {
                let bytes = Array(symbol.utf8)
                if rest + bytes.count <= text.count, Array(text[rest..<rest + bytes.count]) == bytes {
                    return keyword + bytes
                }
            }
            return nil
        }
    }

    // MARK: - Rewrites

    static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    static func replacing(_ text: [UInt8], _ pairs: [(String, String)]) -> [UInt8] {
        var result = text
        for (from, to) in pairs {
            let needle = Array(from.utf8), replacement = Array(to.utf8)
            var out: [UInt8] = []
            var i = 0
            while i < result.count {
                if i + needle.count <= result.count, Array(result[i..<i + needle.count]) == needle {
                    out += replacement
                    i += needle.count
                } else {
                    out.append(result[i])
                    i += 1
                }
            }
            result = out
        }
        return result
    }

    /// Drops GCC's ` [clone .isra.0]` annotations of demangled names.
    static func removingCloneGroups(_ text: [UInt8]) -> [UInt8] {
        let marker = Array("[clone ".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            if i + marker.count <= text.count, Array(text[i..<i + marker.count]) == marker,
               let end = text[i...].firstIndex(of: UInt8(ascii: "]")) {
                while out.last == UInt8(ascii: " ") { out.removeLast() }
                i = end + 1
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    /// GCC and LLVM suffixes of cloned or split functions in raw symbol names: `.isra.0`,
    /// `.constprop.1`, `.part.2`, `.cold` (and old `.cold.123`), `.lto_priv.0`, `.llvm.1234`,
    /// `.localalias`, possibly several in a row.
    static func removingCloneSuffix(_ text: [UInt8]) -> [UInt8] {
        let numbered = ["isra", "constprop", "part", "lto_priv", "llvm", "clone"]
        let optionalNumber = ["cold", "localalias", "hot"]
        var end = text.count
        while true {
            // Optional trailing `.<digits>`.
            var cut = end
            var digits = cut
            while digits > 0, text[digits - 1] >= 0x30, text[digits - 1] <= 0x39 { digits -= 1 }
            let hasNumber = digits < cut && digits > 0 && text[digits - 1] == UInt8(ascii: ".")
            if hasNumber { cut = digits - 1 }
            var found = false
            for word in (hasNumber ? numbered + optionalNumber : optionalNumber) {
                let suffix = Array(".\(word)".utf8)
                if cut > suffix.count, Array(text[(cut - suffix.count)..<cut]) == suffix {
                    end = cut - suffix.count
                    found = true
                    break
                }
            }
            if !found { break }
        }
        return Array(text[..<end])
    }

    /// Drops a legacy Rust hash segment: `::h` and 16 hex digits at the end.
    static func removingRustHash(_ text: [UInt8]) -> [UInt8] {
        guard text.count > 19 else { return text }
        let start = text.count - 19
        guard Array(text[start..<start + 3]) == Array("::h".utf8) else { return text }
        let isHex = text[(start + 3)...].allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
        }
        return isHex ? Array(text[..<start]) : text
    }

    /// Drops member-function qualifiers left after the parameter list: `const`, `volatile`,
    /// `&`, `&&`, `noexcept`.
    static func trimmingTrailingQualifiers(_ text: [UInt8]) -> [UInt8] {
        let out = trimmingSpaces(text)
        for name in ["operator&&", "operator&"] where out.count >= name.utf8.count
            && Array(out[(out.count - name.utf8.count)...]) == Array(name.utf8) {
            return out
        }
        for word in [" const", " volatile", " noexcept", " throw", "&&", "&"] {
            let suffix = Array(word.utf8)
            if out.count > suffix.count, Array(out[(out.count - suffix.count)...]) == suffix {
                return Array(out[..<(out.count - suffix.count)])
            }
        }
        return out
    }

    /// Drops Swift's return types and effects left after the parameter lists: `-> Swift.Int`,
    /// `throws`, `async` (`closure #1 () throws -> () in MyApp.run()` becomes
    /// `closure #1 in MyApp.run`).
    static func removingSwiftArrows(_ text: [UInt8]) -> [UInt8] {
        let words = text.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true).map(Array.init)
        guard words.contains(where: { $0 == Array("->".utf8) || effects.contains($0) }) else { return text }
        var kept: [[UInt8]] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            if word == Array("->".utf8) {
                // The return type is the next word, unless the name goes on (`-> in ...`).
                i += (i + 1 < words.count && words[i + 1] != Array("in".utf8)) ? 2 : 1
                continue
            }
            if !kept.isEmpty, effects.contains(word) {
                i += 1
                continue
            }
            kept.append(word)
            i += 1
        }
        return Array(kept.joined(separator: [UInt8(ascii: " ")]))
    }

    static let effects: [[UInt8]] = ["throws", "rethrows", "async"].map { Array($0.utf8) }

    /// `$_12` (Clang's numbering of lambdas) becomes `$`.
    static func renumberingClangLambdas(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < text.count {
            if text[i] == UInt8(ascii: "$"), i + 2 < text.count, text[i + 1] == UInt8(ascii: "_"),
               text[i + 2] >= 0x30, text[i + 2] <= 0x39, i == 0 || !isIdentifier(text[i - 1]) {
                out.append(UInt8(ascii: "$"))
                i += 2
                while i < text.count, text[i] >= 0x30, text[i] <= 0x39 { i += 1 }
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    static func collapsingWhitespace(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in text {
            let space = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            if space {
                if let last = out.last, last != UInt8(ascii: " ") { out.append(UInt8(ascii: " ")) }
            } else {
                out.append(byte)
            }
        }
        return trimmingSpaces(out)
    }

    static func trimmingSpaces(_ text: [UInt8]) -> [UInt8] {
        var slice = text[...]
        while slice.first == UInt8(ascii: " ") { slice = slice.dropFirst() }
        while slice.last == UInt8(ascii: " ") { slice = slice.dropLast() }
        return Array(slice)
    }
}
