/// Reads a v0 symbol and writes it as Rust syntax in one pass: the state, the parse steps, paths,
/// generic arguments and backreferences here; types, binders and lifetimes in `V0Types.swift`;
/// constants and pattern types in `V0Constants.swift`.
///
/// The structure follows rustc-demangle's `v0.rs` `Printer`, because its output on damaged input
/// is part of what we mirror: the first error prints `{invalid syntax}` or
/// `{recursion limit reached}` where it happens, and everything still to be read afterwards
/// prints `?`, so `Vec<[(A, ?); ?]>` keeps the shape of what could be read. A backreference
/// is printed by a second parser at its target; an error inside it ends there and the outer
/// parser carries on.
///
/// With `printing` off the same code only checks the syntax (backreferences are not followed);
/// that is how a symbol is accepted or refused before anything is written.
///
/// Bounds: the parser's depth counter (``V0Parser/maximumDepth``, 500) stops nesting and
/// backreference chains; every recursive method also counts its own frames against
/// ``frameLimit`` so the native stack stays bounded whatever the input; output stops at
/// ``DemangledText/maximumBytes`` (which also bounds backreference blow-up).
struct V0Printer {
    /// At most this many counted recursive calls are live at once. A parser depth level takes
    /// at most three of them (a `dyn` type, its trait's open generics, a generic argument
    /// list), so this never cuts earlier than rustc-demangle's depth limit; it exists so the
    /// stack bound does not rest on that argument alone. (Measured: the deepest accepted
    /// nesting takes about 0.9 MiB of stack unoptimized, 0.25 MiB optimized.)
    static var frameLimit: Int { 6 * (Int(V0Parser.maximumDepth) + 1) }

    /// At most this many recursive calls while printing one symbol; past it printing stops as
    /// at the output cap. Not in rustc-demangle: its output cap alone lets a few kilobytes of
    /// backreferences to paths that print nothing (empty names) cost hundreds of millions of
    /// steps (about a second). Real symbols take under one step per output byte, so for them
    /// the output cap always comes first and the output is rustc-demangle's.
    static var stepLimit: Int { 2 * DemangledText.maximumBytes }

    var parser: V0Parser
    /// Set once parsing failed (rustc-demangle's `parser: Err(_)`); `parser` is stale then.
    var failure: V0ParseError?
    /// Off while only checking syntax, or while skipping an `impl` path.
    var printing: Bool
    /// The `{:#}` form: no crate disambiguators, no integer type suffixes.
    let alternate: Bool
    /// libiberty's verbose form of constants: `2: usize`, `true: bool`, `_: _`.
    var gnuConstants = false
    var out: DemangledText
    /// Lifetimes bound by the `for<...>` binders around the current position.
    var boundLifetimeDepth: UInt32 = 0
    private var frames = 0
    /// Recursive calls made while printing, against ``stepLimit``.
    private(set) var steps = 0

    init(symbol: SymbolText, printing: Bool, alternate: Bool, out: DemangledText) {
        parser = V0Parser(symbol: symbol)
        self.printing = printing
        self.alternate = alternate
        self.out = out
    }

    // MARK: Parsing and printing primitives

    // One method per parser step (rustc-demangle's `parse!`): after an earlier failure it
    // prints `?`; on a new failure it prints the error's message. Either way it returns nil
    // (or false) and the caller stops printing its construct. (Concrete methods rather than one
    // generic taking a closure: unoptimized builds do not specialize generics.)

    /// Before a step: after an earlier failure, prints `?` and says no.
    @inline(__always)
    private mutating func mayParse() throws(OutputLimitReached) -> Bool {
        if failure == nil { return true }
        try print("?")
        return false
    }

    private mutating func fail(_ error: V0ParseError) throws(OutputLimitReached) {
        try print(error.message)
        failure = error
    }

    @inline(__always)
    mutating func parseByte() throws(OutputLimitReached) -> UInt8? {
        guard try mayParse() else { return nil }
        if let byte = parser.nextByte() { return byte }
        try fail(parser.error)
        return nil
    }

