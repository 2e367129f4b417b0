/// The demangled text being written, as UTF-8 bytes, with rustc-demangle's output cap.
///
/// rustc-demangle formats through an adapter that allows 1,000,000 bytes in total: a write that
/// would cross the cap fails as a whole (nothing of it is kept), every later write fails too, and
/// the caller then appends `{size limit reached}`. The writers here make the same calls in the
/// same pieces (one per `Display` call of the original), so the cut falls at the same byte.
struct DemangledText {
    /// rustc-demangle's `MAX_SIZE`.
    static let maximumBytes = 1_000_000

    private(set) var bytes: [UInt8] = []
    private var remaining = DemangledText.maximumBytes
    /// Set by the first write that did not fit; from then on every write fails.
    private(set) var exhausted = false

    init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(min(capacity, 4096))
    }

    /// Accounts for a write of `count` bytes, failing (for good) when it does not fit.
    @inline(__always)
    private mutating func admit(_ count: Int) throws(OutputLimitReached) {
        guard !exhausted, count <= remaining else {
            exhausted = true
            throw OutputLimitReached()
        }
        remaining -= count
    }

    mutating func write(_ text: StaticString) throws(OutputLimitReached) {
        try admit(text.utf8CodeUnitCount)
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func write(byte: UInt8) throws(OutputLimitReached) {
        try admit(1)
        bytes.append(byte)
    }

    mutating func write(_ slice: Slice<UnsafeBufferPointer<UInt8>>) throws(OutputLimitReached) {
        try admit(slice.count)
        bytes.append(contentsOf: slice)
    }

    /// One character, UTF-8 encoded (Rust's `char` `Display`: a single write).
    mutating func write(scalar: Unicode.Scalar) throws(OutputLimitReached) {
        if scalar.isASCII { return try write(byte: UInt8(scalar.value)) }
        let encoded = UTF8.encode(scalar)!
        try admit(encoded.count)
        bytes.append(contentsOf: encoded)
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
        var count = 1
        var probe = value / radix
        while probe != 0 {
            count += 1
            probe /= radix
        }
        try admit(count)
        let end = bytes.count + count
        bytes.append(contentsOf: repeatElement(0, count: count))
        var rest = value
        for index in stride(from: end - 1, through: end - count, by: -1) {
            let digit = UInt8(rest % radix)
            bytes[index] = digit < 10 ? 0x30 + digit : 0x61 + digit - 10
            rest /= radix
        }
    }

    /// Appends without counting against the cap: the `{size limit reached}` marker and the
    /// symbol suffix, which rustc-demangle writes to the formatter directly.
    mutating func appendUncounted(_ more: some Sequence<UInt8>) {
        bytes.append(contentsOf: more)
    }
}

/// The demangled text reached ``DemangledText/maximumBytes``.
struct OutputLimitReached: Error {}
