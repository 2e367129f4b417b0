// The syntax tree of a demangled Microsoft Visual C++ name.
//
// Nodes never leave the `demangle` call that made them and are used by one thread, so
// their fields skip the runtime's exclusivity checks (`@exclusivity(unchecked)`).
//
// The parser builds these nodes; the printer walks them in one of two styles. Nodes are
// classes because back-references share them (a parameter list may name the same type
// twice) and because a few fields are filled in after the node is made: a constructor
// learns its class from the enclosing scope, a conversion operator its target type from
// the function's return type. The tree is therefore a DAG; the printer bounds its depth
// and its output, so sharing can never make it loop or explode.

/// Bytes of a name: a run of the input being demangled or of a static literal. Not owned:
/// a tree lives only within one `demangle` call, while the input buffer is pinned.
struct MSText {
    let start: UnsafePointer<UInt8>
    let count: Int

    init(_ start: UnsafePointer<UInt8>, count: Int) {
        self.start = start
        self.count = count
    }

    init(_ literal: StaticString) {
        start = literal.utf8Start
        count = literal.utf8CodeUnitCount
    }

    func sameBytes(as other: MSText) -> Bool {
        guard count == other.count else { return false }
        var i = 0
        while i < count {
            if start[i] != other.start[i] { return false }
            i += 1
        }
        return true
    }
}

/// cv- and MS-specific qualifiers of a type, pointer or member function.
struct MSQualifiers: OptionSet, Sendable {
    let rawValue: UInt8
    static let const = MSQualifiers(rawValue: 1 << 0)
    static let volatile = MSQualifiers(rawValue: 1 << 1)
    static let unaligned = MSQualifiers(rawValue: 1 << 4)
    static let restrict = MSQualifiers(rawValue: 1 << 5)
    static let pointer64 = MSQualifiers(rawValue: 1 << 6)
    // Named combinations: array literals of option sets are costly in unoptimized builds.
    static let constVolatile = MSQualifiers(rawValue: 0b11)

    /// `contains` without the generic `SetAlgebra` path (slow in unoptimized builds).
    func has(_ flag: MSQualifiers) -> Bool { rawValue & flag.rawValue != 0 }
}

/// What a function symbol is: its access, whether static/virtual, and thunk kinds.
struct MSFunctionClass: OptionSet, Sendable {
    let rawValue: UInt16
    static let `public` = MSFunctionClass(rawValue: 1 << 0)
    static let protected = MSFunctionClass(rawValue: 1 << 1)
    static let `private` = MSFunctionClass(rawValue: 1 << 2)
    static let global = MSFunctionClass(rawValue: 1 << 3)
    static let `static` = MSFunctionClass(rawValue: 1 << 4)
    static let virtual = MSFunctionClass(rawValue: 1 << 5)
    static let far = MSFunctionClass(rawValue: 1 << 6)
    static let externC = MSFunctionClass(rawValue: 1 << 7)
    static let noParameterList = MSFunctionClass(rawValue: 1 << 8)
    static let virtualThisAdjust = MSFunctionClass(rawValue: 1 << 9)
    static let virtualThisAdjustEx = MSFunctionClass(rawValue: 1 << 10)
    static let staticThisAdjust = MSFunctionClass(rawValue: 1 << 11)
    static let globalOrStatic = global.union(`static`)

    func has(_ flag: MSFunctionClass) -> Bool { rawValue & flag.rawValue != 0 }
}

/// Calling conventions, spelled as undname spells them.
enum MSCallingConvention: Sendable {
    case none, cdecl, pascal, thiscall, stdcall, fastcall, clrcall, eabi, vectorcall, swift, swiftAsync

    var spelling: StaticString {
        switch self {
        case .none: return ""
        case .cdecl: return "__cdecl"
        case .pascal: return "__pascal"
        case .thiscall: return "__thiscall"
        case .stdcall: return "__stdcall"
        case .fastcall: return "__fastcall"
        case .clrcall: return "__clrcall"
        case .eabi: return "__eabi"
        case .vectorcall: return "__vectorcall"
        case .swift: return "__attribute__((__swiftcall__)) "
        case .swiftAsync: return "__attribute__((__swiftasynccall__)) "
        }
    }
}

/// Storage class of a data symbol (`0`...`4` after the name).
enum MSStorageClass: Sendable {
    case none, privateStatic, protectedStatic, publicStatic, global, functionLocalStatic
}

enum MSPointerAffinity: Sendable { case pointer, reference, rvalueReference }
enum MSRefQualifier: Sendable { case none, lvalue, rvalue }
enum MSTagKind: Sendable { case `class`, `struct`, union, `enum` }

