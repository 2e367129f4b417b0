import Foundation
import CrashpipeCore
import Minidump

/// The pipeline behind `crashpipe stackwalk`: read the dump (a minidump, or any other format a
/// registered parser recognizes, such as a microdump), find symbols in Breakpad symbol stores,
/// walk and symbolicate every thread, and demangle what the symbol files left mangled
/// (complete names, as minidump_stackwalk users expect; the raw name is kept).
public enum StackwalkPipeline {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `symbolPaths` are Breakpad-layout store roots, tried in order, and debug files (binaries,
    /// `.debug` files, dSYM contents) matched by debug id.
    public static func make(registry: PluginRegistry, symbolPaths: [String], maxFrames: Int = 1024,
                            scan: Bool = true) throws -> Pipeline {
        let services = Services(registry: registry)
        var suppliers: [any SymbolSupplier] = []
        // Folders are Breakpad-layout stores; files are debug files used as they are, and so are
        // the files inside a dSYM bundle.
        let files = symbolPaths.filter { path in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
            return !isDirectory.boolValue || path.lowercased().trimmingCharacters(in: ["/"]).hasSuffix(".dsym")
        }
        let folders = symbolPaths.filter { !files.contains($0) }
        if !folders.isEmpty {
            guard let store = registry.symbolSources["store"] else {
                throw Failure(description: "no 'store' symbol source is registered")
            }
            suppliers.append(try store.make(SymbolSourceOptions(type: "store", paths: folders), services))
        }
        if !files.isEmpty {
            suppliers.append(DebugFileIndex(paths: files, registry: registry))
        }
        let stackwalk = try StackwalkStage(configuration: .init(maxFrames: maxFrames, scan: scan), services: services)
        let demangle = try DemangleStage(configuration: .init(full: true), services: services)
        return Pipeline(name: "stackwalk", file: "<stackwalk>", stages: [
            ConfiguredStage(try SniffingParserStage(configuration: .init(), services: services)),
            ConfiguredStage(SymbolsStage(suppliers: suppliers, formats: registry.symbolFormats)),
            ConfiguredStage(stackwalk),
            ConfiguredStage(demangle),
        ])
    }
}

/// The parser stage of the stackwalk pipeline: for each input, the registered parser stage
/// that recognizes it (``PluginRegistry/parser(for:)``), or the minidump parser when none does
/// (so that input that is nothing gets the minidump parser's error about its signature). One
/// pipeline therefore walks minidumps and microdumps alike, in batch mode too.
///
/// Not registered itself: a pipeline file names its parser (`use: minidump`, `use: microdump`).
public struct SniffingParserStage: ParserStage {
    public typealias Configuration = NoOptions

    public static let id = "parse"
    public static let kind = StageKind.parser
    public static let summary = "runs the registered parser that recognizes the input (minidump, microdump)"

    /// A parser's failure, labelled with the parser that was chosen.
    public struct ParserFailure: Error, CustomStringConvertible {
        public var parser: String
        public var underlying: any Error
        public var description: String { "\(parser): \(underlying)" }
    }

    let registry: PluginRegistry
    /// Every registered parser stage, by id, with its default options.
    let parsers: [String: any Stage]

    public init(configuration: NoOptions, services: Services) throws {
        registry = services.registry
        let loader = PipelineLoader(registry: services.registry, services: services)
        var parsers: [String: any Stage] = [:]
        for (id, factory) in services.registry.stages where factory.sniff != nil {
            let pipeline = try loader.load(yaml: "version: 1\nstages:\n  - use: \(id)\n", file: "<parser \(id)>")
            parsers[id] = pipeline.stages[0].stage
        }
        guard parsers[MinidumpStage.id] != nil else {
            throw StackwalkPipeline.Failure(description: "no '\(MinidumpStage.id)' parser stage is registered")
        }
        self.parsers = parsers
    }

    /// Anything: the stage falls back to the minidump parser.
    public static func canParse(_ input: ByteView) -> Bool { true }

    /// The id of the parser stage that reads `bytes`.
    public func parserId(for bytes: ByteView) -> String {
        registry.parser(for: bytes).flatMap { parsers[$0] == nil ? nil : $0 } ?? MinidumpStage.id
    }

    public func run(_ report: inout CrashReport, context: StageContext) async throws {
        let id = parserId(for: context.input.bytes)
        var inner = context
        inner.stage = id
        do {
            try await parsers[id]!.run(&report, context: inner)
        } catch {
            throw ParserFailure(parser: id, underlying: error)
        }
    }
}
