// The MSVC name parser: entry point, names, scopes and back-references.
//
// The grammar and its corner cases follow LLVM's MicrosoftDemangle (the reference for what
// llvm-undname prints); the code is our own. The parser reads bytes through one bounds-
// checked cursor, counts its recursion explicitly (every recursive path increments `depth`
// and gives up past the limit), and keeps at most ten remembered names and ten remembered
// parameter types per template scope, as the mangling defines. Rendering a remembered
// template name (to compare it with earlier ones, as the mangling's dedup rule requires)
// draws from the same output budget as the final result, so back-references cannot blow
// up memory or time.
//
// Failure is the common case for arbitrary input, so parse functions return nil instead of
// throwing: a Swift `throw` can be expensive when a runtime hook records thrown errors.

/// Why printing stopped; every case becomes `nil` for the caller.
enum MSVCFailure: Error {
    case invalid
    case tooDeep
    case tooLong
}

/// Resource limits for one `demangle` call.
enum MSVCLimits {
    /// Longer inputs are rejected up front. MSVC itself replaces names longer than 4096
    /// bytes by MD5 hashes; the margin lets deeply nested input reach the depth checks
    /// (parsing is linear in the input, so this bounds time and tree size).
    static let maxInputBytes = 128 * 1024
    /// Nesting of recursive parse steps (types in templates in function pointers ...).
    static let maxParseDepth = 160
    /// Nesting while printing; back-references can make the tree deeper than the parse was.
    static let maxPrintDepth = 320
    /// Bytes of output, including remembered template names rendered while parsing.
    static let maxOutputBytes = 256 * 1024
}

/// Names and parameter types a later `0`-`9` may refer to. Each template argument list
/// starts a fresh context.
struct MSBackrefs {
    var names: [MSIdentifier] = []
    var nameKeys: [MSText] = []
    var parameters: [MSType] = []
}

/// A recursive-descent parser over the bytes of one mangled name. Every `parse` function
/// returns nil when the input is invalid or a limit is reached.
final class MSVCParser {
    // The parser is used by one thread at a time and never hands out references to its
    // state, so the runtime's exclusivity bookkeeping on every `pos` access only costs time.
    let input: UnsafeBufferPointer<UInt8>
    @exclusivity(unchecked) var pos = 0
    @exclusivity(unchecked) var depth = 0
    @exclusivity(unchecked) var backrefs = MSBackrefs()
    /// Output bytes still available, shared with the printer.
    @exclusivity(unchecked) var budget = MSVCLimits.maxOutputBytes
    /// Storage of rendered back-reference keys, freed with the parser.
    @exclusivity(unchecked) var renderedKeys: [UnsafeMutableBufferPointer<UInt8>] = []

    /// `input` must be non-empty and stay valid while the parser and its tree are used.
    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    deinit {
        for key in renderedKeys { key.deallocate() }
    }

    /// The input bytes `range`, without copying.
    func text(_ range: Range<Int>) -> MSText {
        MSText(input.baseAddress! + range.lowerBound, count: range.count)
    }

    // MARK: Cursor

    var atEnd: Bool { pos >= input.count }

    /// The byte at `pos + offset`, or 0 past the end (0 never matches a grammar token).
    func peek(_ offset: Int = 0) -> UInt8 {
        let i = pos + offset
        return i < input.count ? input[i] : 0
    }

    func consume(_ byte: UInt8) -> Bool {
        guard pos < input.count, input[pos] == byte else { return false }
        pos += 1
        return true
    }

    func starts(with prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard input.count - pos >= n else { return false }
        let p = prefix.utf8Start
        var i = 0
        while i < n {
            if input[pos + i] != p[i] { return false }
            i += 1
        }
        return true
    }

    func consume(_ prefix: StaticString) -> Bool {
        guard starts(with: prefix) else { return false }
        pos += prefix.utf8CodeUnitCount
        return true
    }

