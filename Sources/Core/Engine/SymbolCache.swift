import Synchronization

/// Parsed symbol files kept between reports, so a pipeline that processes many reports (the
/// server, batch stackwalks) reads each file once. Keyed by the file's location, size and a
/// fingerprint of its first and last 4 KiB, so a file replaced in place is read again. Bounded
/// by the total size of the cached files plus what their parsed symbols hold
/// (``ModuleSymbols/parsedBytes``: a native file's DWARF can take several times the file's size);
/// the least recently used go first. Thread-safe.
public final class SymbolCache: Sendable {
    struct Key: Hashable {
        var location: String
        var size: Int
        var fingerprint: UInt64
    }

    private struct State {
        var entries: [Key: (symbols: any ModuleSymbols, cost: Int, lastUse: UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    /// The most bytes (files and their parsed symbols) kept.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 512 << 20) {
        self.capacity = capacity
    }

    /// (hits, misses) so far.
    public var statistics: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    static func key(_ data: SymbolFileData) -> Key {
        // FNV-1a over the first and last 4 KiB: cheap, and a changed file almost always
        // changes its size or one of its ends.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.bytes.withUnsafeBytes { raw in
            let head = raw.prefix(4096)
            let tail = raw.count > 8192 ? raw.suffix(4096) : raw.dropFirst(head.count)
            for byte in head { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            for byte in tail { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return Key(location: data.location, size: data.bytes.count, fingerprint: hash)
    }

    func symbols(for data: SymbolFileData) -> (any ModuleSymbols)? {
        let key = Self.key(data)
        return state.withLock { state in
            state.clock += 1
            guard let found = state.entries[key] else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            state.entries[key]?.lastUse = state.clock
            return found.symbols
        }
    }

    func insert(_ symbols: any ModuleSymbols, for data: SymbolFileData) {
        let key = Self.key(data)
        let cost = key.size + symbols.parsedBytes
        guard cost <= capacity else { return }
        state.withLock { state in
            state.clock += 1
            state.bytes += cost - (state.entries[key]?.cost ?? 0)
            state.entries[key] = (symbols, cost, state.clock)
            while state.bytes > capacity, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries[oldest.key] = nil
                state.bytes -= oldest.value.cost
            }
        }
    }

    /// The bytes the kept entries are counted for (files and parsed symbols).
    public var keptBytes: Int { state.withLock { $0.bytes } }
}
