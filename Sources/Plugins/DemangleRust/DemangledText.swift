/// The demangled text being written, as UTF-8 bytes, with rustc-demangle's output cap.
///
/// rustc-demangle formats through an adapter that allows 1,000,000 bytes in total: a write that
/// would cross the cap fails as a whole (nothing of it is kept), every later write fails too, and
/// the caller then appends `{size limit reached}`. The writers here make the same calls in the
/// same pieces (one per `Display` call of the original), so the cut falls at the same byte.
///
/// The bytes live in a plain growable allocation rather than an `Array`, whose generic appends
/// are calls per byte in unoptimized builds (see ``SymbolText``).
struct DemangledText {
    /// rustc-demangle's `MAX_SIZE`.
    static var maximumBytes: Int { 1_000_000 }

    /// Owns the allocation (frees it when the last copy goes). The pointer and capacity are
    /// kept in the struct too, so writing touches no class property (whose accesses are
    /// checked at run time); only growing updates the owner. Copies share the allocation and
    /// only the latest one writes: a copy that grew it leaves the others stale.
    private final class Allocation {
        var bytes: UnsafeMutablePointer<UInt8>

        init(capacity: Int) { bytes = .allocate(capacity: capacity) }

        deinit { bytes.deallocate() }
    }

    /// Nil until the first byte is written (the syntax check writes nothing).
    private var allocation: Allocation?
    private var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let initialCapacity: Int
    private(set) var count = 0
    private var remaining = 1_000_000
    /// Set by the first write that did not fit; from then on every write fails.
    private(set) var exhausted = false

    /// An empty text; `capacity` bytes are set aside at the first write.
    init(reservingCapacity capacity: Int) {
        self.capacity = 0
        bytes = UnsafeMutablePointer(bitPattern: 1)!   // never read while `capacity` is 0
        initialCapacity = Swift.max(Swift.min(capacity, 4096), 16)
    }

    /// The text written so far.
    var string: String {
        count == 0 ? "" : String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Accounts for a write of `length` bytes, failing (for good) when it does not fit, and
    /// makes room for them.
    @_transparent
    private mutating func admit(_ length: Int) throws(OutputLimitReached) {
        guard !exhausted, length <= remaining else {
            exhausted = true
            throw OutputLimitReached()
        }
        remaining -= length
        reserve(length)
    }

    @_transparent
    private mutating func reserve(_ length: Int) {
        if count + length > capacity { grow(toHold: count + length) }
    }

    private mutating func grow(toHold needed: Int) {
        let newCapacity = Swift.max(needed, capacity * 2, initialCapacity)
        guard let allocation else {
            let first = Allocation(capacity: newCapacity)
            allocation = first
            bytes = first.bytes
            capacity = newCapacity
            return
        }
        let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBytes.initialize(from: bytes, count: count)
        allocation.bytes.deallocate()
        allocation.bytes = newBytes
        bytes = newBytes
        capacity = newCapacity
    }

    /// Stores a byte that `reserve` made room for.
    @_transparent
    private mutating func put(_ byte: UInt8) {
        bytes[count] = byte
        count += 1
    }

    mutating func write(_ text: StaticString) throws(OutputLimitReached) {
        try admit(text.utf8CodeUnitCount)
        putAll(text)
    }

    mutating func write(byte: UInt8) throws(OutputLimitReached) {
        try admit(1)
        put(byte)
    }

    /// Symbol bytes, in one write.
    mutating func write(_ symbol: SymbolText, _ span: ByteSpan) throws(OutputLimitReached) {
        try admit(span.count)
        putAll(symbol, span)
    }

    /// One character, UTF-8 encoded (Rust's `char` `Display`: a single write).
    mutating func write(scalar: Unicode.Scalar) throws(OutputLimitReached) {
        let value = scalar.value
        if value < 0x80 { return try write(byte: UInt8(value)) }
        if value < 0x800 {
            try admit(2)
            put(0xc0 | UInt8(value >> 6))
        } else if value < 0x10000 {
            try admit(3)
            put(0xe0 | UInt8(value >> 12))
            put(0x80 | UInt8((value >> 6) & 0x3f))
        } else {
            try admit(4)
            put(0xf0 | UInt8(value >> 18))
            put(0x80 | UInt8((value >> 12) & 0x3f))
            put(0x80 | UInt8((value >> 6) & 0x3f))
        }
        put(0x80 | UInt8(value & 0x3f))
    }

    /// An unsigned number in decimal (one write, as Rust's integer `Display`).
    mutating func write(decimal value: UInt64) throws(OutputLimitReached) {
        try write(value, radix: 10)
    }

    /// An unsigned number in lower-case hexadecimal without prefix (`LowerHex`, one write).
    mutating func write(hex value: UInt64) throws(OutputLimitReached) {
        try write(value, radix: 16)
    }

    private mutating func write(_ value: UInt64, radix: UInt64) throws(OutputLimitReached) {
        var digits = 1
        var probe = value / radix
        while probe != 0 {
            digits += 1
            probe /= radix
        }
        try admit(digits)
        // Fill from the last digit back.
        var rest = value
        var index = count + digits - 1
        while index >= count {
            let digit = UInt8(rest % radix)
            bytes[index] = digit < 10 ? 0x30 + digit : 0x61 + digit - 10
            rest /= radix
            index -= 1
        }
        count += digits
    }

    /// Appends without counting against the cap: the `{size limit reached}` marker, which
    /// rustc-demangle writes to the formatter directly.
    mutating func appendUncounted(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        putAll(text)
    }

    /// Appends symbol bytes without counting against the cap: the symbol's suffix.
    mutating func appendUncounted(_ symbol: SymbolText, _ span: ByteSpan) {
        reserve(span.count)
        putAll(symbol, span)
    }

    private mutating func putAll(_ text: StaticString) {
        let start = text.utf8Start
        var index = 0
        while index < text.utf8CodeUnitCount {
            put(start[index])
            index += 1
        }
    }

    private mutating func putAll(_ symbol: SymbolText, _ span: ByteSpan) {
        var index = span.start
        while index < span.end {
            put(symbol[index])
            index += 1
        }
    }
}

/// The demangled text reached ``DemangledText/maximumBytes``.
struct OutputLimitReached: Error {}
