import Bundled
import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// Parsed symbol files shared between reports: read once, read again when the file changes.
struct SymbolCacheTests {
    @Test func secondReportReusesTheParsedFileAndAChangedFileIsReadAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("symcache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sym = folder.appendingPathComponent("test_app.sym")
        let original = try Fixtures.bytes("breakpad/symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym")
        try Data(original).write(to: sym)

        let registry = try Bundled.registry()
        let module = Module(base: 0x400000, size: 0x2d000, codeFile: "c:\\test_app.exe", debugFile: "c:\\test_app.pdb",
                            debugId: DebugId("5A9832E5287241C1838ED98914E9B7FF1"))
        let cache = SymbolCache()
        func walk() async throws -> SymbolInfo? {
            let supplier = DebugFileIndex(paths: [sym.path], registry: registry)
            let resolver = await SymbolResolver.locate(modules: [module], suppliers: [supplier], formats: registry.symbolFormats,
                                                       cache: cache)
            return resolver.symbols(forModule: 0)?.lookup(0x1000)
        }
        let first = try await walk()
        #expect(cache.statistics == (hits: 0, misses: 1))
        let second = try await walk()
        #expect(cache.statistics == (hits: 1, misses: 1))
        #expect(first == second && first != nil)

        // The same path with other contents (a re-upload): parsed again, and the new names show.
        let text = String(decoding: original, as: UTF8.self)
        let renamed = text.replacingOccurrences(of: "FUNC 1000 ", with: "FUNC 1000 ").replacingOccurrences(
            of: first?.function ?? "?", with: "renamed_function")
        #expect(renamed != text)
        try Data(renamed.utf8).write(to: sym)
        let third = try await walk()
        #expect(cache.statistics == (hits: 1, misses: 2))
        #expect(third?.function == "renamed_function")
    }

    @Test func capacityEvictsTheLeastRecentlyUsed() async throws {
        let registry = try Bundled.registry()
        let path = Fixtures.path("breakpad/symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym")
        let size = try Fixtures.bytes("breakpad/symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym").count
        let cache = SymbolCache(capacity: size - 1)
        let module = Module(base: 0x400000, size: 0x2d000, codeFile: "test_app.exe", debugFile: "test_app.pdb",
                            debugId: DebugId("5A9832E5287241C1838ED98914E9B7FF1"))
        for _ in 0..<2 {
            let resolver = await SymbolResolver.locate(modules: [module], suppliers: [DebugFileIndex(paths: [path], registry: registry)],
                                                       formats: registry.symbolFormats, cache: cache)
            #expect(resolver.symbols(forModule: 0) != nil)
        }
        #expect(cache.statistics == (hits: 0, misses: 2), "a file larger than the capacity is never kept")
    }

    /// Native files are weighed with what their parsed DWARF holds, several times the file's
    /// size for `crash.debug`: a capacity that fits the file but not its parsed symbols keeps
    /// nothing, one that fits both keeps it.
    @Test func parsedSymbolsCountTowardsTheCapacity() async throws {
        let registry = try Bundled.registry()
        let path = Fixtures.path("symbolic/debug-files/linux/crash.debug")
        let size = try Fixtures.bytes("symbolic/debug-files/linux/crash.debug").count
        let module = Module(base: 0x400000, size: 0x20000, codeFile: "crash", debugFile: "crash",
                            debugId: DebugId("C0BCC3F19827FE653058404B2831D9E60"))
        func walk(_ cache: SymbolCache) async -> (any ModuleSymbols)? {
            let resolver = await SymbolResolver.locate(modules: [module], suppliers: [DebugFileIndex(paths: [path], registry: registry)],
                                                       formats: registry.symbolFormats, cache: cache)
            return resolver.symbols(forModule: 0)
        }
        let parsed = try #require(await walk(SymbolCache())).parsedBytes
        #expect(parsed > size, "DWARF functions, inlinees and line records of \(size) bytes: \(parsed)")

        let small = SymbolCache(capacity: size + parsed / 2)
        _ = await walk(small)
        #expect(small.keptBytes == 0)
        let large = SymbolCache(capacity: size + parsed)
        _ = await walk(large)
        _ = await walk(large)
        #expect(large.keptBytes == size + parsed && large.statistics == (hits: 1, misses: 1))
    }
}
