/// The identity of a module's debug information: a 128-bit GUID plus an age.
///
/// This is the key of every symbol store. It prints in Breakpad notation (GUID in upper-case
/// hex without dashes, then the age in upper-case hex: `5A9832E5287241C1838ED98914E9B7FF1`) and in
/// the dashed form Sentry uses (`5a9832e5-2872-41c1-838e-d98914e9b7ff-1`, age omitted when 0).
///
/// The GUID is held as 16 bytes in *display order*: the order in which its hex digits print.
/// The per-format derivations (``init(peGuid:age:)``, ``init(elfBuildId:)``, ``init(machoUUID:)``)
/// say how file bytes map to that order.
public struct DebugId: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The GUID in display order.
    public let guid: [UInt8]
    public let age: UInt32
    /// A PDB 2.0 id: only the first four GUID bytes (the signature) are meaningful, and
    /// Breakpad prints it as 8 hex digits plus the age.
    public let isPDB20: Bool

    /// `guid` must have 16 bytes in display order.
    public init?(guid: [UInt8], age: UInt32) {
        guard guid.count == 16 else { return nil }
        self.guid = guid
        self.age = age
        self.isPDB20 = false
    }

    /// A PDB 2.0 id from the NB10 CodeView record's signature (a timestamp) and age.
    public init(pdb20Signature signature: UInt32, age: UInt32) {
        guid = [UInt8(signature >> 24), UInt8(signature >> 16 & 0xff), UInt8(signature >> 8 & 0xff),
                UInt8(signature & 0xff)] + [UInt8](repeating: 0, count: 12)
        self.age = age
        isPDB20 = true
    }

    /// The all-zero id (a module whose record carries no identifier).
    public static let zero = DebugId(guid: [UInt8](repeating: 0, count: 16), age: 0)!

    public var isZero: Bool { age == 0 && guid.allSatisfy { $0 == 0 } }

    /// A PE/PDB id from the CodeView (RSDS) record: the GUID as stored in the file (Data1, Data2,
    /// Data3 little-endian, Data4 as bytes) plus the age.
    public init?(peGuid bytes: [UInt8], age: UInt32) {
        guard bytes.count == 16 else { return nil }
        self.init(guid: DebugId.swapGuidFields(bytes), age: age)
    }

    /// An ELF id: the first 16 bytes of the GNU build id (zero-padded when shorter) read as a
    /// little-endian GUID, age 0. This is what Breakpad's dump_syms and every symbol server use.
    public init(elfBuildId buildId: [UInt8]) {
        var bytes = Array(buildId.prefix(16))
        bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
        self.init(guid: DebugId.swapGuidFields(bytes), age: 0)!
    }

    /// A Mach-O id: the LC_UUID bytes as they are, age 0.
    public init?(machoUUID bytes: [UInt8]) {
        self.init(guid: bytes, age: 0)
    }

    /// Reverses Data1 (4 bytes), Data2 and Data3 (2 bytes each): converts between the
    /// in-memory little-endian GUID layout and display order. It is its own inverse.
    public static func swapGuidFields(_ b: [UInt8]) -> [UInt8] {
        [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]] + b[8..<16]
    }

    /// Breakpad notation: 32 upper-case hex digits and the age in upper-case hex.
    public var breakpad: String {
        if isPDB20 { return hexDigits(guid.prefix(4), uppercase: true) + String(age, radix: 16, uppercase: true) }
        return hexDigits(guid, uppercase: true) + String(age, radix: 16, uppercase: true)
    }

    /// Dashed, lower-case form; `-age` in hex is appended when the age is not zero.
    public var dashed: String {
        let h = hexDigits(guid, uppercase: false)
        let chars = Array(h)
        var text = String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-" + String(chars[12..<16])
            + "-" + String(chars[16..<20]) + "-" + String(chars[20..<32])
        if age != 0 { text += "-" + String(age, radix: 16) }
        return text
    }

    public var description: String { breakpad }

    /// Parses Breakpad notation (32 hex digits plus 1 to 8 age digits; a bare 32-digit GUID has
    /// age 0), the dashed form with optional `-age`, or a braced GUID. Case-insensitive.
    public init?(_ text: String) {
        var s = Substring(text.trimmingWhitespace())
        if s.hasPrefix("{") && s.hasSuffix("}") { s = s.dropFirst().dropLast() }
        if s.contains("-") {
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 5 || parts.count == 6,
                  [8, 4, 4, 4, 12] == parts.prefix(5).map(\.count),
                  let guid = parseHexBytes(parts.prefix(5).joined()) else { return nil }
            var age: UInt32 = 0
            if parts.count == 6 {
                guard !parts[5].isEmpty, parts[5].count <= 8, let a = UInt32(parts[5], radix: 16) else { return nil }
                age = a
            }
            self.init(guid: guid, age: age)
        } else if s.count >= 9 && s.count <= 16 {
            // PDB 2.0: 8 digits of signature, then the age.
            guard let signature = UInt32(s.prefix(8), radix: 16), let age = UInt32(s.dropFirst(8), radix: 16) else {
                return nil
            }
            self.init(pdb20Signature: signature, age: age)
        } else {
            guard s.count >= 32, s.count <= 40, let guid = parseHexBytes(s.prefix(32)) else { return nil }
            let ageText = s.dropFirst(32)
            var age: UInt32 = 0
            if !ageText.isEmpty {
                guard let a = UInt32(ageText, radix: 16) else { return nil }
                age = a
            }
            self.init(guid: guid, age: age)
        }
    }

    public static func < (lhs: DebugId, rhs: DebugId) -> Bool {
        lhs.guid.lexicographicallyPrecedes(rhs.guid) || (lhs.guid == rhs.guid && lhs.age < rhs.age)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(breakpad)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = DebugId(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a debug id: \(text)")
        }
        self = value
    }
}

