/// The registered demanglers, tried in registration order: the first that recognizes a
/// symbol's shape demangles it. Plain C names and anything unrecognized pass through.
public struct DemanglerSet: Sendable {
    public let demanglers: [any Demangler]

    /// The demanglers of `registry` for `languages` (all when nil), in registration order.
    public init(registry: PluginRegistry, languages: [String]? = nil) {
        demanglers = registry.demanglerOrder
            .filter { languages?.contains($0) ?? true }
            .compactMap { registry.demanglers[$0] }
    }

    public init(_ demanglers: [any Demangler]) {
        self.demanglers = demanglers
    }

    /// The demangler whose mangling `symbol` looks like, if any.
    public func detect(_ symbol: String) -> (any Demangler)? {
        demanglers.first { $0.recognizes(symbol) }
    }

    /// The readable form of `symbol`, or nil when no demangler recognizes and accepts it
    /// (an empty result, which a few degenerate manglings give, counts as not accepted).
    public func demangle(_ symbol: String, options: DemangleOptions) -> String? {
        guard let text = detect(symbol)?.demangle(symbol, options: options), !text.isEmpty else { return nil }
        return text
    }
}

/// The `demangle` stage: replaces mangled function names in every frame (and every inlined
/// function) with readable ones, keeping the original in `rawFunction`.
///
/// Reads: threads' frames. Fills: `function` (demangled) and `rawFunction` (as symbolicated).
public struct DemangleStage: Stage {
    public struct Configuration: StageConfiguration {
        /// Languages to demangle, by demangler name; nil means all registered.
        public var languages: [String]?
        /// Show return types and everything else the mangling encodes.
        public var full: Bool = false
        /// Show parameter lists (when `full` is false).
        public var parameters: Bool = true

        enum CodingKeys: String, CodingKey { case languages, full, parameters }

        public static let options = [
            OptionSpec("languages", type: "list of strings", default: "all registered",
                       help: "demanglers to use (itanium, rust, swift, msvc, objc)"),
            OptionSpec("full", type: "boolean", default: "false", help: "complete names with return types"),
            OptionSpec("parameters", type: "boolean", default: "true", help: "keep parameter lists in the short form"),
        ]

        public init(languages: [String]? = nil, full: Bool = false, parameters: Bool = true) {
            self.languages = languages
            self.full = full
            self.parameters = parameters
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            languages = try c.decodeIfPresent([String].self, forKey: .languages)
            full = try c.decodeIfPresent(Bool.self, forKey: .full) ?? false
            parameters = try c.decodeIfPresent(Bool.self, forKey: .parameters) ?? true
        }
    }

    public static let id = "demangle"
    public static let kind = StageKind.demangle
    public static let summary = "demangles C++, Rust, Swift, MSVC and Objective-C names in frames, keeping the raw name"
    public static let requires: [StageKind] = [.parser]

    public struct UnknownLanguage: Error, CustomStringConvertible {
        public var description: String
    }

    let set: DemanglerSet
    let options: DemangleOptions

    public init(configuration: Configuration, services: Services) throws {
        if let languages = configuration.languages {
            let known = services.registry.demanglerOrder
            for language in languages where !known.contains(language) {
                var message = "unknown demangler '\(language)'"
                if let guess = closestMatch(to: language, in: known) { message += "; did you mean '\(guess)'?" }
                throw UnknownLanguage(description: message + " (known: \(known.joined(separator: ", ")))")
            }
        }
        set = DemanglerSet(registry: services.registry, languages: configuration.languages)
        options = DemangleOptions(parameters: configuration.parameters, full: configuration.full)
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        var cache: [String: String?] = [:]
        func readable(_ raw: String) -> String? {
            if let known = cache[raw] { return known }
            let result = set.demangle(raw, options: options)
            cache[raw] = result
            return result
        }
        for t in report.threads.indices {
            for f in report.threads[t].frames.indices {
                var frame = report.threads[t].frames[f]
                if let raw = frame.rawFunction ?? frame.function, let name = readable(raw) {
                    frame.rawFunction = raw
                    frame.function = name
                }
                for i in frame.inlines.indices {
                    let raw = frame.inlines[i].rawFunction ?? frame.inlines[i].function
                    if let name = readable(raw) {
                        frame.inlines[i].rawFunction = raw
                        frame.inlines[i].function = name
                    }
                }
                report.threads[t].frames[f] = frame
            }
        }
    }
}
