/// Types, binders and lifetimes of v0 symbols: `&'a mut T`, `*const T`, `[T; N]`, `[T]`,
/// tuples, `for<'a> unsafe extern "C" fn(..) -> R`, `dyn for<'a> Trait<Assoc = X> + 'b`,
/// pattern types and paths used as types. (Split from `V0Printer.swift`; same structure as
/// rustc-demangle's `print_type` and its helpers.)
extension V0Printer {
    // MARK: Lifetimes and binders

    /// `'_` for 0, otherwise a lifetime bound by an enclosing binder: `'a`... `'z`, then `'_26`...
    mutating func printLifetime(_ index: UInt64) throws(OutputLimitReached) {
        guard printing else { return }
        try print("'")
        if index == 0 { return try print("_") }
        let bound = UInt64(boundLifetimeDepth)
        guard index <= bound else { return try markInvalid() }
        let depth = bound - index
        if depth < 26 {
            try print(byte: UInt8(ascii: "a") + UInt8(depth))
        } else {
            try print("_")
            try print(decimal: depth)
        }
    }

    /// Reads an optional binder (`G`), printing `for<'a, 'b> ` and making its lifetimes visible.
    /// Returns how many it bound (to pass to ``leaveBinder(_:)``), or nil after a parse failure,
    /// in which case the bound construct is not printed.
    mutating func enterBinder() throws(OutputLimitReached) -> UInt64? {
        guard let count = try parseOptionalInteger62(UInt8(ascii: "G"))
        else { return nil }
        guard printing else { return 0 }
        if count > 0 {
            try out.write("for<")
            // `printLifetime(1)` for each new lifetime, written out: a huge count is a
            // legitimate way to reach the output cap, so this loop is kept tight.
            var index: UInt64 = 0
            while index < count {
                if index > 0 { try out.write(", ") }
                boundLifetimeDepth &+= 1
                try out.write(byte: UInt8(ascii: "'"))
                let depth = UInt64(boundLifetimeDepth) &- 1
                if depth < 26 {
                    try out.write(byte: 0x61 + UInt8(depth))
                } else {
                    try out.write(byte: UInt8(ascii: "_"))
                    try out.write(decimal: depth)
                }
                index += 1
            }
            try out.write("> ")
        }
        return count
    }

    mutating func leaveBinder(_ count: UInt64) {
        boundLifetimeDepth &-= UInt32(truncatingIfNeeded: count)
    }

    // MARK: Types

    mutating func printType() throws(OutputLimitReached) {
        guard try enterFrame() else { return }
        defer { leaveFrame() }
        guard let tag = try parseByte() else { return }
        if let basic = v0BasicType(tag) { return try print(basic) }
        guard try parsePushDepth() else { return }

        switch tag {
        case UInt8(ascii: "R"), UInt8(ascii: "Q"):
            try print("&")
            if eat(UInt8(ascii: "L")) {
                guard let lifetime = try parseInteger62()
                else { return }
                if lifetime != 0 {
                    try printLifetime(lifetime)
                    try print(" ")
                }
            }
            if tag != UInt8(ascii: "R") { try print("mut ") }
            try printType()
        case UInt8(ascii: "P"), UInt8(ascii: "O"):
            try print("*")
            try print(tag == UInt8(ascii: "P") ? "const " : "mut ")
            try printType()
        case UInt8(ascii: "A"), UInt8(ascii: "S"):
            try print("[")
            try printType()
            if tag == UInt8(ascii: "A") {
                try print("; ")
                try printConst(inValue: true)
            }
            try print("]")
        case UInt8(ascii: "T"):
            try print("(")
            let count = try printTypeList()
            if count == 1 { try print(",") }
            try print(")")
        case UInt8(ascii: "F"):
            if let bound = try enterBinder() {
                try printFunctionSignature()
                leaveBinder(bound)
            }
        case UInt8(ascii: "D"):
            guard try printDynType() else { return }
        case UInt8(ascii: "B"):
            _ = try printBackref(.type)
        case UInt8(ascii: "W"):
            try printType()
            try print(" is ")
            try printPattern()
        default:
            // Not a type tag: a path, which reads the tag again.
            parser.next -= 1
            try printPath(inValue: false)
        }
        popDepth()
    }

