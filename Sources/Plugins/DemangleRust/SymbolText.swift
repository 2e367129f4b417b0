/// The bytes of a symbol being read, with a bounds-checked subscript.
///
/// The demangler reads through this rather than `UnsafeBufferPointer` or `Slice`, and keeps
/// positions as plain `Int`s and ``ByteSpan``s, because those generic types are not specialized
/// in unoptimized (debug) builds, where they made demangling some ten times slower. For the
/// same reason the smallest helpers here and in the parser are `@_transparent` (inlined even
/// without optimization): tests feed a million symbols through a debug build.
struct SymbolText {
    let base: UnsafePointer<UInt8>
    let count: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address; any valid pointer will do then.
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        count = buffer.count
    }

    private init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// The byte at `index`; traps outside `0..<count` like an array would.
    subscript(index: Int) -> UInt8 {
        @_transparent get {
            precondition(index >= 0 && index < count, "symbol index out of range")
            return base[index]
        }
    }

    /// The bytes from `start` on, as a text of their own (indices start at 0 again).
    func dropping(_ start: Int) -> SymbolText {
        precondition(start >= 0 && start <= count, "symbol index out of range")
        return SymbolText(base: base + start, count: count - start)
    }

    /// The first `count` bytes.
    func prefix(_ length: Int) -> SymbolText {
        precondition(length >= 0 && length <= count, "symbol index out of range")
        return SymbolText(base: base, count: length)
    }

    func hasPrefix(_ prefix: StaticString) -> Bool {
        let length = prefix.utf8CodeUnitCount
        guard count >= length else { return false }
        let bytes = prefix.utf8Start
        var index = 0
        while index < length {
            if base[index] != bytes[index] { return false }
            index += 1
        }
        return true
    }

    /// Whether every byte in `span` is below 0x80.
    func isASCII(_ span: ByteSpan) -> Bool {
        var index = span.start
        while index < span.end {
            if self[index] & 0x80 != 0 { return false }
            index += 1
        }
        return true
    }

    /// The first index at or after `start` holding `byte`, or nil.
    func firstIndex(of byte: UInt8, from start: Int, before end: Int) -> Int? {
        var index = start
        while index < end {
            if self[index] == byte { return index }
            index += 1
        }
        return nil
    }

    var all: ByteSpan { ByteSpan(start: 0, end: count) }
}

/// A run of symbol bytes, `start..<end` (a plain struct: see ``SymbolText``).
struct ByteSpan {
    var start: Int
    var end: Int

    var isEmpty: Bool { start >= end }
    var count: Int { end - start }
}

@_transparent
func isDecimalDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

@_transparent
func isUpperCaseLetter(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }

/// 0-9, a-f, A-F.
@inline(__always)
func isHexDigit(_ byte: UInt8) -> Bool { isDecimalDigit(byte) || (byte | 0x20) &- 0x61 < 6 }
