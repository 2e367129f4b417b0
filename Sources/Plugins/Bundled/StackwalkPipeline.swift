import CrashpipeCore
import Minidump

/// The pipeline behind `crashpipe stackwalk`: read the minidump, find symbols in Breakpad
/// symbol stores, walk and symbolicate every thread, and demangle what the symbol files left
/// mangled (complete names, as minidump_stackwalk users expect; the raw name is kept).
public enum StackwalkPipeline {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `symbolPaths` are Breakpad-layout store roots, tried in order.
    public static func make(registry: PluginRegistry, symbolPaths: [String], maxFrames: Int = 1024,
                            scan: Bool = true) throws -> Pipeline {
        let services = Services(registry: registry)
        var suppliers: [any SymbolSupplier] = []
        if !symbolPaths.isEmpty {
            guard let store = registry.symbolSources["store"] else {
                throw Failure(description: "no 'store' symbol source is registered")
            }
            suppliers.append(try store.make(SymbolSourceOptions(type: "store", paths: symbolPaths), services))
        }
        let stackwalk = try StackwalkStage(configuration: .init(maxFrames: maxFrames, scan: scan), services: services)
        let demangle = try DemangleStage(configuration: .init(full: true), services: services)
        return Pipeline(name: "stackwalk", file: "<stackwalk>", stages: [
            ConfiguredStage(MinidumpStage(configuration: .init(), services: services)),
            ConfiguredStage(SymbolsStage(suppliers: suppliers, formats: registry.symbolFormats)),
            ConfiguredStage(stackwalk),
            ConfiguredStage(demangle),
        ])
    }
}
