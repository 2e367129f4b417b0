/// The `stackwalk` stage: walks every thread's stack with the CPU's unwinder and symbolicates
/// the frames.
///
/// Reads: threads (contexts and stacks), memory, modules, system, `report.symbols` (optional:
/// without a `symbols` stage the walk uses frame pointers and scanning only). Fills: each
/// thread's frames (module, function, file, line, offsets, inlines, trust), each module's
/// symbol status, and a note when no unwinder handles the CPU. The thread that wrote the dump
/// is not walked (its stack is the crash reporter's own).
public struct StackwalkStage: Stage {
    public struct Configuration: StageConfiguration {
        public var maxFrames: Int = 1024
        public var scan: Bool = true

        enum CodingKeys: String, CodingKey {
            case maxFrames = "max_frames"
            case scan
        }

        public static let options = [
            OptionSpec("max_frames", type: "integer", default: "1024", help: "the most frames walked per thread"),
            OptionSpec("scan", type: "boolean", default: "true", help: "allow stack scanning as the last strategy"),
        ]

        public init(maxFrames: Int = 1024, scan: Bool = true) {
            self.maxFrames = maxFrames
            self.scan = scan
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            maxFrames = try c.decodeIfPresent(Int.self, forKey: .maxFrames) ?? 1024
            scan = try c.decodeIfPresent(Bool.self, forKey: .scan) ?? true
        }
    }

    public static let id = "stackwalk"
    public static let kind = StageKind.stackwalk
    public static let summary = "walks every thread's stack (CFI, frame pointer, scan) and symbolicates the frames"
    public static let requires: [StageKind] = [.parser]

    let walker: StackWalker

    public struct InvalidOption: Error, CustomStringConvertible {
        public var description: String
    }

    public init(configuration: Configuration, services: Services) throws {
        guard configuration.maxFrames > 0 else {
            throw InvalidOption(description: "max_frames must be at least 1 (got \(configuration.maxFrames))")
        }
        walker = StackWalker(unwinders: services.registry.unwinders, maxFrames: configuration.maxFrames,
                             allowScan: configuration.scan)
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        let symbols = report.symbols ?? SymbolResolver()
        if let cpu = report.system?.cpu, walker.unwinders[cpu] == nil {
            report.note(Self.id, kind: "no_unwinder", "no unwinder for \(cpu) is registered; frames are the contexts only")
        }
        let snapshot = report
        let walker = self.walker
        let walked = await withTaskGroup(of: (Int, [Frame]).self) { group -> [Int: [Frame]] in
            for (index, thread) in snapshot.threads.enumerated() where thread.id != snapshot.dumpThreadId {
                group.addTask {
                    var frames = walker.walk(thread, in: snapshot, symbols: symbols)
                    StackWalker.symbolicate(&frames, modules: snapshot.modules, symbols: symbols)
                    return (index, frames)
                }
            }
            var result: [Int: [Frame]] = [:]
            for await (index, frames) in group { result[index] = frames }
            return result
        }
        for (index, frames) in walked { report.threads[index].frames = frames }
        for index in report.modules.indices {
            let state = symbols.state(ofModule: index)
            report.modules[index].symbolStatus = Self.status(state)
            if case .loaded = state { report.modules[index].symbolFeatures = symbols.symbols(forModule: index)?.features }
        }
    }

    static func status(_ state: ModuleSymbolState) -> SymbolStatus? {
        switch state {
        case .unknown: return nil
        case .missing: return .missing
        case .located: return .unused
        case .loaded(_, let problems): return problems == 0 ? .found : .malformed
        case .unreadable: return .malformed
        }
    }
}

/// The stages Core itself provides; hosts register them through `Bundled`.
public enum CoreStages {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(SymbolsStage.self)
        try registry.register(StackwalkStage.self)
        try registry.register(DemangleStage.self)
        try registry.register(symbolSource: DebugFileIndex.source)
    }
}
