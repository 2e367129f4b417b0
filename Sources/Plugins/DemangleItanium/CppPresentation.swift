/// Rewrites of the GNU demangler's text for the two presentations the Itanium plugin offers.
///
/// The C++ runtime's `__cxa_demangle` and binutils' c++filt share libiberty's demangler but
/// differ in one flag: c++filt asks for *verbose* output, which spells the standard
/// abbreviations (`std::string`, `std::istream`, ...) out in full. Sentry's demangler
/// (cpp_demangle, via symbolic) differs from both in how it writes integer literals of types
/// other than `int` and in keeping the return type of the function enclosing a local name.
enum CppPresentation {
    // MARK: Sentry's conventions

    /// GNU writes the suffix of a literal's type (`12l`, `3ul`, `-1ll`); Sentry writes a cast,
    /// as GNU itself does for every other type: `(long)12`, `(unsigned long)3`, `(long long)-1`.
    static let literalSuffixes: [String: String] = [
        "u": "unsigned int", "l": "long", "ul": "unsigned long", "ll": "long long", "ull": "unsigned long long",
    ]

    /// Whether `text` contains `needle`, comparing UTF-8 bytes (no Foundation, no copying
    /// for native strings).
    static func contains(_ text: String, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        return needle.withUTF8Buffer { pattern -> Bool in
            var text = text
            return text.withUTF8 { bytes -> Bool in
                guard count > 0, bytes.count >= count else { return count == 0 }
                var i = 0
                let first = pattern[0]
                while i <= bytes.count - count {
                    if bytes[i] == first {
                        var k = 1
                        while k < count && bytes[i + k] == pattern[k] { k += 1 }
                        if k == count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F || byte == 0x24 || byte >= 0x80
    }

    /// `12l` → `(long)12` wherever a number with a type suffix stands alone (not inside an
    /// identifier, a clone suffix `.isra.0`, or a lambda number `#1`).
    static func castIntegerLiterals(_ text: String) -> String {
        // Most names have no standalone number followed by `l` or `u`; find out without copying.
        var candidate = false
        var previous: UInt8 = 0x20
        var numberStartsFree = false
        for byte in text.utf8 {
            let isDigit = byte >= 0x30 && byte <= 0x39
            if isDigit && !(previous >= 0x30 && previous <= 0x39) {
                numberStartsFree = !isIdentifierByte(previous) && previous != UInt8(ascii: ".") && previous != UInt8(ascii: "#")
            }
            if numberStartsFree && previous >= 0x30 && previous <= 0x39 && (byte == UInt8(ascii: "l") || byte == UInt8(ascii: "u")) {
                candidate = true
                break
            }
            previous = byte
        }
        guard candidate else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            let previous: UInt8 = i > 0 ? bytes[i - 1] : 0x20
            let startsNumber = bytes[i] >= 0x30 && bytes[i] <= 0x39
                || (bytes[i] == UInt8(ascii: "-") && i + 1 < bytes.count && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39)
            guard startsNumber, !isIdentifierByte(previous), previous != UInt8(ascii: "."), previous != UInt8(ascii: "#") else {
                out.append(bytes[i]); i += 1; continue
            }
            var end = bytes[i] == UInt8(ascii: "-") ? i + 1 : i
            while end < bytes.count, bytes[end] >= 0x30, bytes[end] <= 0x39 { end += 1 }
            var suffixEnd = end
            while suffixEnd < bytes.count, bytes[suffixEnd] == UInt8(ascii: "u") || bytes[suffixEnd] == UInt8(ascii: "l") {
                suffixEnd += 1
            }
            let following: UInt8 = suffixEnd < bytes.count ? bytes[suffixEnd] : 0x20
            if suffixEnd > end, !isIdentifierByte(following),
               let type = literalSuffixes[String(decoding: bytes[end..<suffixEnd], as: UTF8.self)] {
                out.append(UInt8(ascii: "("))
                out.append(contentsOf: type.utf8)
                out.append(UInt8(ascii: ")"))
                out.append(contentsOf: bytes[i..<end])
            } else {
                out.append(contentsOf: bytes[i..<suffixEnd])
            }
            i = suffixEnd
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// For a top-level local name (`_ZZ<encoding>E<entity>`) whose enclosing function has a
    /// return type (a function template), that return type and a space; GNU leaves it out,
    /// Sentry prints it. `demangle` is the runtime demangler; at most `limit` candidate ends
    /// of the encoding are tried, so hostile input stays cheap.
    static func enclosingReturnType(mangled: Substring, demangled: String, limit: Int = 32,
                                    demangle: (Substring) -> String?) -> String? {
        guard mangled.utf8.starts(with: "_ZZ".utf8) else { return nil }
        let body = mangled.dropFirst(3)
        var found: String?
        var tries = 0
        var index = body.startIndex
        while index < body.endIndex, tries < limit {
            defer { index = body.index(after: index) }
            guard body[index] == "E" else { continue }
            tries += 1
            guard let enclosing = demangle(Substring("_Z" + body[..<index])) else { continue }
            let name = CppNameShape.droppingReturnType(enclosing)
            guard name.count < enclosing.count, demangled.hasPrefix(name + "::") else { continue }
            found = String(enclosing.dropLast(name.count))
        }
        return found
    }

    // MARK: c++filt's conventions

    /// The standard abbreviations as libiberty prints them in verbose mode.
    static let verboseExpansions: [(String, String)] = [
        ("std::string", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >"),
        ("std::istream", "std::basic_istream<char, std::char_traits<char> >"),
        ("std::ostream", "std::basic_ostream<char, std::char_traits<char> >"),
        ("std::iostream", "std::basic_iostream<char, std::char_traits<char> >"),
    ]

    /// `std::string` → `std::basic_string<char, ...>` (and the stream types) where the name
    /// stands alone, with the space GNU puts between two closing angle brackets.
    static func expandingAbbreviations(_ text: String) -> String {
        guard contains(text, "std::") else { return text }
        let bytes = Array(text.utf8)
        let expansions = verboseExpansions.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var i = 0
        scan: while i < bytes.count {
            let previous: UInt8 = i > 0 ? bytes[i - 1] : 0x20
            if bytes[i] == UInt8(ascii: "s"), !isIdentifierByte(previous), previous != UInt8(ascii: ":") {
                for (short, long) in expansions where bytes[i...].starts(with: short) {
                    let end = i + short.count
                    let following: UInt8 = end < bytes.count ? bytes[end] : 0x20
                    guard !isIdentifierByte(following) else { continue }
                    out.append(contentsOf: long)
                    if following == UInt8(ascii: ">") { out.append(0x20) }
                    i = end
                    continue scan
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
