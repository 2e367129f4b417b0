/// One module's symbols from several files, the first answering first: a split debug file
/// (names, lines, inline frames) over its stripped binary (unwind information, exported names).
/// Each question goes to the first file that has an answer.
public struct LayeredModuleSymbols: ModuleSymbols {
    public let layers: [any ModuleSymbols]

    public init(layers: [any ModuleSymbols]) {
        self.layers = layers
    }

    public func lookup(_ address: UInt64) -> SymbolInfo? {
        for layer in layers {
            if let found = layer.lookup(address) { return found }
        }
        return nil
    }

    public func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        for layer in layers {
            if let rules = layer.callFrameInfo(at: address) { return rules }
        }
        return nil
    }

    public func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? {
        for layer in layers {
            if let info = layer.windowsFrameInfo(at: address) { return info }
        }
        return nil
    }

    public func hasFunction(at address: UInt64) -> Bool { layers.contains { $0.hasFunction(at: address) } }
    public var problems: [String] { layers.flatMap(\.problems) }
    public var hasFunctionNames: Bool { layers.contains { $0.hasFunctionNames } }
    public var features: DebugFeatures { layers.reduce([]) { $0.union($1.features) } }
    public var parsedBytes: Int { layers.reduce(0) { $0 + $1.parsedBytes } }
}
