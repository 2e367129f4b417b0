// The MSVC name parser: template arguments, operator codes and the special symbols the
// compiler synthesizes (vftables, RTTI records, guards, thunks, string literals).

extension MSVCParser {
    // MARK: Template arguments

    /// `<template-arg>* @`.
    func parseTemplateArguments() -> [MSTemplateArgument]? {
        depth += 1
        defer { depth -= 1 }
        guard !tooDeep else { return nil }
        var arguments: [MSTemplateArgument] = []
        while true {
            guard !atEnd else { return nil }
            if consume(UInt8(ascii: "@")) { return arguments }
            // Parameter pack separators and empty packs print nothing.
            if consume("$S") || consume("$$V") || consume("$$$V") || consume("$$Z") { continue }
            // `$M<type>` announces an `auto` non-type parameter; the type is not printed.
            let isAuto = consume("$M")
            if isAuto {
                guard parseType(.drop) != nil else { return nil }
            }
            guard let argument = parseTemplateArgument(isAuto: isAuto) else { return nil }
            arguments.append(argument)
        }
    }

    /// The code letter of a `$<code>` argument (plain `<code>` after `$M`), or 0.
    func argumentCode(isAuto: Bool) -> UInt8 {
        if isAuto { return peek() }
        return peek() == UInt8(ascii: "$") ? peek(1) : 0
    }

    func parseTemplateArgument(isAuto: Bool) -> MSTemplateArgument? {
        if consume("$$Y") { return parseFullyQualifiedTypeName().map { .name($0) } }
        if consume("$$B") { return parseType(.drop).map { .type($0) } }
        if consume("$$C") { return parseType(.mangle).map { .type($0) } }
        let code = argumentCode(isAuto: isAuto)
        let codeLength = isAuto ? 1 : 2
        switch code {
        case UInt8(ascii: "1"), UInt8(ascii: "H"), UInt8(ascii: "I"), UInt8(ascii: "J"):
            // Pointer to (member) function or object: 1 single, H multiple, I virtual,
            // J unspecified inheritance, with 0-3 offsets after the symbol.
            pos += codeLength
            var symbol: MSSymbol?
            if peek() == UInt8(ascii: "?") {
                guard let parsed = parseSymbol(), let name = parsed.name,
                      rememberRendered(name.last, asText: true) else { return nil }
                symbol = parsed
            }
            let count: Int
            switch code {
            case UInt8(ascii: "J"): count = 3
            case UInt8(ascii: "I"): count = 2
            case UInt8(ascii: "H"): count = 1
            default: count = 0
            }
            guard let offsets = parseOffsets(count) else { return nil }
            return .symbol(symbol, affinity: .pointer, offsets: offsets)
        default:
            break
        }
        if peek() == UInt8(ascii: "$"), peek(1) == UInt8(ascii: "E"), peek(2) == UInt8(ascii: "?") {
            pos += 2
            return parseSymbol().map { .symbol($0, affinity: .reference, offsets: []) }
        }
        switch code {
        case UInt8(ascii: "F"), UInt8(ascii: "G"):
            // Data member pointer: F two offsets, G three.
            pos += codeLength
            guard let offsets = parseOffsets(code == UInt8(ascii: "G") ? 3 : 2) else { return nil }
            return .symbol(nil, affinity: .pointer, offsets: offsets)
        case UInt8(ascii: "0"):
            pos += codeLength
            return parseNumber().map { .integer($0.value, negative: $0.negative) }
        default:
            return parseType(.drop).map { .type($0) }
        }
    }

    func parseOffsets(_ count: Int) -> [Int64]? {
        var offsets: [Int64] = []
        for _ in 0..<count {
            guard let offset = parseSigned() else { return nil }
            offsets.append(offset)
        }
        return offsets
    }

    // MARK: Operators

    /// `?<code>`, `?_<code>` or `?__<code>`: operators, structors and compiler helpers.
    func parseOperatorName() -> MSIdentifier? {
        pos += 1
        if consume("__") {
            guard let code = next() else { return nil }
            if code == UInt8(ascii: "K") {
                guard let name = parseSimpleName(remember: false), case .named(let text) = name.kind else { return nil }
                return MSIdentifier(.literalOperator(text))
            }
            return Self.doubleUnderscoreOperator(code).map { MSIdentifier(.operator($0)) }
        }
        if consume(UInt8(ascii: "_")) {
            guard let code = next() else { return nil }
            return Self.underscoreOperator(code).map { MSIdentifier(.operator($0)) }
        }
        switch next() {
        case nil: return nil
        case UInt8(ascii: "0"): return MSIdentifier(.structor(isDestructor: false))
        case UInt8(ascii: "1"): return MSIdentifier(.structor(isDestructor: true))
        case UInt8(ascii: "B"): return MSIdentifier(.conversion)
        case let code?: return Self.basicOperator(code).map { MSIdentifier(.operator($0)) }
        }
    }