/// Built-in types.
enum MSPrimitive: Sendable {
    case void, bool, char, schar, uchar, char8, char16, char32, short, ushort, int, uint
    case long, ulong, int64, uint64, wchar, float, double, ldouble, nullptr, auto, decltypeAuto

    /// The spelling; `msTypeNames` chooses `__int64` (undname) over `int64_t` (symbolic).
    func spelling(msTypeNames: Bool) -> StaticString {
        switch self {
        case .void: return "void"
        case .bool: return "bool"
        case .char: return "char"
        case .schar: return "signed char"
        case .uchar: return "unsigned char"
        case .char8: return "char8_t"
        case .char16: return "char16_t"
        case .char32: return "char32_t"
        case .short: return "short"
        case .ushort: return "unsigned short"
        case .int: return "int"
        case .uint: return "unsigned int"
        case .long: return "long"
        case .ulong: return "unsigned long"
        case .int64: return msTypeNames ? "__int64" : "int64_t"
        case .uint64: return msTypeNames ? "unsigned __int64" : "uint64_t"
        case .wchar: return "wchar_t"
        case .float: return "float"
        case .double: return "double"
        case .ldouble: return "long double"
        case .nullptr: return "std::nullptr_t"
        case .auto: return "auto"
        case .decltypeAuto: return "decltype(auto)"
        }
    }
}

/// A type. `quals` are the type's own qualifiers (for a function type: the `this` qualifiers).
final class MSType {
    enum Shape {
        case primitive(MSPrimitive)
        case tag(MSTagKind, MSQualifiedName)
        case pointer(MSPointer)
        case array(dimensions: [UInt64], element: MSType)
        case function(MSSignature)
        case custom(MSIdentifier)
    }

    @exclusivity(unchecked) var quals: MSQualifiers
    @exclusivity(unchecked) var shape: Shape

    init(_ shape: Shape, quals: MSQualifiers = MSQualifiers()) {
        self.shape = shape
        self.quals = quals
    }

    var isFunction: Bool { if case .function = shape { return true } else { return false } }
    var isArray: Bool { if case .array = shape { return true } else { return false } }
}

/// A pointer, reference or pointer to member.
final class MSPointer {
    @exclusivity(unchecked) var affinity: MSPointerAffinity
    /// The class of a pointer to member.
    @exclusivity(unchecked) var classParent: MSQualifiedName?
    @exclusivity(unchecked) var pointee: MSType
    /// clang's `__ptrauth` qualifier, if present.
    @exclusivity(unchecked) var pointerAuth: MSPointerAuth?

    init(affinity: MSPointerAffinity, pointee: MSType) {
        self.affinity = affinity
        self.pointee = pointee
    }
}

/// The three `__ptrauth(key, address-discriminated, discriminator)` arguments.
struct MSPointerAuth {
    var key: UInt64
    var addressDiscriminated: UInt64
    var discriminator: UInt64
}

// Small results are structs rather than tuples: unoptimized builds look up tuple metadata
// at run time on every optional tuple.

/// A decoded `<number>`: magnitude and sign.
struct MSNumber {
    var value: UInt64
    var negative: Bool
}

/// A decoded cv-qualifier code; `isMember` for the `Q`-`T` forms used by member pointers.
struct MSQualifierCode {
    var quals: MSQualifiers
    var isMember: Bool
}

/// A decoded pointer code: the pointer's own qualifiers and its kind.
struct MSPointerCode {
    var quals: MSQualifiers
    var affinity: MSPointerAffinity
}

/// The offsets of a `this`-adjusting thunk.
struct MSThisAdjust {
    var staticOffset: UInt32 = 0
    var vbPointerOffset: Int32 = 0
    var vbOffsetOffset: Int32 = 0
    var vtordispOffset: Int32 = 0
}

/// A function signature: of a function symbol, a function pointer or a function type.
final class MSSignature {
    @exclusivity(unchecked) var callingConvention: MSCallingConvention = .none
    @exclusivity(unchecked) var functionClass: MSFunctionClass = .global
    @exclusivity(unchecked) var refQualifier: MSRefQualifier = .none
    /// nil for constructors, destructors and signatures without a mangled return type.
    @exclusivity(unchecked) var returnType: MSType?
    /// nil means `(void)`; an empty array with `isVariadic` means `(...)`.
    @exclusivity(unchecked) var parameters: [MSType]?
    @exclusivity(unchecked) var isVariadic = false
    @exclusivity(unchecked) var isNoexcept = false
    /// Set for thunks, which print `[thunk]:` and their adjustment.
    @exclusivity(unchecked) var thunk: MSThisAdjust?
}

