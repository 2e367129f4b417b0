import CrashpipeCore

/// The `scrub.defaults` stage: removes secrets and personal data from a report before it is
/// stored, as Sentry's default data scrubbing does, and drops what a crash event never needs.
///
/// Reads and rewrites:
/// - the client's data (`submission.extra`, `submission.event` with its tags, contexts, user,
///   request, breadcrumbs, extra, ..., recursively; `problems`; attachment file names);
/// - Crashpad annotations (report-wide, per module, annotation objects), the assertion, the
///   process command line, thread names, `/proc` status fields, the report's source name;
/// - paths: modules' code and debug files (loaded and unloaded), frames' and inlined frames'
///   source files, `/proc/self/maps` and r_debug entries;
///
/// with these rules: the value of a sensitive key (``SensitiveKeys``, plus `keys`) becomes
/// `[Filtered]` (`replacement`), and so does any text holding a secret (``SecretText``: bearer
/// tokens, `key=value` pairs with a sensitive key, URL passwords, card numbers); user names in
/// home-directory paths become `[user]` (``UserPaths``; `paths: false` keeps them); IP addresses
/// become `[Filtered]` when `ip_addresses: true` (``IPAddresses``).
///
/// Drops: the Linux environment and command line (`/proc/self/environ`, `/proc/self/cmdline`)
/// entirely, and all captured memory: the report's memory regions and each thread's stack
/// bytes, so stack and heap contents never reach an event. It therefore runs after `stackwalk`.
/// Notes: one `scrubbed` note with counts (never the values).
public struct ScrubDefaultsStage: ScrubberStage {
    public struct Configuration: StageConfiguration {
        public var keys: [String] = []
        public var ipAddresses = false
        public var replacement = "[Filtered]"
        public var paths = true

        enum CodingKeys: String, CodingKey {
            case keys
            case ipAddresses = "ip_addresses"
            case replacement
            case paths
        }

        public static let options = [
            OptionSpec("keys", type: "list of strings", default: "[]",
                       help: "more sensitive key words (matched anywhere in a key, case ignored), besides password, secret, token, auth, session, cookie, ..."),
            OptionSpec("ip_addresses", type: "boolean", default: "false", help: "replace IPv4 and IPv6 addresses too"),
            OptionSpec("replacement", type: "string", default: "[Filtered]", help: "what a removed value becomes"),
            OptionSpec("paths", type: "boolean", default: "true", help: "replace user names in home-directory paths with [user]"),
        ]

        public init(keys: [String] = [], ipAddresses: Bool = false, replacement: String = "[Filtered]", paths: Bool = true) {
            self.keys = keys
            self.ipAddresses = ipAddresses
            self.replacement = replacement
            self.paths = paths
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            keys = try c.decodeIfPresent([String].self, forKey: .keys) ?? []
            if let empty = keys.firstIndex(where: { trimmed($0).isEmpty }) {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: c.codingPath + [CodingKeys.keys, ListIndex(empty)],
                    debugDescription: "an empty key word would match every key"))
            }
            ipAddresses = try c.decodeIfPresent(Bool.self, forKey: .ipAddresses) ?? false
            replacement = try c.decodeIfPresent(String.self, forKey: .replacement) ?? "[Filtered]"
            paths = try c.decodeIfPresent(Bool.self, forKey: .paths) ?? true
        }
    }

    public static let id = "scrub.defaults"
    public static let kind = StageKind.scrub
    public static let summary = "removes secrets, user names in paths and (optionally) IP addresses; drops environ, cmdline and memory"
    public static let requires: [StageKind] = [.parser, .stackwalk]

    public let scrubber: Scrubber

    public init(configuration: Configuration, services: Services) {
        scrubber = Scrubber(keys: SensitiveKeys(extra: configuration.keys), replacement: configuration.replacement,
                            ipAddresses: configuration.ipAddresses, paths: configuration.paths)
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        var counts = ScrubCounts()
        let dropped = ReportScrubbing.dropPrivateData(&report)
        ReportScrubbing.scrub(&report, with: scrubber, &counts)
        var parts = ["\(counts.values) value(s) replaced", "\(counts.userNames) user name(s) in paths replaced"]
        if scrubber.ipAddresses { parts.append("\(counts.ipAddresses) IP address(es) replaced") }
        parts += dropped
        report.note(Self.id, .info, kind: "scrubbed", parts.joined(separator: "; "))
    }
}

/// A position in a list, for decoding errors.
struct ListIndex: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// Registers the `scrub.defaults` stage.
public enum ScrubDefaultsPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(ScrubDefaultsStage.self)
    }
}
