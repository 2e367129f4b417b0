import CrashpipeCore
import DemangleSwiftShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Swift names of every mangling generation: Swift 1–3 (`_T`), 4.0 (`_T0`), 4.2 (`$S`, `_$S`),
/// 5 and later (`$s`, `_$s`, embedded `$e`), and macro expansions (`@__swiftmacro_`).
///
/// Consumes a symbol; produces its demangled name from the Swift toolchain's own demangler
/// (libswiftDemangle, the code `swift-demangle` runs) through a small C++ shim, or, when the
/// toolchain library is missing, the Swift runtime's `swift_demangle` (full form only).
///
/// Forms: `full: true` is `swift-demangle`'s output; `full: false, parameters: true` is the
/// simplified form with argument types and without the return type (what Sentry shows:
/// `Zim.zang<A>(A, A1)`); `parameters: false` also drops the argument list
/// (`Zim.zang<A>`). ``demangle(_:form:)`` gives the toolchain's forms unchanged.
public struct SwiftDemangler: Demangler {
    public let language = "swift"
    /// Longer names are not demangled: the demangler's time and output grow with the input.
    public static let maximumLength = 1 << 16

    public enum Form: Int32, Sendable {
        case full = 0
        /// `swift-demangle -simplified`.
        case simplified = 1
        /// Simplified, with argument types.
        case simplifiedWithTypes = 2
    }

    public init() {}

    /// Whether the toolchain library was found (without it only the full form exists).
    public static var hasToolchainDemangler: Bool { crashpipe_swift_demangler_library_loaded() != 0 }

    static let prefixes = ["_T0", "$S", "_$S", "$s", "_$s", "$e", "_$e", "@__swiftmacro_", "__T0", "@$s", "@$S"]

    public func recognizes(_ symbol: String) -> Bool {
        if Self.prefixes.contains(where: { symbol.utf8.starts(with: $0.utf8) }) { return true }
        // Swift 1–3: _T followed by an entity kind (functions, witness tables, metadata, ...).
        guard symbol.utf8.starts(with: "_T".utf8), symbol.utf8.count > 3 else { return false }
        let third = symbol.utf8[symbol.utf8.index(symbol.utf8.startIndex, offsetBy: 2)]
        return "FWMTtTPLZvRIU".utf8.contains(third)
    }

    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        if options.full { return demangle(symbol, form: .full) ?? specialized(symbol, form: .full) }
        let form: Form = options.parameters ? .simplifiedWithTypes : .simplified
        guard let shown = demangle(symbol, form: form) ?? specialized(symbol, form: form) else { return nil }
        let withoutReturn = SwiftNameShape.droppingReturnType(shown)
        return options.parameters ? withoutReturn : SwiftNameShape.droppingArguments(withoutReturn)
    }

    /// Generic specializations in manglings that current demanglers reject (older compilers
    /// wrote some suffix forms differently, e.g. `...lFAC3AppC_AC6WindowCTgm5`): the function
    /// before the specialization's type list, marked "specialized". Tried only for names that
    /// end like a specialization, from the longest function prefix down.
    func specialized(_ symbol: String, form: Form) -> String? {
        let bytes = Array(symbol.utf8)
        guard bytes.count > 6, bytes.last.map({ $0 >= 0x30 && $0 <= 0x39 }) == true,
              let t = bytes.lastIndex(of: UInt8(ascii: "T")), bytes.count - t <= 6,
              t + 1 < bytes.count, "giGI".utf8.contains(bytes[t + 1]) else { return nil }
        var cut = t
        var attempts = 0
        while cut > 3 && attempts < 64 {
            cut -= 1
            guard bytes[cut] == UInt8(ascii: "F") else { continue }
            attempts += 1
            let prefix = String(decoding: bytes[...cut], as: UTF8.self)
            if let function = demangle(prefix, form: form) { return "specialized " + function }
        }
        return nil
    }

    /// The toolchain demangler's output in `form`, or nil when `symbol` is not a Swift mangling.
    public func demangle(_ symbol: String, form: Form) -> String? {
        guard !symbol.isEmpty, symbol.utf8.count <= Self.maximumLength else { return nil }
        var copy = symbol
        return copy.withUTF8 { bytes -> String? in
            guard let base = bytes.baseAddress else { return nil }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { pointer -> String? in
                guard let result = crashpipe_swift_demangle(pointer, bytes.count, form.rawValue) else { return nil }
                defer { free(result) }
                return String(cString: result)
            }
        }
    }
}

/// Registers the Swift demangler.
public enum DemangleSwiftPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(demangler: SwiftDemangler())
    }
}