    static func basicOperator(_ code: UInt8) -> MSOperator? {
        switch code {
        case UInt8(ascii: "2"): return .new
        case UInt8(ascii: "3"): return .delete
        case UInt8(ascii: "4"): return .assign
        case UInt8(ascii: "5"): return .rightShift
        case UInt8(ascii: "6"): return .leftShift
        case UInt8(ascii: "7"): return .logicalNot
        case UInt8(ascii: "8"): return .equals
        case UInt8(ascii: "9"): return .notEquals
        case UInt8(ascii: "A"): return .arraySubscript
        case UInt8(ascii: "C"): return .arrow
        case UInt8(ascii: "D"): return .dereference
        case UInt8(ascii: "E"): return .increment
        case UInt8(ascii: "F"): return .decrement
        case UInt8(ascii: "G"): return .minus
        case UInt8(ascii: "H"): return .plus
        case UInt8(ascii: "I"): return .bitwiseAnd
        case UInt8(ascii: "J"): return .arrowStar
        case UInt8(ascii: "K"): return .divide
        case UInt8(ascii: "L"): return .modulus
        case UInt8(ascii: "M"): return .less
        case UInt8(ascii: "N"): return .lessEqual
        case UInt8(ascii: "O"): return .greater
        case UInt8(ascii: "P"): return .greaterEqual
        case UInt8(ascii: "Q"): return .comma
        case UInt8(ascii: "R"): return .call
        case UInt8(ascii: "S"): return .bitwiseNot
        case UInt8(ascii: "T"): return .bitwiseXor
        case UInt8(ascii: "U"): return .bitwiseOr
        case UInt8(ascii: "V"): return .logicalAnd
        case UInt8(ascii: "W"): return .logicalOr
        case UInt8(ascii: "X"): return .timesEqual
        case UInt8(ascii: "Y"): return .plusEqual
        case UInt8(ascii: "Z"): return .minusEqual
        default: return nil
        }
    }

    static func underscoreOperator(_ code: UInt8) -> MSOperator? {
        switch code {
        case UInt8(ascii: "0"): return .divideEqual
        case UInt8(ascii: "1"): return .modulusEqual
        case UInt8(ascii: "2"): return .rightShiftEqual
        case UInt8(ascii: "3"): return .leftShiftEqual
        case UInt8(ascii: "4"): return .andEqual
        case UInt8(ascii: "5"): return .orEqual
        case UInt8(ascii: "6"): return .xorEqual
        case UInt8(ascii: "D"): return .vbaseDtor
        case UInt8(ascii: "E"): return .vectorDeletingDtor
        case UInt8(ascii: "F"): return .defaultCtorClosure
        case UInt8(ascii: "G"): return .scalarDeletingDtor
        case UInt8(ascii: "H"): return .vectorCtorIterator
        case UInt8(ascii: "I"): return .vectorDtorIterator
        case UInt8(ascii: "J"): return .vectorVbaseCtorIterator
        case UInt8(ascii: "K"): return .virtualDisplacementMap
        case UInt8(ascii: "L"): return .ehVectorCtorIterator
        case UInt8(ascii: "M"): return .ehVectorDtorIterator
        case UInt8(ascii: "N"): return .ehVectorVbaseCtorIterator
        case UInt8(ascii: "O"): return .copyCtorClosure
        case UInt8(ascii: "T"): return .localVftableCtorClosure
        case UInt8(ascii: "U"): return .arrayNew
        case UInt8(ascii: "V"): return .arrayDelete
        case UInt8(ascii: "X"): return .placementDeleteClosure
        case UInt8(ascii: "Y"): return .placementArrayDeleteClosure
        default: return nil
        }
    }

    static func doubleUnderscoreOperator(_ code: UInt8) -> MSOperator? {
        switch code {
        case UInt8(ascii: "A"): return .managedVectorCtorIterator
        case UInt8(ascii: "B"): return .managedVectorDtorIterator
        case UInt8(ascii: "C"): return .ehVectorCopyCtorIterator
        case UInt8(ascii: "D"): return .ehVectorVbaseCopyCtorIterator
        case UInt8(ascii: "G"): return .vectorCopyCtorIterator
        case UInt8(ascii: "H"): return .vectorVbaseCopyCtorIterator
        case UInt8(ascii: "I"): return .managedVectorVbaseCopyCtorIterator
        case UInt8(ascii: "L"): return .coAwait
        case UInt8(ascii: "M"): return .spaceship
        default: return nil
        }
    }

    // MARK: Special symbols

