import CrashpipeCore

/// The `signature` stage: groups crashes by the meaningful frames of the crashing thread
/// (Socorro's signature generation), or by the client's fingerprint (Sentry's).
///
/// Reads: the crashing thread's frames (function names as the `demangle` stage left them,
/// inlined functions, modules and offsets for frames without symbols) and the client's
/// `fingerprint` in `submission.event`. Fills: `report.signature`. Notes: a missing crashing
/// thread, an empty stack, a stack of irrelevant frames only, an unusable fingerprint.
///
/// ```yaml
/// - use: signature
///   with:
///     max_frames: 5
///     extra_irrelevant: ['MyApp::CrashHandler::', 'log_fatal$']
///     extra_prefix: ['MyApp::Checked<']
/// ```
public struct SignatureStage: Stage {
    public struct Configuration: StageConfiguration {
        /// Meaningful frames kept (prefix frames may add one more each).
        public var maxFrames: Int
        /// Patterns of frames to skip.
        public var irrelevant: FramePatterns
        /// Patterns of frames that never end a signature.
        public var prefix: FramePatterns

        enum CodingKeys: String, CodingKey {
            case maxFrames = "max_frames"
            case irrelevant
            case extraIrrelevant = "extra_irrelevant"
            case prefix
            case extraPrefix = "extra_prefix"
        }

        public static let options = [
            OptionSpec("max_frames", type: "integer", default: "5",
                       help: "meaningful frames in a signature (a prefix frame always brings the next one)"),
            OptionSpec("irrelevant", type: "list of regular expressions", default: "the built-in list",
                       help: "frames to skip, matched at the start of the normalized name; replaces the built-in list"),
            OptionSpec("extra_irrelevant", type: "list of regular expressions", default: "[]",
                       help: "frames to skip in addition to 'irrelevant'"),
            OptionSpec("prefix", type: "list of regular expressions", default: "the built-in list",
                       help: "frames that are kept but never end a signature; replaces the built-in list"),
            OptionSpec("extra_prefix", type: "list of regular expressions", default: "[]",
                       help: "prefix frames in addition to 'prefix'"),
        ]

        /// A configuration in code; the lists replace the built-in ones when given.
        public init(maxFrames: Int = 5, irrelevant: [String]? = nil, extraIrrelevant: [String] = [],
                    prefix: [String]? = nil, extraPrefix: [String] = []) throws(InvalidPattern) {
            self.maxFrames = maxFrames
            self.irrelevant = try FramePatterns((irrelevant ?? DefaultFrameLists.irrelevant) + extraIrrelevant)
            self.prefix = try FramePatterns((prefix ?? DefaultFrameLists.prefix) + extraPrefix)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxFrames = try c.decodeIfPresent(Int.self, forKey: .maxFrames) ?? 5
            guard maxFrames >= 1 else {
                throw DecodingError.dataCorruptedError(forKey: .maxFrames, in: c,
                                                       debugDescription: "max_frames must be at least 1 (got \(maxFrames))")
            }
            irrelevant = try Self.patterns(c, .irrelevant, .extraIrrelevant, defaults: DefaultFrameLists.irrelevant)
            prefix = try Self.patterns(c, .prefix, .extraPrefix, defaults: DefaultFrameLists.prefix)
        }

        /// Compiles a list and its `extra_` list; a bad pattern is a decoding error at its own
        /// index, so the pipeline loader points at its line and column.
        private static func patterns(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, _ extraKey: CodingKeys,
                                     defaults: [String]) throws -> FramePatterns {
            let base = try c.decodeIfPresent([String].self, forKey: key)
            let extra = try c.decodeIfPresent([String].self, forKey: extraKey) ?? []
            for (list, listKey) in [(base ?? [], key), (extra, extraKey)] {
                do {
                    _ = try FramePatterns(list)
                } catch {
                    throw DecodingError.dataCorrupted(DecodingError.Context(
                        codingPath: c.codingPath + [listKey, IndexKey(error.index)],
                        debugDescription: error.description))
                }
            }
            return try FramePatterns((base ?? defaults) + extra)
        }
    }

    public static let id = "signature"
    public static let kind = StageKind.signature
    public static let summary = "groups crashes by the crashing thread's meaningful frames (or the client's fingerprint)"
    public static let requires: [StageKind] = [.parser, .stackwalk]

    public let generator: SignatureGenerator

    public init(configuration: Configuration, services: Services) {
        generator = SignatureGenerator(maxFrames: configuration.maxFrames, irrelevant: configuration.irrelevant,
                                       prefix: configuration.prefix)
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        var (signature, remarks) = generator.signature(of: report)
        if let event = report.submission?.event {
            switch ClientFingerprint.read(event) {
            case .absent: break
            case .entries(let entries): signature = ClientFingerprint.apply(entries, to: signature)
            case .unusable(let why): remarks.append(.init(kind: "fingerprint_ignored", message: why))
            }
        }
        for remark in remarks {
            report.note(Self.id, .info, kind: remark.kind, remark.message)
        }
        report.signature = signature
    }
}

/// A position in a list, for decoding errors.
struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// Registers the `signature` stage.
public enum SignaturePlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(SignatureStage.self)
    }
}
