// Turns a parsed MSVC symbol into text, in one of two styles:
//
// - `.undname`: the complete declaration as llvm-undname prints it (access, static/virtual,
//   return type, calling convention, `class` keywords, `char const *` pointer spacing).
// - `.simple`: the style symbolic (Sentry) uses for MSVC names through the msvc-demangler
//   crate: the qualified name, optionally with the parameter list, no return type, no
//   calling convention or tag keywords, pointers hugging their type (`GURL const&`),
//   `> >` between closing template brackets and undname's long names for compiler helpers
//   (`` `scalar deleting destructor' ``).
//
// Every byte goes through `emit`, which charges a shared budget; recursion is counted.

final class MSVCPrinter {
    enum Style: Equatable {
        case undname
        case simple(parameters: Bool)
    }

    // Single-threaded and never shared, like the parser: skip runtime exclusivity checks.
    @exclusivity(unchecked) var style: Style
    @exclusivity(unchecked) var budget: Int
    @exclusivity(unchecked) var depth = 0
    /// The text so far, in a buffer we grow ourselves (plain memory copies, no generic
    /// `Array` paths, which are slow in unoptimized builds).
    @exclusivity(unchecked) var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var capacity = 128
    @exclusivity(unchecked) var count = 0

    init(style: Style, budget: Int) {
        self.style = style
        self.budget = budget
        buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    var full: Bool { style == .undname }

    /// The output as a string (invalid UTF-8, possible in names, becomes U+FFFD).
    func string() -> String {
        String(decoding: UnsafeBufferPointer(start: buffer, count: count), as: UTF8.self)
    }

    /// A copy of the output that the caller owns and must deallocate.
    func copyOutput() -> UnsafeMutableBufferPointer<UInt8> {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(count, 1))
        UnsafeMutableRawPointer(copy.baseAddress!).copyMemory(from: buffer, byteCount: count)
        return UnsafeMutableBufferPointer(rebasing: copy[0..<count])
    }

    // MARK: Output

    func enter() throws(MSVCFailure) {
        depth += 1
        if depth > MSVCLimits.maxPrintDepth { throw .tooDeep }
    }

    func emit(_ start: UnsafePointer<UInt8>, _ n: Int) throws(MSVCFailure) {
        budget -= n
        if budget < 0 { throw .tooLong }
        if count + n > capacity {
            var grown = capacity * 2
            while grown < count + n { grown *= 2 }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            UnsafeMutableRawPointer(bigger).copyMemory(from: buffer, byteCount: count)
            buffer.deallocate()
            buffer = bigger
            capacity = grown
        }
        UnsafeMutableRawPointer(buffer + count).copyMemory(from: start, byteCount: n)
        count += n
    }

    func emit(_ text: StaticString) throws(MSVCFailure) {
        try emit(text.utf8Start, text.utf8CodeUnitCount)
    }

    func emit(_ text: MSText) throws(MSVCFailure) {
        try emit(text.start, text.count)
    }

    func emit(bytes: [UInt8]) throws(MSVCFailure) {
        for byte in bytes { try emit(byte: byte) }
    }

    func emit(byte: UInt8) throws(MSVCFailure) {
        var value = byte
        try emit(&value, 1)
    }