    /// Symbols named by `?_7`, `?_R0` ... codes right after the leading `?`. Returns nil
    /// when the name is an ordinary declarator, `.some(nil)` when it is special but invalid.
    func parseSpecialSymbol() -> MSSymbol?? {
        if consume("?_7") { return parseSpecialTable("`vftable'") }
        if consume("?_8") { return parseSpecialTable("`vbtable'") }
        if consume("?_9") { return parseVcallThunk() }
        if consume("?_B") { return parseLocalStaticGuard(isThread: false) }
        if consume("?_C") { return parseStringLiteral() }
        if consume("?_R0") {
            guard let type = parseType(.result), consume("@8"), atEnd else { return .some(nil) }
            return MSSymbol(.typeDescriptor(type, isName: false), name: synthesizedName("`RTTI Type Descriptor'"))
        }
        if consume("?_R1") { return parseBaseClassDescriptor() }
        if consume("?_R2") { return parseUntypedVariable("`RTTI Base Class Array'") }
        if consume("?_R3") { return parseUntypedVariable("`RTTI Class Hierarchy Descriptor'") }
        if consume("?_R4") { return parseSpecialTable("`RTTI Complete Object Locator'") }
        if consume("?_S") { return parseSpecialTable("`local vftable'") }
        if consume("?__E") { return parseDynamicStructor(isDestructor: false) }
        if consume("?__F") { return parseDynamicStructor(isDestructor: true) }
        if consume("?__J") { return parseLocalStaticGuard(isThread: true) }
        // `?_A` (typeof) and `?_P` (udt returning) are not produced by known tools.
        if starts(with: "?_A") || starts(with: "?_P") { return .some(nil) }
        return nil
    }

    /// vftable, vbtable, local vftable, complete object locator: `<scope> 6|7 <quals> {for}@`.
    func parseSpecialTable(_ label: StaticString) -> MSSymbol? {
        guard let name = parseNameScopeChain(MSIdentifier(.named(MSText(label)))),
              let c = next(), c == UInt8(ascii: "6") || c == UInt8(ascii: "7"),
              let quals = parseQualifiers() else { return nil }
        var targets: [MSQualifiedName] = []
        while !consume(UInt8(ascii: "@")) {
            guard let target = parseFullyQualifiedTypeName() else { return nil }
            targets.append(target)
        }
        return MSSymbol(.specialTable(quals: quals.quals, targets: targets), name: name)
    }

    func parseVcallThunk() -> MSSymbol? {
        let identifier = MSIdentifier(.vcallThunk(0))
        guard let name = parseNameScopeChain(identifier), consume("$B"),
              let offset = parseUnsigned(), consume(UInt8(ascii: "A")),
              let convention = parseCallingConvention() else { return nil }
        identifier.kind = .vcallThunk(offset)
        let signature = MSSignature()
        signature.functionClass = .noParameterList
        signature.callingConvention = convention
        signature.thunk = MSThisAdjust()
        return MSSymbol(.function(MSType(.function(signature))), name: name)
    }

    func parseLocalStaticGuard(isThread: Bool) -> MSSymbol? {
        let identifier = MSIdentifier(.localStaticGuard(isThread: isThread, scope: 0))
        guard let name = parseNameScopeChain(identifier),
              consume("4IA") || consume(UInt8(ascii: "5")) else { return nil }
        if !atEnd {
            guard let scope = parseUnsigned() else { return nil }
            identifier.kind = .localStaticGuard(isThread: isThread, scope: UInt32(truncatingIfNeeded: scope))
        }
        return MSSymbol(.localStaticGuard, name: name)
    }

    func parseUntypedVariable(_ label: StaticString) -> MSSymbol? {
        guard let name = parseNameScopeChain(MSIdentifier(.named(MSText(label)))),
              consume(UInt8(ascii: "8")) else { return nil }
        return MSSymbol(.variable(.none, nil), name: name)
    }

    func parseBaseClassDescriptor() -> MSSymbol? {
        guard let nvOffset = parseUnsigned(), let vbPointerOffset = parseSigned(),
              let vbTableOffset = parseUnsigned(), let flags = parseUnsigned() else { return nil }
        let identifier = MSIdentifier(.rttiBaseClassDescriptor(
            UInt32(truncatingIfNeeded: nvOffset), Int32(truncatingIfNeeded: vbPointerOffset),
            UInt32(truncatingIfNeeded: vbTableOffset), UInt32(truncatingIfNeeded: flags)))
        guard let name = parseNameScopeChain(identifier) else { return nil }
        _ = consume(UInt8(ascii: "8"))
        return MSSymbol(.variable(.none, nil), name: name)
    }

    /// `` `dynamic initializer for 'x'' `` and its atexit destructor. A static data member
    /// is spelled `?<declarator>@@`; older clang wrote the variable with one `@`.
    func parseDynamicStructor(isDestructor: Bool) -> MSSymbol? {
        let isStaticMember = consume(UInt8(ascii: "?"))
        guard let inner = parseDeclarator() else { return nil }
        if case .variable = inner.kind {
            for _ in 0..<(isStaticMember ? 2 : 1) {
                guard consume(UInt8(ascii: "@")) else { return nil }
            }
            guard let function = parseFunctionEncoding() else { return nil }
            let identifier = MSIdentifier(.dynamicStructor(isDestructor: isDestructor, variable: inner, name: nil))
            function.name = MSQualifiedName(components: [identifier])
            return function
        }
        guard !isStaticMember else { return nil }
        let identifier = MSIdentifier(.dynamicStructor(isDestructor: isDestructor, variable: nil, name: inner.name))
        inner.name = MSQualifiedName(components: [identifier])
        return inner
    }
}
