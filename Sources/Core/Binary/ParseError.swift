/// An error from reading untrusted bytes: what went wrong and where.
///
/// Every parser in crashpipe reports failures with this type so that a message always names
/// the byte offset (and, where known, the structure or stream) at which reading stopped.
public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem the reader met.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The data ends before the structure does.
        public static let truncated = Kind(rawValue: "truncated")
        /// A magic number or signature is not the expected one.
        public static let badMagic = Kind(rawValue: "bad magic")
        /// An offset or size points outside the data, or overflows when added.
        public static let outOfRange = Kind(rawValue: "out of range")
        /// A count is larger than the data could possibly hold.
        public static let absurdCount = Kind(rawValue: "absurd count")
        /// A value is not one the format allows.
        public static let invalidValue = Kind(rawValue: "invalid value")
        /// Text is not valid in its declared encoding.
        public static let badEncoding = Kind(rawValue: "bad encoding")
        /// The format or version is valid but not supported.
        public static let unsupported = Kind(rawValue: "unsupported")
    }

    public var kind: Kind
    /// Absolute byte offset in the input where the problem was found.
    public var offset: Int
    /// The structure being read, e.g. "ThreadList stream" or "header".
    public var context: String?
    /// A human sentence with the specifics (sizes, values).
    public var detail: String

    public init(_ kind: Kind, offset: Int, context: String? = nil, _ detail: String) {
        self.kind = kind
        self.offset = offset
        self.context = context
        self.detail = detail
    }

    /// Returns a copy that names `context` unless a more specific one is already set.
    public func within(_ context: String) -> ParseError {
        var copy = self
        if copy.context == nil { copy.context = context }
        return copy
    }

    public var description: String {
        var text = "\(kind) at offset 0x\(String(offset, radix: 16))"
        if let context { text += " (\(context))" }
        return text + ": " + detail
    }
}
