// The MSVC name parser: types and function signatures.

extension MSVCParser {
    /// How a type's leading cv-qualifier code is handled.
    enum QualifierMode {
        /// No qualifier code precedes the type.
        case drop
        /// A qualifier code always precedes the type (pointees).
        case mangle
        /// A qualifier code precedes the type only after `?` (return types).
        case result
    }

    /// `A`-`D` (plain) or `Q`-`T` (member) cv-qualifier codes.
    func parseQualifiers() -> MSQualifierCode? {
        switch next() {
        case UInt8(ascii: "A"): return MSQualifierCode(quals: MSQualifiers(), isMember: false)
        case UInt8(ascii: "B"): return MSQualifierCode(quals: .const, isMember: false)
        case UInt8(ascii: "C"): return MSQualifierCode(quals: .volatile, isMember: false)
        case UInt8(ascii: "D"): return MSQualifierCode(quals: .constVolatile, isMember: false)
        case UInt8(ascii: "Q"): return MSQualifierCode(quals: MSQualifiers(), isMember: true)
        case UInt8(ascii: "R"): return MSQualifierCode(quals: .const, isMember: true)
        case UInt8(ascii: "S"): return MSQualifierCode(quals: .volatile, isMember: true)
        case UInt8(ascii: "T"): return MSQualifierCode(quals: .constVolatile, isMember: true)
        default: return nil
        }
    }

    /// `E` (__ptr64), `I` (__restrict), `F` (__unaligned), each optional, in that order.
    func parsePointerExtQualifiers() -> MSQualifiers {
        var quals = MSQualifiers()
        if consume(UInt8(ascii: "E")) { quals.insert(.pointer64) }
        if consume(UInt8(ascii: "I")) { quals.insert(.restrict) }
        if consume(UInt8(ascii: "F")) { quals.insert(.unaligned) }
        return quals
    }

    /// `<type>`, preceded by a qualifier code according to `mode`.
    func parseType(_ mode: QualifierMode) -> MSType? {
        depth += 1
        defer { depth -= 1 }
        guard !tooDeep else { return nil }
        var quals = MSQualifiers()
        switch mode {
        case .drop:
            break
        case .mangle:
            guard let leading = parseQualifiers() else { return nil }
            quals = leading.quals
        case .result:
            if consume(UInt8(ascii: "?")) {
                guard let leading = parseQualifiers() else { return nil }
                quals = leading.quals
            }
        }
        guard !atEnd else { return nil }
        let parsed: MSType?
        switch peek() {
        case UInt8(ascii: "T"), UInt8(ascii: "U"), UInt8(ascii: "V"), UInt8(ascii: "W"):
            parsed = parseClassType()
        case UInt8(ascii: "A"), UInt8(ascii: "P"), UInt8(ascii: "Q"), UInt8(ascii: "R"), UInt8(ascii: "S"):
            guard let isMember = isMemberPointer() else { return nil }
            parsed = isMember ? parseMemberPointer() : parsePointer()
        case UInt8(ascii: "Y"):
            parsed = parseArray()
        case UInt8(ascii: "?"):
            pos += 1
            guard let identifier = parseUnqualifiedTypeName(remember: true),
                  consume(UInt8(ascii: "@")) else { return nil }
            parsed = MSType(.custom(identifier))
        default:
            if starts(with: "$$Q") {
                parsed = parsePointer()
            } else if consume("$$A8@@") {
                parsed = parseFunctionType(thisQualifiers: true)
            } else if consume("$$A6") {
                parsed = parseFunctionType(thisQualifiers: false)
            } else {
                parsed = parsePrimitive().map { MSType(.primitive($0)) }
            }
        }
        guard let type = parsed else { return nil }
        type.quals.formUnion(quals)
        return type
    }

    /// Looks ahead (without consuming) to tell a pointer to member from a plain pointer;
    /// nil when what follows fits neither.
    func isMemberPointer() -> Bool? {
        if peek() == UInt8(ascii: "A") || peek() == UInt8(ascii: "$") { return false }
        let saved = pos
        defer { pos = saved }
        pos += 1
        let c = peek()
        if Self.isDigit(c) {
            guard c == UInt8(ascii: "6") || c == UInt8(ascii: "8") else { return nil }
            return c == UInt8(ascii: "8")
        }
        _ = parsePointerExtQualifiers()
        if starts(with: "__ptrauth") {
            guard parsePointerAuth() != nil else { return nil }
        }
        switch peek() {
        case UInt8(ascii: "A"), UInt8(ascii: "B"), UInt8(ascii: "C"), UInt8(ascii: "D"): return false
        case UInt8(ascii: "Q"), UInt8(ascii: "R"), UInt8(ascii: "S"), UInt8(ascii: "T"): return true
        default: return nil
        }
    }

    /// The pointer's own cv-qualifiers and whether it is a pointer or (rvalue) reference.
    func parsePointerKind() -> MSPointerCode? {
        if consume("$$Q") { return MSPointerCode(quals: MSQualifiers(), affinity: .rvalueReference) }
        switch next() {
        case UInt8(ascii: "A"): return MSPointerCode(quals: MSQualifiers(), affinity: .reference)
        case UInt8(ascii: "P"): return MSPointerCode(quals: MSQualifiers(), affinity: .pointer)
        case UInt8(ascii: "Q"): return MSPointerCode(quals: .const, affinity: .pointer)
        case UInt8(ascii: "R"): return MSPointerCode(quals: .volatile, affinity: .pointer)
        case UInt8(ascii: "S"): return MSPointerCode(quals: .constVolatile, affinity: .pointer)
        default: return nil
        }
    }