    /// Types up to `E`, separated by `, `; returns how many.
    mutating func printTypeList() throws(OutputLimitReached) -> Int {
        var count = 0
        while failure == nil && !parser.eat(UInt8(ascii: "E")) {
            if count > 0 { try print(", ") }
            try printType()
            count += 1
        }
        return count
    }

    /// `[unsafe] [extern "abi"] fn(args) [-> ret]`, inside the binder already read.
    mutating func printFunctionSignature() throws(OutputLimitReached) {
        let isUnsafe = eat(UInt8(ascii: "U"))
        var abi: ByteSpan?
        var isC = false
        if eat(UInt8(ascii: "K")) {
            if eat(UInt8(ascii: "C")) {
                isC = true
            } else {
                guard let name = try parseIdentifier()
                else { return }
                guard !name.ascii.isEmpty, name.punycode.isEmpty else { return try markInvalid() }
                abi = name.ascii
            }
        }
        if isUnsafe { try print("unsafe ") }
        if isC || abi != nil {
            try print("extern \"")
            if let abi {
                // `-` in ABI names was mangled as `_`.
                var partStart = abi.start
                var index = abi.start
                while index < abi.end {
                    if parser.symbol[index] == UInt8(ascii: "_") {
                        try print(ByteSpan(start: partStart, end: index))
                        try print("-")
                        partStart = index + 1
                    }
                    index += 1
                }
                try print(ByteSpan(start: partStart, end: abi.end))
            } else {
                try print("C")
            }
            try print("\" ")
        }
        try print("fn(")
        _ = try printTypeList()
        try print(")")
        if !eat(UInt8(ascii: "u")) {
            try print(" -> ")
            try printType()
        }
    }

    /// `dyn [for<...>] Trait<T, Assoc = X> + Other + 'a`, after the `D`. Returns false when it
    /// stopped early (rustc-demangle returns from `print_type` there, skipping `pop_depth`).
    /// (The traits are printed inline rather than by a function per trait: one frame fewer
    /// per nesting level.)
    mutating func printDynType() throws(OutputLimitReached) -> Bool {
        try print("dyn ")
        if let bound = try enterBinder() {
            var count = 0
            while failure == nil && !parser.eat(UInt8(ascii: "E")) {
                if count > 0 { try print(" + ") }
                // One trait with its associated item bindings, which go inside its generics.
                var open = try printPathMaybeOpenGenerics()
                var nameMissing = false
                while eat(UInt8(ascii: "p")) {
                    if !open {
                        try print("<")
                        open = true
                    } else {
                        try print(", ")
                    }
                    guard let name = try parseIdentifier() else {
                        nameMissing = true   // rustc-demangle returns here, leaving `<` open
                        break
                    }
                    try print(name)
                    try print(" = ")
                    if eat(UInt8(ascii: "K")) {
                        try printConst(inValue: false)
                    } else {
                        try printType()
                    }
                }
                if open && !nameMissing { try print(">") }
                count += 1
            }
            leaveBinder(bound)
        }
        guard eat(UInt8(ascii: "L")) else {
            try markInvalid()
            return false
        }
        guard let lifetime = try parseInteger62() else { return false }
        if lifetime != 0 {
            try print(" + ")
            try printLifetime(lifetime)
        }
        return true
    }

    /// A path whose generic arguments are printed without the closing `>`, so associated item
    /// bindings can follow inside them. Returns whether `<` was left open.
    mutating func printPathMaybeOpenGenerics() throws(OutputLimitReached) -> Bool {
        guard try enterFrame() else { return false }
        defer { leaveFrame() }
        if eat(UInt8(ascii: "B")) {
            return try printBackref(.pathMaybeOpenGenerics)
        } else if eat(UInt8(ascii: "I")) {
            try printPath(inValue: false)
            try print("<")
            try printGenericArguments()
            return true
        } else {
            try printPath(inValue: false)
            return false
        }
    }
}