/// One template argument.
enum MSTemplateArgument {
    case type(MSType)
    case integer(UInt64, negative: Bool)
    /// `&symbol`, a symbol reference, or a member pointer `{symbol, offsets...}`.
    case symbol(MSSymbol?, affinity: MSPointerAffinity, offsets: [Int64])
    /// A template alias (`$$Y`).
    case name(MSQualifiedName)
}

/// The special functions spelled with `?X`, `?_X` and `?__X` codes.
enum MSOperator: Sendable {
    case new, delete, assign, rightShift, leftShift, logicalNot, equals, notEquals, arraySubscript
    case arrow, dereference, increment, decrement, minus, plus, bitwiseAnd, arrowStar, divide
    case modulus, less, lessEqual, greater, greaterEqual, comma, call, bitwiseNot, bitwiseXor
    case bitwiseOr, logicalAnd, logicalOr, timesEqual, plusEqual, minusEqual, divideEqual
    case modulusEqual, rightShiftEqual, leftShiftEqual, andEqual, orEqual, xorEqual
    case vbaseDtor, vectorDeletingDtor, defaultCtorClosure, scalarDeletingDtor, vectorCtorIterator
    case vectorDtorIterator, vectorVbaseCtorIterator, virtualDisplacementMap, ehVectorCtorIterator
    case ehVectorDtorIterator, ehVectorVbaseCtorIterator, copyCtorClosure, localVftableCtorClosure
    case arrayNew, arrayDelete, managedVectorCtorIterator, managedVectorDtorIterator
    case ehVectorCopyCtorIterator, ehVectorVbaseCopyCtorIterator, vectorCopyCtorIterator
    case vectorVbaseCopyCtorIterator, managedVectorVbaseCopyCtorIterator, coAwait, spaceship
    case placementDeleteClosure, placementArrayDeleteClosure
}

/// One component of a qualified name.
final class MSIdentifier {
    enum Kind {
        /// A source name, or a synthesized one such as `` `vftable' ``.
        case named(MSText)
        case anonymousNamespace
        case `operator`(MSOperator)
        /// Constructor or destructor; the class is `structorClass`.
        case structor(isDestructor: Bool)
        /// `operator T`; the type is `conversionTarget`.
        case conversion
        case literalOperator(MSText)
        case vcallThunk(UInt64)
        case localStaticGuard(isThread: Bool, scope: UInt32)
        case dynamicStructor(isDestructor: Bool, variable: MSSymbol?, name: MSQualifiedName?)
        case rttiBaseClassDescriptor(UInt32, Int32, UInt32, UInt32)
        /// `` `parent'::`n' ``: a scope inside a function.
        case localScope(parent: MSSymbol, index: UInt64)
    }

    @exclusivity(unchecked) var kind: Kind
    @exclusivity(unchecked) var templateArguments: [MSTemplateArgument]?
    @exclusivity(unchecked) var structorClass: MSIdentifier?
    @exclusivity(unchecked) var conversionTarget: MSType?

    init(_ kind: Kind) { self.kind = kind }

    var isStructorOrConversion: Bool {
        switch kind {
        case .structor, .conversion: return true
        default: return false
        }
    }
}

/// `A::B::C`, outermost scope first.
struct MSQualifiedName {
    var components: [MSIdentifier]
    var last: MSIdentifier { components[components.count - 1] }
}

/// A decoded `??_C@_` string literal.
struct MSStringLiteral {
    enum CharKind { case char, char16, char32, wchar }
    var kind: CharKind
    var text: [UInt8]
    var isTruncated: Bool
}

/// The whole demangled entity.
final class MSSymbol {
    enum Kind {
        case function(MSType)
        case variable(MSStorageClass, MSType?)
        case specialTable(quals: MSQualifiers, targets: [MSQualifiedName])
        case localStaticGuard
        case stringLiteral(MSStringLiteral)
        /// An RTTI type descriptor (`??_R0`) or type descriptor name (`.?AV`).
        case typeDescriptor(MSType, isName: Bool)
        /// An MD5-hashed name (`??@...@`), printed as it is.
        case md5(MSText)
    }

    @exclusivity(unchecked) var name: MSQualifiedName?
    @exclusivity(unchecked) var kind: Kind

    init(_ kind: Kind, name: MSQualifiedName? = nil) {
        self.kind = kind
        self.name = name
    }

    var signature: MSSignature? {
        if case .function(let type) = kind, case .function(let signature) = type.shape { return signature }
        return nil
    }
}
