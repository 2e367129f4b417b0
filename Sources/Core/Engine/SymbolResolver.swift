import Synchronization

/// What is known about one module's symbols.
public enum ModuleSymbolState: Sendable, Equatable {
    /// No supplier was asked yet.
    case unknown
    /// No supplier has a file for it.
    case missing
    /// A file was found and not read yet.
    case located(String)
    /// The file was read; `problems` counts lines that did not parse.
    case loaded(String, problems: Int)
    /// The file was found but could not be read at all.
    case unreadable(String, reason: String)
}

/// Finds and reads symbol files for a report's modules: locating is async and done up front
/// (all modules at once, so remote suppliers can run concurrently), reading is lazy and happens
/// the first time a stack walk or symbolication needs the module. Thread-safe.
public final class SymbolResolver: Sendable {
    private struct Entry {
        var state: ModuleSymbolState = .unknown
        var data: SymbolFileData?
        var symbols: (any ModuleSymbols)?
        /// Whether any lookup asked for this module (rust-minidump reports missing symbols only
        /// for such modules).
        var touched = false
    }

    private let formats: [any SymbolFormat]
    private let entries: Mutex<[Entry]>
    /// Parsed files shared with other reports of the same pipeline, if any.
    private let cache: SymbolCache?

    /// A resolver with no modules (for reports walked without symbols).
    public convenience init() {
        self.init(moduleCount: 0, formats: [])
    }

    init(moduleCount: Int, formats: [any SymbolFormat], cache: SymbolCache? = nil) {
        self.formats = formats
        self.cache = cache
        self.entries = Mutex([Entry](repeating: Entry(), count: moduleCount))
    }

    /// A resolver over symbols already in memory, by module index (for tests and for hosts
    /// that build symbol tables themselves). Modules not in `preloaded` are missing.
    public init(preloaded: [Int: any ModuleSymbols], moduleCount: Int) {
        self.formats = []
        self.cache = nil
        var entries = [Entry](repeating: Entry(state: .missing), count: moduleCount)
        for (index, symbols) in preloaded where entries.indices.contains(index) {
            entries[index].symbols = symbols
            entries[index].state = .loaded("memory", problems: symbols.problems.count)
        }
        self.entries = Mutex(entries)
    }

    /// Asks `suppliers` (in order; the first that has a file wins) for every module's symbol file.
    public static func locate(modules: [Module], suppliers: [any SymbolSupplier],
                              formats: [any SymbolFormat], cache: SymbolCache? = nil) async -> SymbolResolver {
        let resolver = SymbolResolver(moduleCount: modules.count, formats: formats, cache: cache)
        // With no sources nothing was asked, so nothing is known to be missing.
        guard !suppliers.isEmpty else { return resolver }
        await withTaskGroup(of: (Int, SymbolFileData?, String?).self) { group in
            for (index, module) in modules.enumerated() {
                group.addTask {
                    for supplier in suppliers {
                        do {
                            if let data = try await supplier.locate(module) { return (index, data, nil) }
                        } catch {
                            return (index, nil, "\(error)")
                        }
                    }
                    return (index, nil, nil)
                }
            }
            for await (index, data, failure) in group {
                resolver.entries.withLock { entries in
                    if let data {
                        entries[index].data = data
                        entries[index].state = .located(data.location)
                    } else if let failure {
                        entries[index].state = .unreadable("", reason: failure)
                    } else {
                        entries[index].state = .missing
                    }
                }
            }
        }
        return resolver
    }

    /// The symbols of module `index`, reading the file on first use; nil when there are none.
    public func symbols(forModule index: Int) -> (any ModuleSymbols)? {
        // Read outside the lock so that one large file does not stall other threads' lookups
        // of already loaded modules.
        let pending: SymbolFileData? = entries.withLock { entries in
            guard entries.indices.contains(index) else { return nil }
            entries[index].touched = true
            if entries[index].symbols != nil { return nil }
            if case .located = entries[index].state { return entries[index].data }
            return nil
        }
        if let pending {
            let state: ModuleSymbolState
            var loaded: (any ModuleSymbols)?
            switch load(pending) {
            case .success(let symbols):
                // Companions fill in what the first file lacks; one that cannot be read is left out.
                let layers = [symbols] + pending.companions.compactMap { try? load($0).get() }
                loaded = layers.count == 1 ? symbols : LayeredModuleSymbols(layers: layers)
                state = .loaded(pending.location, problems: symbols.problems.count)
            case .failure(let failure):
                state = .unreadable(pending.location, reason: failure.reason)
            }
            entries.withLock { entries in
                if entries[index].symbols == nil {
                    entries[index].symbols = loaded
                    entries[index].state = state
                    entries[index].data = nil
                }
            }
        }
        return entries.withLock { entries in entries.indices.contains(index) ? entries[index].symbols : nil }
    }

    struct LoadFailure: Error { var reason: String }

    /// Reads one file with the format that recognizes it, through the cache.
    private func load(_ data: SymbolFileData) -> Result<any ModuleSymbols, LoadFailure> {
        if let cached = cache?.symbols(for: data) { return .success(cached) }
        guard let format = formats.first(where: { $0.recognizes(data.bytes) }) else {
            return .failure(LoadFailure(reason: "not a symbol file format crashpipe reads"))
        }
        do {
            let symbols = try format.load(data.bytes, location: data.location)
            cache?.insert(symbols, for: data)
            return .success(symbols)
        } catch {
            return .failure(LoadFailure(reason: "\(error)"))
        }
    }

    public func state(ofModule index: Int) -> ModuleSymbolState {
        entries.withLock { $0.indices.contains(index) ? $0[index].state : .unknown }
    }

    /// Whether a lookup asked for module `index`.
    public func wasTouched(_ index: Int) -> Bool {
        entries.withLock { $0.indices.contains(index) ? $0[index].touched : false }
    }

    /// Problems found in module `index`'s file, if it was read.
    public func problems(ofModule index: Int) -> [String] {
        entries.withLock { $0.indices.contains(index) ? $0[index].symbols?.problems ?? [] : [] }
    }
}
