/// Encodes an integer as a `0x`-prefixed lower-case hex string (and decodes that form or a
/// plain number), so 64-bit addresses survive JSON consumers that use doubles.
@propertyWrapper
public struct Hex<Value: FixedWidthInteger & Sendable & Codable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(formatHex(wrappedValue))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self), let value = parseHex(Value.self, text) {
            wrappedValue = value
        } else {
            wrappedValue = try container.decode(Value.self)
        }
    }
}

/// Like ``Hex`` for optional values; nil encodes as JSON null.
@propertyWrapper
public struct OptionalHex<Value: FixedWidthInteger & Sendable & Codable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(formatHex(wrappedValue)) } else { try container.encodeNil() }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { wrappedValue = nil; return }
        if let text = try? container.decode(String.self), let value = parseHex(Value.self, text) {
            wrappedValue = value
        } else {
            wrappedValue = try container.decode(Value.self)
        }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil for ``OptionalHex`` properties.
    public func decode<V>(_ type: OptionalHex<V>.Type, forKey key: Key) throws -> OptionalHex<V> {
        try decodeIfPresent(type, forKey: key) ?? OptionalHex(wrappedValue: nil)
    }
}

/// `0x` followed by lower-case hex digits.
@inlinable
public func formatHex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }

/// `0x` followed by hex digits zero-padded to `width`.
@inlinable
public func formatHex<T: BinaryInteger>(_ value: T, width: Int) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Parses `0x1f`, `1f` or `0X1F` as hex.
public func parseHex<T: FixedWidthInteger>(_: T.Type = T.self, _ text: some StringProtocol) -> T? {
    var digits = Substring(text)
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
    return digits.isEmpty ? nil : T(digits, radix: 16)
}