    /// `__ptrauth<key><address-discriminated><discriminator>` (clang extension). The outer
    /// nil means malformed; `.some(nil)` means absent or not printable (a negative value).
    func parsePointerAuth() -> MSPointerAuth?? {
        guard consume("__ptrauth") else { return .some(nil) }
        guard let key = parseNumber(), let address = parseNumber(),
              let discriminator = parseNumber() else { return nil }
        if key.negative || address.negative || discriminator.negative { return .some(nil) }
        return MSPointerAuth(key: key.value, addressDiscriminated: address.value, discriminator: discriminator.value)
    }

    func parsePointer() -> MSType? {
        guard let code = parsePointerKind() else { return nil }
        if consume(UInt8(ascii: "6")) {
            guard let function = parseFunctionType(thisQualifiers: false) else { return nil }
            return MSType(.pointer(MSPointer(affinity: code.affinity, pointee: function)), quals: code.quals)
        }
        let ext = parsePointerExtQualifiers()
        guard let auth = parsePointerAuth(), let pointee = parseType(.mangle) else { return nil }
        let pointer = MSPointer(affinity: code.affinity, pointee: pointee)
        pointer.pointerAuth = auth
        return MSType(.pointer(pointer), quals: code.quals.union(ext))
    }

    /// `P8<class><member-function-type>` or `P<quals><class><type>` (data member).
    func parseMemberPointer() -> MSType? {
        guard let code = parsePointerKind(), code.affinity == .pointer else { return nil }
        let affinity = code.affinity
        let quals = code.quals.union(parsePointerExtQualifiers())
        let pointer: MSPointer
        if consume(UInt8(ascii: "8")) {
            guard let parent = parseFullyQualifiedTypeName(),
                  let function = parseFunctionType(thisQualifiers: true) else { return nil }
            pointer = MSPointer(affinity: affinity, pointee: function)
            pointer.classParent = parent
        } else {
            guard let pointeeQuals = parseQualifiers(), let parent = parseFullyQualifiedTypeName(),
                  let pointee = parseType(.drop) else { return nil }
            pointee.quals = pointeeQuals.quals
            pointer = MSPointer(affinity: affinity, pointee: pointee)
            pointer.classParent = parent
        }
        return MSType(.pointer(pointer), quals: quals)
    }

    /// `Y<rank><dimension>*[$$C<quals>]<element>`.
    func parseArray() -> MSType? {
        pos += 1
        guard let rank = parseNumber(), !rank.negative, rank.value > 0 else { return nil }
        var dimensions: [UInt64] = []
        var remaining = rank.value
        while remaining > 0 {
            // Each dimension consumes at least one byte, so the input bounds this loop.
            guard let dimension = parseNumber(), !dimension.negative else { return nil }
            dimensions.append(dimension.value)
            remaining -= 1
        }
        var quals = MSQualifiers()
        if consume("$$C") {
            guard let code = parseQualifiers(), !code.isMember else { return nil }
            quals = code.quals
        }
        guard let element = parseType(.drop) else { return nil }
        return MSType(.array(dimensions: dimensions, element: element), quals: quals)
    }

    func parseClassType() -> MSType? {
        let tag: MSTagKind
        switch next() {
        case UInt8(ascii: "T"): tag = .union
        case UInt8(ascii: "U"): tag = .struct
        case UInt8(ascii: "V"): tag = .class
        default:
            guard consume(UInt8(ascii: "4")) else { return nil }
            tag = .enum
        }
        guard let name = parseFullyQualifiedTypeName() else { return nil }
        return MSType(.tag(tag, name))
    }

    func parsePrimitive() -> MSPrimitive? {
        if consume("$$T") { return .nullptr }
        switch next() {
        case UInt8(ascii: "X"): return .void
        case UInt8(ascii: "D"): return .char
        case UInt8(ascii: "C"): return .schar
        case UInt8(ascii: "E"): return .uchar
        case UInt8(ascii: "F"): return .short
        case UInt8(ascii: "G"): return .ushort
        case UInt8(ascii: "H"): return .int
        case UInt8(ascii: "I"): return .uint
        case UInt8(ascii: "J"): return .long
        case UInt8(ascii: "K"): return .ulong
        case UInt8(ascii: "M"): return .float
        case UInt8(ascii: "N"): return .double
        case UInt8(ascii: "O"): return .ldouble
        case UInt8(ascii: "_"):
            switch next() {
            case UInt8(ascii: "N"): return .bool
            case UInt8(ascii: "J"): return .int64
            case UInt8(ascii: "K"): return .uint64
            case UInt8(ascii: "W"): return .wchar
            case UInt8(ascii: "Q"): return .char8
            case UInt8(ascii: "S"): return .char16
            case UInt8(ascii: "U"): return .char32
            case UInt8(ascii: "P"): return .auto
            case UInt8(ascii: "T"): return .decltypeAuto
            default: return nil
            }
        default: return nil
        }
    }
}
