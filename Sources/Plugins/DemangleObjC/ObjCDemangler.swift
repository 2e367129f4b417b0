import CrashpipeCore

/// Objective-C symbols. Method names (`-[Class selector:]`, `+[Class selector]`) are already
/// readable and pass through unchanged; the runtime's data symbols become readable:
/// `_OBJC_CLASS_$_Foo` → `class Foo`, `_OBJC_METACLASS_$_Foo` → `metaclass Foo`,
/// `_OBJC_IVAR_$_Foo._bar` → `ivar Foo._bar`, `_OBJC_EHTYPE_$_Foo` → `exception type Foo`.
public struct ObjCDemangler: Demangler {
    public let language = "objc"

    static let dataSymbols: [(prefix: String, words: String)] = [
        ("_OBJC_CLASS_$_", "class "), ("_OBJC_METACLASS_$_", "metaclass "), ("_OBJC_IVAR_$_", "ivar "),
        ("_OBJC_EHTYPE_$_", "exception type "), ("OBJC_CLASS_$_", "class "), ("OBJC_METACLASS_$_", "metaclass "),
        ("OBJC_IVAR_$_", "ivar "), ("OBJC_EHTYPE_$_", "exception type "),
    ]

    public init() {}

    public func recognizes(_ symbol: String) -> Bool {
        // Byte comparisons: this runs for every symbol the demangle stage sees.
        isMethod(symbol) || Self.dataSymbols.contains { symbol.utf8.starts(with: $0.prefix.utf8) }
    }

    /// `-[` or `+[`, a class, a space, a selector, `]` (an optional category in parentheses).
    func isMethod(_ symbol: String) -> Bool {
        let bytes = symbol.utf8
        guard let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+"),
              bytes.dropFirst().first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return false }
        return bytes.contains(UInt8(ascii: " "))
    }

    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        if isMethod(symbol) { return symbol }
        for (prefix, words) in Self.dataSymbols where symbol.hasPrefix(prefix) {
            let name = symbol.dropFirst(prefix.count)
            return name.isEmpty ? nil : words + name
        }
        return nil
    }
}

/// Registers the Objective-C demangler.
public enum DemangleObjCPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(demangler: ObjCDemangler())
    }
}
