// Printing types. C declarator syntax puts part of a type before the name and part after
// it (`int (*x)[3]`), so every type prints in two halves: `typePre` and `typePost`.

extension MSVCPrinter {
    /// const, volatile and (undname only) __restrict, space separated.
    func qualifiers(_ quals: MSQualifiers, spaceBefore: Bool, spaceAfter: Bool) throws(MSVCFailure) {
        var needSpace = spaceBefore
        var printed = false
        if quals.has(.const) {
            if needSpace { try emit(" ") }
            try emit("const")
            needSpace = true
            printed = true
        }
        if quals.has(.volatile) {
            if needSpace { try emit(" ") }
            try emit("volatile")
            needSpace = true
            printed = true
        }
        if full && quals.has(.restrict) {
            if needSpace { try emit(" ") }
            try emit("__restrict")
            printed = true
        }
        if spaceAfter && printed { try emit(" ") }
    }

    func callingConvention(_ convention: MSCallingConvention) throws(MSVCFailure) {
        try spaceIfNeeded()
        try emit(convention.spelling)
    }

    /// What precedes a function's name: access, static/virtual, return type.
    func signaturePrefix(_ signature: MSSignature) throws(MSVCFailure) {
        let functionClass = signature.functionClass
        if full {
            if functionClass.has(.public) { try emit("public: ") }
            if functionClass.has(.protected) { try emit("protected: ") }
            if functionClass.has(.private) { try emit("private: ") }
            if !functionClass.has(.global) && functionClass.has(.static) { try emit("static ") }
            if functionClass.has(.virtual) { try emit("virtual ") }
            if functionClass.has(.externC) { try emit("extern \"C\" ") }
        }
        if let result = signature.returnType {
            try typePre(result)
            try emit(" ")
        }
    }

    /// What follows a function's name: parameters, `this` qualifiers, return type's tail
    /// (omitted where the return type's head was not printed either).
    func signatureSuffix(_ signature: MSSignature, quals: MSQualifiers,
                         returnTail: Bool = true) throws(MSVCFailure) {
        if !signature.functionClass.has(.noParameterList) {
            try emit("(")
            if let parameters = signature.parameters {
                for index in 0..<parameters.count {
                    if index > 0 { try emit(", ") }
                    try typePre(parameters[index])
                    try typePost(parameters[index])
                }
            } else {
                try emit("void")
            }
            if signature.isVariadic {
                if last != UInt8(ascii: "(") { try emit(", ") }
                try emit("...")
            }
            try emit(")")
        }
        if quals.has(.const) { try emit(" const") }
        if quals.has(.volatile) { try emit(" volatile") }
        if full {
            if quals.has(.restrict) { try emit(" __restrict") }
            if quals.has(.unaligned) { try emit(" __unaligned") }
            if signature.isNoexcept { try emit(" noexcept") }
        }
        switch signature.refQualifier {
        case .none: break
        case .lvalue: try emit(" &")
        case .rvalue: try emit(" &&")
        }
        if returnTail, let result = signature.returnType { try typePost(result) }
    }

    func typePre(_ type: MSType) throws(MSVCFailure) {
        try enter()
        defer { depth -= 1 }
        switch type.shape {
        case .primitive(let primitive):
            try emit(primitive.spelling(msTypeNames: full))
            try qualifiers(type.quals, spaceBefore: true, spaceAfter: false)
        case .tag(let tag, let name):
            if full {
                switch tag {
                case .class: try emit("class ")
                case .struct: try emit("struct ")
                case .union: try emit("union ")
                case .enum: try emit("enum ")
                }
            }
            try qualifiedName(name)
            try qualifiers(type.quals, spaceBefore: true, spaceAfter: false)
        case .custom(let identifier):
            try self.identifier(identifier)
        case .array(_, let element):
            try typePre(element)
            try qualifiers(type.quals, spaceBefore: true, spaceAfter: false)
        case .function(let signature):
            try signaturePrefix(signature)
            if full { try callingConvention(signature.callingConvention) }
        case .pointer(let pointer):
            try pointerPre(pointer, quals: type.quals)
        }
    }

    func typePost(_ type: MSType) throws(MSVCFailure) {
        try enter()
        defer { depth -= 1 }
        switch type.shape {
        case .primitive, .tag, .custom:
            break
        case .array(let dimensions, let element):
            try emit("[")
            for index in 0..<dimensions.count {
                if index > 0 { try emit("][") }
                if dimensions[index] != 0 { try emit(number: dimensions[index]) }
            }
            try emit("]")
            try typePost(element)
        case .function(let signature):
            try signatureSuffix(signature, quals: type.quals)
        case .pointer(let pointer):
            if pointer.pointee.isArray || pointer.pointee.isFunction { try emit(")") }
            try typePost(pointer.pointee)
        }
    }

    func pointerPre(_ pointer: MSPointer, quals: MSQualifiers) throws(MSVCFailure) {
        let pointee = pointer.pointee
        var function: MSSignature?
        if case .function(let signature) = pointee.shape {
            function = signature
            try signaturePrefix(signature)
        } else {
            try typePre(pointee)
        }
        let parenthesized = function != nil || pointee.isArray
        // undname separates `*` from its type; symbolic's style hugs it (`char const*`).
        if full || parenthesized || pointer.classParent != nil { try spaceIfNeeded() }
        if full && quals.has(.unaligned) { try emit("__unaligned ") }
        if parenthesized { try emit("(") }
        if let function, full {
            try callingConvention(function.callingConvention)
            try emit(" ")
        }
        if let parent = pointer.classParent {
            try qualifiedName(parent)
            try emit("::")
        }
        switch pointer.affinity {
        case .pointer: try emit("*")
        case .reference: try emit("&")
        case .rvalueReference: try emit("&&")
        }
        if full {
            try qualifiers(quals, spaceBefore: false, spaceAfter: false)
            if let auth = pointer.pointerAuth {
                try emit("__ptrauth(")
                try emit(number: auth.key)
                try emit(", ")
                try emit(number: auth.addressDiscriminated)
                try emit(", ")
                try emit(number: auth.discriminator)
                try emit(")")
            }
        } else {
            try qualifiers(quals, spaceBefore: true, spaceAfter: false)
        }
    }
}
