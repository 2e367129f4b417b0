import CrashpipeCore
import DemangleItaniumShim

/// C++ (and Objective-C++) names in the Itanium C++ ABI mangling, as GCC and Clang emit them.
///
/// Consumes: symbols starting `_Z` (or `__Z` from Mach-O's extra underscore), `_GLOBAL__`
/// static initializers, and Clang's block invocations (`___Z…_block_invoke`). Produces the
/// readable name from the C++ runtime's own demangler (`__cxa_demangle`, the implementation
/// binutils' c++filt shares), reduced for the shorter forms: `parameters: false` drops the
/// parameter list (keeping `const` and the like), `full: false` drops a template function's
/// return type. Linker hash suffixes (`$` + hex) are ignored; clone suffixes (`.cold`,
/// `.isra.0`) print as `[clone .cold]`.
public struct ItaniumDemangler: Demangler {
    /// How names are written where demanglers disagree on presentation.
    public enum Style: Sendable {
        /// As Sentry shows them (symbolic's cpp_demangle): `std::string`, `(long)12`, the
        /// return type of a function template enclosing a local name, Clang's
        /// `void () block_pointer`. The default, and what the pipelines use.
        case sentry
        /// Byte for byte as binutils' c++filt: the standard abbreviations spelled out
        /// (`std::basic_string<char, ...>`), `12l`, GNU's local names and block pointers.
        case cxxfilt
    }

    public let language = "itanium"
    public let style: Style
    /// Names longer than this are not demangled (real ones are far shorter; the runtime
    /// demangler's own limits reject such input anyway, this only bounds the copy).
    public static let maximumLength = 1 << 16

    public init(style: Style = .sentry) {
        self.style = style
    }

    public func recognizes(_ symbol: String) -> Bool {
        let bytes = symbol.utf8
        return bytes.starts(with: "_Z".utf8) || bytes.starts(with: "__Z".utf8) || bytes.starts(with: "___Z".utf8)
            || bytes.starts(with: "_GLOBAL__".utf8)
    }

    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        guard let (prefix, full) = parts(symbol, enclosingReturnTypes: options.full) else { return nil }
        if options.full { return prefix + full }
        var shown = CppNameShape.droppingReturnType(full)
        if !options.parameters { shown = CppNameShape.droppingParameters(shown) }
        return prefix + shown
    }

    /// The complete demangled form, or nil.
    public func complete(_ symbol: String) -> String? {
        parts(symbol).map { $0.prefix + $0.name }
    }

    /// A description that precedes the demangled function ("invocation function for block
    /// in ") and the demangled function itself, which the shorter forms reduce.
    /// `enclosingReturnTypes`: Sentry's complete form names the return type of a function
    /// template that encloses a local name; the short forms (like GNU) leave it out.
    func parts(_ symbol: String, enclosingReturnTypes: Bool = true) -> (prefix: String, name: String)? {
        guard symbol.utf8.count <= Self.maximumLength else { return nil }
        var name = Substring(symbol.trimmingWhitespace())
        // Byte comparisons: Substring's own hasPrefix compares Characters, far slower.
        func starts(_ prefix: StaticString) -> Bool {
            prefix.withUTF8Buffer { name.utf8.starts(with: $0) }
        }
        if starts("_GLOBAL__") { return globalInitializer(name).map { ("", $0) } }
        if starts("___Z"), let range = name.range(of: "_block_invoke") {
            // Clang's blocks: ___Z<function>_block_invoke[_N].
            guard let function = presented(name.dropFirst(2)[..<range.lowerBound], enclosingReturnTypes) else { return nil }
            return ("invocation function for block in ", function)
        }
        if starts("__Z") { name = name.dropFirst() }
        guard starts("_Z") else { return nil }
        if let demangled = presented(name, enclosingReturnTypes) { return ("", demangled) }
        // Some linkers append `$` and a hash to local symbols; demangle the name before it.
        if let dollar = name.lastIndex(of: "$"), dollar > name.startIndex,
           name[name.index(after: dollar)...].allSatisfy(\.isHexDigit), name.distance(from: dollar, to: name.endIndex) > 8 {
            return presented(name[..<dollar], enclosingReturnTypes).map { ("", $0) }
        }
        return nil
    }

    /// The runtime demangler's text for `name` in this demangler's style.
    func presented(_ name: Substring, _ enclosingReturnTypes: Bool = true) -> String? {
        guard let text = cxaDemangle(name) else { return nil }
        switch style {
        case .cxxfilt:
            return CppPresentation.expandingAbbreviations(text)
        case .sentry:
            let returnType = enclosingReturnTypes
                ? CppPresentation.enclosingReturnType(mangled: name, demangled: text, demangle: cxaDemangle) : nil
            return CppPresentation.castIntegerLiterals(Self.clangBlockStyle((returnType ?? "") + text))
        }
    }

    /// `_GLOBAL__sub_I_<file>` (GCC) and `_GLOBAL__I_<name>`: static initializers.
    func globalInitializer(_ name: Substring) -> String? {
        for (prefix, words) in [("_GLOBAL__sub_I_", "global constructors keyed to "), ("_GLOBAL__I_", "global constructors keyed to "),
                                ("_GLOBAL__sub_D_", "global destructors keyed to "), ("_GLOBAL__D_", "global destructors keyed to ")] {
            guard name.hasPrefix(prefix) else { continue }
            let rest = name.dropFirst(prefix.count)
            guard !rest.isEmpty else { return nil }
            return words + (rest.hasPrefix("_Z") ? presented(rest) ?? String(rest) : String(rest))
        }
        return nil
    }

    /// Clang's block pointers are mangled as a vendor qualifier on a function type, which the
    /// GNU demangler prints as `void ( block_pointer)()`; Sentry (and Clang's own printing of
    /// such types) put the qualifier after the function type: `void () block_pointer`.
    static func clangBlockStyle(_ text: String) -> String {
        guard CppPresentation.contains(text, " block_pointer)(") else { return text }
        var result = text
        while let range = result.range(of: " ( block_pointer)(") {
            // Find the parameter list that follows and move the qualifier after it.
            var depth = 0
            var index = result.index(before: range.upperBound)
            var close: String.Index?
            while index < result.endIndex {
                let c = result[index]
                if c == "(" { depth += 1 } else if c == ")" {
                    depth -= 1
                    if depth == 0 { close = index; break }
                }
                index = result.index(after: index)
            }
            guard let close else { break }
            let parameters = result[result.index(before: range.upperBound)...close]
            result.replaceSubrange(range.lowerBound...close, with: " " + parameters + " block_pointer")
        }
        return result
    }

    func cxaDemangle(_ name: Substring) -> String? {
        var copy = String(name)
        return copy.withUTF8 { bytes -> String? in
            guard let base = bytes.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer -> String? in
                guard let result = crashpipe_cxa_demangle(pointer, bytes.count) else { return nil }
                defer { free(result) }
                return String(cString: result)
            }
        }
    }
}

/// Registers the C++ demangler.
public enum DemangleItaniumPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(demangler: ItaniumDemangler())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
