// The MSVC name parser: function signatures and function symbols.

extension MSVCParser {
    func parseCallingConvention() -> MSCallingConvention? {
        switch next() {
        case nil: return nil
        case UInt8(ascii: "A"), UInt8(ascii: "B"): return .cdecl
        case UInt8(ascii: "C"), UInt8(ascii: "D"): return .pascal
        case UInt8(ascii: "E"), UInt8(ascii: "F"): return .thiscall
        case UInt8(ascii: "G"), UInt8(ascii: "H"): return .stdcall
        case UInt8(ascii: "I"), UInt8(ascii: "J"): return .fastcall
        case UInt8(ascii: "M"), UInt8(ascii: "N"): return .clrcall
        case UInt8(ascii: "O"), UInt8(ascii: "P"): return .eabi
        case UInt8(ascii: "Q"): return .vectorcall
        case UInt8(ascii: "S"): return .swift
        case UInt8(ascii: "W"): return .swiftAsync
        default: return MSCallingConvention.none
        }
    }

    /// `[this-quals] <calling-convention> <return-type | @> <parameters> <throw-spec>`.
    func parseFunctionType(thisQualifiers: Bool) -> MSType? {
        depth += 1
        defer { depth -= 1 }
        guard !tooDeep else { return nil }
        let signature = MSSignature()
        var quals = MSQualifiers()
        if thisQualifiers {
            quals = parsePointerExtQualifiers()
            if consume(UInt8(ascii: "G")) {
                signature.refQualifier = .lvalue
            } else if consume(UInt8(ascii: "H")) {
                signature.refQualifier = .rvalue
            }
            guard let this = parseQualifiers() else { return nil }
            quals.formUnion(this.quals)
        }
        guard let convention = parseCallingConvention() else { return nil }
        signature.callingConvention = convention
        if !consume(UInt8(ascii: "@")) {
            guard let result = parseType(.result) else { return nil }
            signature.returnType = result
        }
        guard parseParameterList(into: signature) else { return nil }
        if consume("_E") {
            signature.isNoexcept = true
        } else {
            guard consume(UInt8(ascii: "Z")) else { return nil }
        }
        return MSType(.function(signature), quals: quals)
    }

    /// `X` (void) or types ending in `@` (or `Z` for varargs); `0`-`9` repeat earlier
    /// parameter types that took more than one byte to spell.
    func parseParameterList(into signature: MSSignature) -> Bool {
        if consume(UInt8(ascii: "X")) { return true }
        var parameters: [MSType] = []
        while true {
            let c = peek()
            guard !atEnd else { return false }
            if c == UInt8(ascii: "@") || c == UInt8(ascii: "Z") { break }
            if Self.isDigit(c) {
                let index = Int(c - UInt8(ascii: "0"))
                guard index < backrefs.parameters.count else { return false }
                pos += 1
                parameters.append(backrefs.parameters[index])
                continue
            }
            let start = pos
            guard let type = parseType(.drop) else { return false }
            if pos - start > 1 && backrefs.parameters.count < 10 { backrefs.parameters.append(type) }
            parameters.append(type)
        }
        signature.parameters = parameters
        if !consume(UInt8(ascii: "@")) {
            pos += 1
            signature.isVariadic = true
        }
        return true
    }

    /// `<function-class> [thunk offsets] <function-type>`.
    func parseFunctionEncoding() -> MSSymbol? {
        var functionClass: MSFunctionClass = consume("$$J0") ? .externC : MSFunctionClass()
        guard let mangledClass = parseFunctionClass() else { return nil }
        functionClass.formUnion(mangledClass)
        var adjust: MSThisAdjust?
        if functionClass.has(.staticThisAdjust) {
            guard let offset = parseSigned() else { return nil }
            adjust = MSThisAdjust(staticOffset: UInt32(truncatingIfNeeded: offset))
        } else if functionClass.has(.virtualThisAdjust) {
            var value = MSThisAdjust()
            if functionClass.has(.virtualThisAdjustEx) {
                guard let vbPointer = parseSigned(), let vbOffset = parseSigned() else { return nil }
                value.vbPointerOffset = Int32(truncatingIfNeeded: vbPointer)
                value.vbOffsetOffset = Int32(truncatingIfNeeded: vbOffset)
            }
            guard let vtordisp = parseSigned(), let offset = parseSigned() else { return nil }
            value.vtordispOffset = Int32(truncatingIfNeeded: vtordisp)
            value.staticOffset = UInt32(truncatingIfNeeded: offset)
            adjust = value
        }
        let type: MSType
        if functionClass.has(.noParameterList) {
            // extern "C" function whose signature was not mangled.
            type = MSType(.function(MSSignature()))
        } else {
            let hasThis = functionClass.intersection(.globalOrStatic).isEmpty
            guard let parsed = parseFunctionType(thisQualifiers: hasThis) else { return nil }
            type = parsed
        }
        guard case .function(let signature) = type.shape else { return nil }
        signature.functionClass = functionClass
        signature.thunk = adjust
        return MSSymbol(.function(type))
    }

    /// Access (private/protected/public), each with eight kinds: plain, far, static,
    /// static far, virtual, virtual far, adjustor thunk, adjustor thunk far.
    static let memberFunctionKinds: [MSFunctionClass] = [
        MSFunctionClass(), .far, .static, MSFunctionClass.static.union(.far), .virtual,
        MSFunctionClass.virtual.union(.far), .staticThisAdjust, MSFunctionClass.staticThisAdjust.union(.far),
    ]

    func parseFunctionClass() -> MSFunctionClass? {
        guard let c = next() else { return nil }
        switch c {
        case UInt8(ascii: "9"):
            return MSFunctionClass.externC.union(.noParameterList)
        case UInt8(ascii: "A")...UInt8(ascii: "X"):
            let index = Int(c - UInt8(ascii: "A"))
            let access: MSFunctionClass = index < 8 ? .private : index < 16 ? .protected : .public
            var result = access.union(Self.memberFunctionKinds[index % 8])
            // Protected and public adjustor thunks are virtual as well.
            if index % 8 >= 6 && index >= 8 { result.insert(.virtual) }
            return result
        case UInt8(ascii: "Y"):
            return .global
        case UInt8(ascii: "Z"):
            return MSFunctionClass.global.union(.far)
        case UInt8(ascii: "$"):
            // Virtual thunks adjusting `this` through a vtordisp (`$R`: and a vbptr).
            var flags = MSFunctionClass.virtualThisAdjust.union(.virtual)
            if consume(UInt8(ascii: "R")) { flags.insert(.virtualThisAdjustEx) }
            guard let d = next(), d >= UInt8(ascii: "0") && d <= UInt8(ascii: "5") else { return nil }
            let index = Int(d - UInt8(ascii: "0"))
            flags.formUnion(index < 2 ? .private : index < 4 ? .protected : .public)
            if index % 2 == 1 { flags.insert(.far) }
            return flags
        default:
            return nil
        }
    }
}