    @inline(__always)
    mutating func parsePushDepth() throws(OutputLimitReached) -> Bool {
        guard try mayParse() else { return false }
        if parser.pushDepth() { return true }
        try fail(parser.error)
        return false
    }

    @inline(__always)
    mutating func parseInteger62() throws(OutputLimitReached) -> UInt64? {
        guard try mayParse() else { return nil }
        if let value = parser.integer62() { return value }
        try fail(parser.error)
        return nil
    }

    @inline(__always)
    mutating func parseOptionalInteger62(_ tag: UInt8) throws(OutputLimitReached) -> UInt64? {
        guard try mayParse() else { return nil }
        if let value = parser.optionalInteger62(tag) { return value }
        try fail(parser.error)
        return nil
    }

    @inline(__always)
    mutating func parseDisambiguator() throws(OutputLimitReached) -> UInt64? {
        try parseOptionalInteger62(UInt8(ascii: "s"))
    }

    @inline(__always)
    mutating func parseIdentifier() throws(OutputLimitReached) -> V0Identifier? {
        guard try mayParse() else { return nil }
        if let identifier = parser.identifier() { return identifier }
        try fail(parser.error)
        return nil
    }

    /// The namespace byte: upper case for special namespaces, 0 for the lower-case ones.
    @inline(__always)
    mutating func parseNamespace() throws(OutputLimitReached) -> UInt8? {
        guard try mayParse() else { return nil }
        if let namespace = parser.namespace() { return namespace }
        try fail(parser.error)
        return nil
    }

    @inline(__always)
    mutating func parseHexNibbles() throws(OutputLimitReached) -> ByteSpan? {
        guard try mayParse() else { return nil }
        if let nibbles = parser.hexNibbles() { return nibbles }
        try fail(parser.error)
        return nil
    }

    @inline(__always)
    mutating func parseBackref() throws(OutputLimitReached) -> V0Parser? {
        guard try mayParse() else { return nil }
        if let target = parser.backref() { return target }
        try fail(parser.error)
        return nil
    }

    /// Marks the symbol invalid here (rustc-demangle's `invalid!`).
    mutating func markInvalid() throws(OutputLimitReached) {
        try fail(.invalid)
    }

    /// Consumes `byte` if it is next; false after a failure.
    @inline(__always)
    mutating func eat(_ byte: UInt8) -> Bool {
        failure == nil && parser.eat(byte)
    }

    mutating func popDepth() {
        if failure == nil { parser.popDepth() }
    }

    /// Counts a recursive call; false (with the recursion error recorded) past ``frameLimit``.
    @inline(__always)
    mutating func enterFrame() throws(OutputLimitReached) -> Bool {
        guard frames < V0Printer.frameLimit else {
            if failure == nil {
                try print(V0ParseError.recursedTooDeep.message)
                failure = .recursedTooDeep
            }
            return false
        }
        frames += 1
        if printing {
            steps += 1
            if steps > V0Printer.stepLimit { throw OutputLimitReached() }
        }
        return true
    }

    mutating func leaveFrame() {
        frames -= 1
    }

    @inline(__always)
    mutating func print(_ text: StaticString) throws(OutputLimitReached) {
        if printing { try out.write(text) }
    }

    mutating func print(byte: UInt8) throws(OutputLimitReached) {
        if printing { try out.write(byte: byte) }
    }

    mutating func print(decimal: UInt64) throws(OutputLimitReached) {
        if printing { try out.write(decimal: decimal) }
    }

    mutating func print(_ span: ByteSpan) throws(OutputLimitReached) {
        if printing { try out.write(parser.symbol, span) }
    }

    /// An identifier; Punycode is decoded when it yields at most 128 characters, otherwise
    /// shown as `punycode{ascii-code}`.
    mutating func print(_ identifier: V0Identifier) throws(OutputLimitReached) {
        guard printing else { return }
        let symbol = parser.symbol
        guard !identifier.punycode.isEmpty else { return try out.write(symbol, identifier.ascii) }
        if let decoded = Punycode.decode(symbol, basic: identifier.ascii, codes: identifier.punycode) {
            for scalar in decoded { try out.write(scalar: scalar) }
            return
        }
        try out.write("punycode{")
        if !identifier.ascii.isEmpty {
            try out.write(symbol, identifier.ascii)
            try out.write("-")
        }
        try out.write(symbol, identifier.punycode)
        try out.write("}")
    }