    func emit(number: UInt64) throws(MSVCFailure) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes hold any UInt64
        var rest = number
        var n = 0
        try withUnsafeMutableBytes(of: &digits) { raw throws(MSVCFailure) in
            let bytes = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            repeat {
                bytes[23 - n] = 0x30 + UInt8(rest % 10)
                rest /= 10
                n += 1
            } while rest != 0
            try emit(UnsafePointer(bytes + 24 - n), n)
        }
    }

    func emit(signed: Int64) throws(MSVCFailure) {
        if signed < 0 { try emit("-") }
        try emit(number: signed.magnitude)
    }

    var last: UInt8 { count > 0 ? buffer[count - 1] : 0 }

    /// A space unless the text so far ends in punctuation other than `>`.
    func spaceIfNeeded() throws(MSVCFailure) {
        let c = last
        let isAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
        if isAlnum || c == UInt8(ascii: ">") { try emit(" ") }
    }

    // MARK: Symbols

    func symbol(_ symbol: MSSymbol) throws(MSVCFailure) {
        try enter()
        defer { depth -= 1 }
        switch symbol.kind {
        case .function(let type):
            guard case .function(let signature) = type.shape, let name = symbol.name else { throw .invalid }
            try functionSymbol(name, signature, quals: type.quals)
        case .variable(let storage, let type):
            guard let name = symbol.name else { throw .invalid }
            try variableSymbol(name, storage: storage, type: type)
        case .specialTable(let quals, let targets):
            guard let name = symbol.name else { throw .invalid }
            if full { try qualifiers(quals, spaceBefore: false, spaceAfter: true) }
            try qualifiedName(name)
            if !targets.isEmpty && style != .simple(parameters: false) {
                try emit("{for `")
                for index in 0..<targets.count {
                    if index > 0 { try emit("'s `") }
                    try qualifiedName(targets[index])
                }
                try emit("'}")
            }
        case .localStaticGuard:
            guard let name = symbol.name else { throw .invalid }
            try qualifiedName(name)
        case .stringLiteral(let literal):
            try stringLiteral(literal)
        case .typeDescriptor(let type, let isName):
            guard let name = symbol.name else { throw .invalid }
            try typePre(type)
            if full {
                try spaceIfNeeded()
                try qualifiedName(name)
                try typePost(type)
            } else {
                try typePost(type)
                if !isName {
                    try emit("::")
                    try qualifiedName(name)
                }
            }
        case .md5(let text):
            try emit(text)
        }
    }

    func functionSymbol(_ name: MSQualifiedName, _ signature: MSSignature,
                        quals: MSQualifiers) throws(MSVCFailure) {
        guard full else {
            try qualifiedName(name)
            if style == .simple(parameters: true) && !signature.functionClass.has(.noParameterList) {
                try signatureSuffix(signature, quals: quals, returnTail: false)
            }
            return
        }
        if signature.thunk != nil { try emit("[thunk]: ") }
        try signaturePrefix(signature)
        try callingConvention(signature.callingConvention)
        try spaceIfNeeded()
        try qualifiedName(name)
        if let adjust = signature.thunk { try thunkAdjustment(adjust, signature.functionClass) }
        try signatureSuffix(signature, quals: quals)
    }

    func thunkAdjustment(_ adjust: MSThisAdjust, _ functionClass: MSFunctionClass) throws(MSVCFailure) {
        if functionClass.has(.staticThisAdjust) {
            try emit("`adjustor{")
            try emit(number: UInt64(adjust.staticOffset))
            try emit("}'")
        } else if functionClass.has(.virtualThisAdjust) {
            if functionClass.has(.virtualThisAdjustEx) {
                try emit("`vtordispex{")
                try emit(signed: Int64(adjust.vbPointerOffset))
                try emit(", ")
                try emit(signed: Int64(adjust.vbOffsetOffset))
                try emit(", ")
            } else {
                try emit("`vtordisp{")
            }
            try emit(signed: Int64(adjust.vtordispOffset))
            try emit(", ")
            try emit(number: UInt64(adjust.staticOffset))
            try emit("}'")
        }
    }

    func variableSymbol(_ name: MSQualifiedName, storage: MSStorageClass,
                        type: MSType?) throws(MSVCFailure) {
        guard full else { return try qualifiedName(name) }
        switch storage {
        case .privateStatic: try emit("private: static ")
        case .protectedStatic: try emit("protected: static ")
        case .publicStatic: try emit("public: static ")
        default: break
        }
        if let type { try typePre(type) }
        try spaceIfNeeded()
        try qualifiedName(name)
        if let type { try typePost(type) }
    }

    func stringLiteral(_ literal: MSStringLiteral) throws(MSVCFailure) {
        guard full else { return try emit("`string'") }
        switch literal.kind {
        case .wchar: try emit("L\"")
        case .char: try emit("\"")
        case .char16: try emit("u\"")
        case .char32: try emit("U\"")
        }
        try emit(bytes: literal.text)
        try emit("\"")
        if literal.isTruncated { try emit("...") }
    }

    // MARK: Names

    func qualifiedName(_ name: MSQualifiedName) throws(MSVCFailure) {
        for index in 0..<name.components.count {
            if index > 0 { try emit("::") }
            try identifier(name.components[index])
        }
    }

    func identifier(_ identifier: MSIdentifier) throws(MSVCFailure) {
        try enter()
        defer { depth -= 1 }
        switch identifier.kind {
        case .named(let text):
            try emit(text)
        case .anonymousNamespace:
            try emit("`anonymous namespace'")
        case .operator(let op):
            try emit(full ? op.undnameSpelling : op.longSpelling)
        case .structor(let isDestructor):
            if isDestructor { try emit("~") }
            if let owner = identifier.structorClass { try self.identifier(owner) }
        case .conversion:
            try emit("operator")
            try templateArguments(identifier.templateArguments)
            try emit(" ")
            if let target = identifier.conversionTarget {
                try typePre(target)
                try typePost(target)
            }
            return
        case .literalOperator(let text):
            try emit("operator \"\"")
            try emit(text)
        case .vcallThunk(let offset):
            try emit("`vcall'")
            if style != .simple(parameters: false) {
                try emit("{")
                try emit(number: offset)
                try emit(", {flat}}")
            }
        case .localStaticGuard(let isThread, let scope):
            try emit(isThread ? "`local static thread guard'" : "`local static guard'")
            if scope > 0 {
                try emit("{")
                try emit(number: UInt64(scope))
                try emit("}")
            }
        case .dynamicStructor(let isDestructor, let variable, let name):
            try emit(isDestructor ? "`dynamic atexit destructor for " : "`dynamic initializer for ")
            if let variable {
                try emit("`")
                try symbol(variable)
            } else {
                try emit("'")
                if let name { try qualifiedName(name) }
            }
            try emit("''")
        case .rttiBaseClassDescriptor(let nv, let vbPointer, let vbTable, let flags):
            try emit("`RTTI Base Class Descriptor at (")
            try emit(number: UInt64(nv))
            try emit(", ")
            try emit(signed: Int64(vbPointer))
            try emit(", ")
            try emit(number: UInt64(vbTable))
            try emit(", ")
            try emit(number: UInt64(flags))
            try emit(")'")
        case .localScope(let parent, let index):
            try emit("`")
            try symbol(parent)
            try emit("'::`")
            try emit(number: index)
            try emit("'")
        }
        try templateArguments(identifier.templateArguments)
    }

    func templateArguments(_ arguments: [MSTemplateArgument]?) throws(MSVCFailure) {
        guard let arguments else { return }
        try emit("<")
        for index in 0..<arguments.count {
            if index > 0 { try emit(", ") }
            try templateArgument(arguments[index])
        }
        // msvc-demangler (like undname) keeps closing brackets apart: `a<b<c> >`.
        if !full && last == UInt8(ascii: ">") { try emit(" ") }
        try emit(">")
    }

    func templateArgument(_ argument: MSTemplateArgument) throws(MSVCFailure) {
        switch argument {
        case .type(let type):
            try typePre(type)
            try typePost(type)
        case .integer(let value, let negative):
            if negative { try emit("-") }
            try emit(number: value)
        case .name(let name):
            try qualifiedName(name)
        case .symbol(let target, let affinity, let offsets):
            if !offsets.isEmpty {
                try emit("{")
            } else if affinity == .pointer {
                try emit("&")
            }
            if let target {
                // A simplified name shows the referenced symbol by name only.
                let saved = style
                if !full { style = .simple(parameters: false) }
                defer { style = saved }
                try symbol(target)
                if !offsets.isEmpty { try emit(", ") }
            }
            for index in 0..<offsets.count {
                if index > 0 { try emit(", ") }
                try emit(signed: offsets[index])
            }
            if !offsets.isEmpty { try emit("}") }
        }
    }
}