/// The identity of a module's executable file, as lower-case hex.
///
/// PE: the image timestamp (8 digits) followed by the image size (`45d35f6c2d000`). ELF: the whole
/// GNU build id. Mach-O: the LC_UUID without dashes. Breakpad prints PE code ids with an upper-case
/// timestamp; crashpipe normalizes to lower case and compares case-insensitively.
public struct CodeId: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    /// Accepts hex digits in any case (normalized to lower case); nil for empty or non-hex text.
    public init?(_ text: String) {
        let lowered = text.trimmingWhitespace().lowercased()
        guard !lowered.isEmpty, lowered.allSatisfy(\.isHexDigit) else { return nil }
        value = lowered
    }

    /// A PE code id from the COFF header's TimeDateStamp and the optional header's SizeOfImage.
    public init(peTimestamp: UInt32, sizeOfImage: UInt32) {
        let stamp = String(peTimestamp, radix: 16)
        value = String(repeating: "0", count: 8 - stamp.count) + stamp + String(sizeOfImage, radix: 16)
    }

    /// An ELF code id: the full build id bytes.
    public init?(buildId: [UInt8]) {
        guard !buildId.isEmpty else { return nil }
        value = hexDigits(buildId, uppercase: false)
    }

    /// A Mach-O code id: the LC_UUID bytes.
    public init?(machoUUID: [UInt8]) {
        guard machoUUID.count == 16 else { return nil }
        value = hexDigits(machoUUID, uppercase: false)
    }

    public var description: String { value }

    public static func < (lhs: CodeId, rhs: CodeId) -> Bool { lhs.value < rhs.value }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = CodeId(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a code id: \(text)")
        }
        self = value
    }
}

/// Hex digits of `bytes`, two per byte.
public func hexDigits(_ bytes: some Sequence<UInt8>, uppercase: Bool) -> String {
    let table: [UInt8] = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(table[Int(byte >> 4)])
        out.append(table[Int(byte & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Bytes from an even number of hex digits; nil on any other character.
public func parseHexBytes(_ text: some StringProtocol) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count / 2)
    var i = 0
    while i < utf8.count {
        guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String {
        // Nearly every input has nothing to trim: an ASCII non-space byte at both ends.
        let string = String(self)
        if let first = string.utf8.first, let last = string.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return string
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
