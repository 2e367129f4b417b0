/// A processor architecture. An open set: plugins may define more with `CPU(rawValue:)`.
///
/// Raw values are the short lower-case names rust-minidump and Sentry use.
public struct CPU: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let x86 = CPU(rawValue: "x86")
    public static let amd64 = CPU(rawValue: "amd64")
    public static let arm = CPU(rawValue: "arm")
    public static let arm64 = CPU(rawValue: "arm64")
    public static let mips = CPU(rawValue: "mips")
    public static let mips64 = CPU(rawValue: "mips64")
    public static let ppc = CPU(rawValue: "ppc")
    public static let ppc64 = CPU(rawValue: "ppc64")
    public static let sparc = CPU(rawValue: "sparc")
    public static let riscv = CPU(rawValue: "riscv")
    public static let riscv64 = CPU(rawValue: "riscv64")
    public static let unknown = CPU(rawValue: "unknown")

    /// Size of a pointer in bytes (4 or 8); 8 for CPUs crashpipe does not know.
    public var pointerSize: Int {
        switch self {
        case .x86, .arm, .mips, .ppc, .sparc, .riscv: return 4
        default: return 8
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An operating system family. An open set like ``CPU``.
public struct OS: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let windows = OS(rawValue: "windows")
    public static let macOS = OS(rawValue: "mac")
    public static let iOS = OS(rawValue: "ios")
    public static let linux = OS(rawValue: "linux")
    public static let android = OS(rawValue: "android")
    public static let solaris = OS(rawValue: "solaris")
    public static let fuchsia = OS(rawValue: "fuchsia")
    public static let nacl = OS(rawValue: "nacl")
    public static let ps3 = OS(rawValue: "ps3")
    public static let unix = OS(rawValue: "unix")
    public static let unknown = OS(rawValue: "unknown")

    /// The name Breakpad's minidump_stackwalk prints ("Windows NT", "Mac OS X", "Linux").
    public var displayName: String {
        switch self {
        case .windows: return "Windows NT"
        case .macOS: return "Mac OS X"
        case .iOS: return "iOS"
        case .linux: return "Linux"
        case .android: return "Android"
        case .solaris: return "Solaris"
        case .fuchsia: return "Fuchsia"
        case .nacl: return "NaCl"
        case .ps3: return "PS3"
        case .unix: return "Unix"
        default: return rawValue
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