    // MARK: Paths

    mutating func printPath(inValue: Bool) throws(OutputLimitReached) {
        guard try enterFrame() else { return }
        defer { leaveFrame() }
        guard try parsePushDepth(),
              let tag = try parseByte()
        else { return }

        switch tag {
        case UInt8(ascii: "C"):
            guard let disambiguator = try parseDisambiguator(),
                  let name = try parseIdentifier()
            else { return }
            try print(name)
            if printing && !alternate && disambiguator != 0 {
                try out.write("[")
                try out.write(hex: disambiguator)
                try out.write("]")
            }
        case UInt8(ascii: "N"):
            guard let namespace = try parseNamespace()
            else { return }
            try printPath(inValue: inValue)
            // After a failure the `?` for the name below would lose its `::`.
            if failure != nil { try print("::") }
            guard let disambiguator = try parseDisambiguator(),
                  let name = try parseIdentifier()
            else { return }
            if namespace != 0 {
                try print("::{")
                switch namespace {
                case UInt8(ascii: "C"): try print("closure")
                case UInt8(ascii: "S"): try print("shim")
                default: try print(byte: namespace)
                }
                if !name.isEmpty {
                    try print(":")
                    try print(name)
                }
                try print("#")
                try print(decimal: disambiguator)
                try print("}")
            } else if !name.isEmpty {
                try print("::")
                try print(name)
            }
        case UInt8(ascii: "M"), UInt8(ascii: "X"), UInt8(ascii: "Y"):
            if tag != UInt8(ascii: "Y") {
                // The impl's own path is not shown.
                guard try parseDisambiguator() != nil
                else { return }
                let wasPrinting = printing
                printing = false
                try printPath(inValue: false)
                printing = wasPrinting
            }
            try print("<")
            try printType()
            if tag != UInt8(ascii: "M") {
                try print(" as ")
                try printPath(inValue: false)
            }
            try print(">")
        case UInt8(ascii: "I"):
            try printPath(inValue: inValue)
            if inValue { try print("::") }
            try print("<")
            try printGenericArguments()
            try print(">")
        case UInt8(ascii: "B"):
            _ = try printBackref(.path(inValue: inValue))
        default:
            return try markInvalid()
        }
        popDepth()
    }

    /// Generic arguments up to `E`, separated by `, `: lifetimes, constants (`K`) or types.
    mutating func printGenericArguments() throws(OutputLimitReached) {
        guard try enterFrame() else { return }
        defer { leaveFrame() }
        var count = 0
        while failure == nil && !parser.eat(UInt8(ascii: "E")) {
            if count > 0 { try print(", ") }
            if eat(UInt8(ascii: "L")) {
                if let lifetime = try parseInteger62() { try printLifetime(lifetime) }
            } else if eat(UInt8(ascii: "K")) {
                try printConst(inValue: false)
            } else {
                try printType()
            }
            count += 1
        }
    }

    /// What a backreference stands for at the place it is used.
    enum BackrefTarget {
        case path(inValue: Bool)
        case type
        case const(inValue: Bool)
        case pathMaybeOpenGenerics
    }

    /// Reads a backreference and, when printing, prints its target with a parser positioned
    /// there; then continues after the reference. Returns whether generics were left open
    /// (only for ``BackrefTarget/pathMaybeOpenGenerics``).
    mutating func printBackref(_ target: BackrefTarget) throws(OutputLimitReached) -> Bool {
        guard let targetParser = try parseBackref(),
              printing
        else { return false }
        let saved = parser
        parser = targetParser
        var open = false
        switch target {
        case .path(let inValue): try printPath(inValue: inValue)
        case .type: try printType()
        case .const(let inValue): try printConst(inValue: inValue)
        case .pathMaybeOpenGenerics: open = try printPathMaybeOpenGenerics()
        }
        parser = saved
        failure = nil
        return open
    }
}