    /// Reads one byte; nil at the end.
    func next() -> UInt8? {
        guard pos < input.count else { return nil }
        defer { pos += 1 }
        return input[pos]
    }

    /// Whether the recursion limit is exceeded; callers increment `depth` (and decrement it
    /// in a `defer`) on every recursive path, then check this.
    var tooDeep: Bool { depth > MSVCLimits.maxParseDepth }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    // MARK: Symbols

    /// `<symbol>`: a `?`-name, an MD5 name (`??@`) or a type descriptor name (`.?A`).
    func parseSymbol() -> MSSymbol? {
        depth += 1
        defer { depth -= 1 }
        guard !tooDeep else { return nil }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard let type = parseType(.result), atEnd else { return nil }
            return MSSymbol(.typeDescriptor(type, isName: true),
                            name: synthesizedName("`RTTI Type Descriptor Name'"))
        }
        if starts(with: "??@") { return parseMD5Name() }
        guard consume(UInt8(ascii: "?")) else { return nil }
        if starts(with: "?_"), let special = parseSpecialSymbol() { return special }
        return parseDeclarator()
    }

    /// An MD5-hashed name is not demangleable; it is kept as written.
    func parseMD5Name() -> MSSymbol? {
        let start = pos
        var i = pos + 3
        while i < input.count && input[i] != UInt8(ascii: "@") { i += 1 }
        guard i < input.count else { return nil }
        pos = i + 1
        // A complete object locator of an MD5-named class carries a trailing `??_R4@`.
        _ = consume("??_R4@")
        return MSSymbol(.md5(text(start..<pos)))
    }

    /// `<name> <type-encoding>`: a function or a data symbol.
    func parseDeclarator() -> MSSymbol? {
        guard let name = parseFullyQualifiedSymbolName() else { return nil }
        let symbol: MSSymbol
        let c = peek()
        if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "4") {
            pos += 1
            guard let variable = parseVariableEncoding(storageClass(c)) else { return nil }
            symbol = variable
        } else {
            guard let function = parseFunctionEncoding() else { return nil }
            symbol = function
            if case .conversion = name.last.kind {
                name.last.conversionTarget = symbol.signature?.returnType
            }
        }
        symbol.name = name
        if case .conversion = name.last.kind, name.last.conversionTarget == nil { return nil }
        return symbol
    }

    func storageClass(_ c: UInt8) -> MSStorageClass {
        switch c {
        case UInt8(ascii: "0"): return .privateStatic
        case UInt8(ascii: "1"): return .protectedStatic
        case UInt8(ascii: "2"): return .publicStatic
        case UInt8(ascii: "3"): return .global
        default: return .functionLocalStatic
        }
    }

    /// `<storage-class> <variable-type>`; pointers carry their pointee's qualifiers last.
    func parseVariableEncoding(_ storage: MSStorageClass) -> MSSymbol? {
        guard let type = parseType(.drop) else { return nil }
        if case .pointer(let pointer) = type.shape {
            type.quals.formUnion(parsePointerExtQualifiers())
            guard let child = parseQualifiers() else { return nil }
            if pointer.classParent != nil {
                guard parseFullyQualifiedTypeName() != nil else { return nil }
            }
            pointer.pointee.quals.formUnion(child.quals)
        } else {
            guard let quals = parseQualifiers() else { return nil }
            type.quals = quals.quals
        }
        return MSSymbol(.variable(storage, type))
    }

    func synthesizedName(_ text: StaticString) -> MSQualifiedName {
        MSQualifiedName(components: [MSIdentifier(.named(MSText(text)))])
    }

    // MARK: Numbers

    /// `[?] (<digit> | <A-P hex digits> @)`; a single digit d means d + 1.
    func parseNumber() -> MSNumber? {
        let negative = consume(UInt8(ascii: "?"))
        let c = peek()
        if Self.isDigit(c) {
            pos += 1
            return MSNumber(value: UInt64(c - UInt8(ascii: "0")) + 1, negative: negative)
        }
        var value: UInt64 = 0
        while pos < input.count {
            let d = input[pos]
            pos += 1
            if d == UInt8(ascii: "@") { return MSNumber(value: value, negative: negative) }
            guard d >= UInt8(ascii: "A") && d <= UInt8(ascii: "P") else { return nil }
            value = (value &<< 4) &+ UInt64(d - UInt8(ascii: "A"))
        }
        return nil
    }

    func parseUnsigned() -> UInt64? {
        guard let number = parseNumber(), !number.negative else { return nil }
        return number.value
    }

    func parseSigned() -> Int64? {
        guard let number = parseNumber(), number.value <= UInt64(Int64.max) else { return nil }
        return number.negative ? -Int64(number.value) : Int64(number.value)
    }

    // MARK: Names

    /// Remembers a name for `0`-`9` back-references: at most ten, no duplicates.
    func remember(_ key: MSText, as node: MSIdentifier) {
        guard backrefs.names.count < 10 else { return }
        for existing in backrefs.nameKeys where existing.sameBytes(as: key) { return }
        backrefs.names.append(node)
        backrefs.nameKeys.append(key)
    }

    /// Remembers an identifier by its undname spelling. A template name is remembered as
    /// itself (so a back-reference prints in the caller's style); other names (a `$1?`
    /// symbol's) as their rendered text, as LLVM does. Fails past the output budget.
    func rememberRendered(_ identifier: MSIdentifier, asText: Bool = false) -> Bool {
        guard backrefs.names.count < 10 else { return true }
        let printer = MSVCPrinter(style: .undname, budget: budget)
        do {
            try printer.identifier(identifier)
        } catch {
            return false
        }
        budget = printer.budget
        let key = printer.copyOutput()
        renderedKeys.append(key)
        let text = MSText(UnsafePointer(key.baseAddress!), count: key.count)
        remember(text, as: asText ? MSIdentifier(.named(text)) : identifier)
        return true
    }

    func parseBackrefName() -> MSIdentifier? {
        let index = Int(peek() &- UInt8(ascii: "0"))
        guard index < backrefs.names.count else { return nil }
        pos += 1
        return backrefs.names[index]
    }

    /// A source name up to the next `@` (which must not be the first byte).
    func parseSimpleName(remember shouldRemember: Bool) -> MSIdentifier? {
        var i = pos
        while i < input.count && input[i] != UInt8(ascii: "@") { i += 1 }
        guard i < input.count, i > pos else { return nil }
        let name = text(pos..<i)
        pos = i + 1
        // The remembered node is shared with this use; nothing mutates plain names later
        // (a template copies its name before attaching arguments).
        let identifier = MSIdentifier(.named(name))
        if shouldRemember { remember(name, as: identifier) }
        return identifier
    }

    /// `?$<name><template-args>@`. Template arguments get their own back-reference scope.
    func parseTemplateInstantiation(rememberIt: Bool) -> MSIdentifier? {
        depth += 1
        defer { depth -= 1 }
        guard !tooDeep else { return nil }
        pos += 2
        let outer = backrefs
        backrefs = MSBackrefs()
        guard let name = parseUnqualifiedSymbolName() else { return nil }
        // The name node may be shared (remembered for back-references); decorate a copy.
        let identifier = MSIdentifier(name.kind)
        identifier.structorClass = name.structorClass
        identifier.conversionTarget = name.conversionTarget
        guard let arguments = parseTemplateArguments() else { return nil }
        identifier.templateArguments = arguments
        backrefs = outer
        if rememberIt {
            // Only types and scopes remember templates; structors make no sense there.
            guard !identifier.isStructorOrConversion, rememberRendered(identifier) else { return nil }
        }
        return identifier
    }

    /// The last component of a symbol name: a back-reference, template, operator or name.
    func parseUnqualifiedSymbolName() -> MSIdentifier? {
        let c = peek()
        if Self.isDigit(c) { return parseBackrefName() }
        if starts(with: "?$") { return parseTemplateInstantiation(rememberIt: false) }
        if c == UInt8(ascii: "?") { return parseOperatorName() }
        return parseSimpleName(remember: true)
    }

    func parseUnqualifiedTypeName(remember shouldRemember: Bool) -> MSIdentifier? {
        if Self.isDigit(peek()) { return parseBackrefName() }
        if starts(with: "?$") { return parseTemplateInstantiation(rememberIt: true) }
        return parseSimpleName(remember: shouldRemember)
    }

    /// One enclosing scope: back-reference, template, anonymous namespace, function-local
    /// scope (`?1??f@@YAXXZ@`) or plain name.
    func parseNameScopePiece() -> MSIdentifier? {
        if Self.isDigit(peek()) { return parseBackrefName() }
        if starts(with: "?$") { return parseTemplateInstantiation(rememberIt: true) }
        if starts(with: "?A") { return parseAnonymousNamespace() }
        if startsWithLocalScope() { return parseLocalScope() }
        return parseSimpleName(remember: true)
    }

    /// `?A<key>@`; the key (e.g. `0x77c58568`) is what a back-reference repeats.
    func parseAnonymousNamespace() -> MSIdentifier? {
        pos += 2
        var i = pos
        while i < input.count && input[i] != UInt8(ascii: "@") { i += 1 }
        guard i < input.count else { return nil }
        let key = text(pos..<i)
        remember(key, as: MSIdentifier(.named(key)))
        pos = i + 1
        return MSIdentifier(.anonymousNamespace)
    }

    /// Whether the input starts with `?<n>?` where n is `@`, a digit, or `[B-P][A-P]*@`.
    func startsWithLocalScope() -> Bool {
        guard peek() == UInt8(ascii: "?") else { return false }
        var end = pos + 1
        while end < input.count && input[end] != UInt8(ascii: "?") { end += 1 }
        guard end < input.count else { return false }
        let start = pos + 1
        let length = end - start
        if length == 0 { return false }
        if length == 1 {
            let c = input[start]
            return c == UInt8(ascii: "@") || Self.isDigit(c)
        }
        guard input[end - 1] == UInt8(ascii: "@") else { return false }
        let first = input[start]
        guard first >= UInt8(ascii: "B") && first <= UInt8(ascii: "P") else { return false }
        var i = start + 1
        while i < end - 1 {
            let c = input[i]
            guard c >= UInt8(ascii: "A") && c <= UInt8(ascii: "P") else { return false }
            i += 1
        }
        return true
    }

    /// `?<n>?<symbol>`: the n-th scope inside the function `<symbol>`.
    func parseLocalScope() -> MSIdentifier? {
        pos += 1
        guard let index = parseNumber()?.value else { return nil }
        _ = consume(UInt8(ascii: "?"))
        guard let parent = parseSymbol() else { return nil }
        return MSIdentifier(.localScope(parent: parent, index: index))
    }

    /// `<unqualified-name> <scope>* @`, stored outermost first.
    func parseNameScopeChain(_ innermost: MSIdentifier) -> MSQualifiedName? {
        var reversed = [innermost]
        while !consume(UInt8(ascii: "@")) {
            guard !atEnd, let piece = parseNameScopePiece() else { return nil }
            reversed.append(piece)
        }
        return MSQualifiedName(components: reversed.reversed())
    }

    func parseFullyQualifiedTypeName() -> MSQualifiedName? {
        guard let identifier = parseUnqualifiedTypeName(remember: true) else { return nil }
        return parseNameScopeChain(identifier)
    }

    func parseFullyQualifiedSymbolName() -> MSQualifiedName? {
        guard let identifier = parseUnqualifiedSymbolName(),
              let name = parseNameScopeChain(identifier) else { return nil }
        if case .structor = identifier.kind {
            guard name.components.count >= 2 else { return nil }
            identifier.structorClass = name.components[name.components.count - 2]
        }
        return name
    }
}
