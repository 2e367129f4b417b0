import CrashpipeCore
import Foundation
import SymbolsBreakpad
import TestSupport
import Testing

/// The symbol store layout, the plugin's registration and the format's recognition.
struct StoreTests {
    static let libcId = DebugId("F4F8DFCD5A5FB5A7CE64717E9E6AE3890")!

    /// A fresh directory under the system's temporary directory, removed by the caller.
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "crashpipe-sym-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func relativePaths() {
        let pdbId = DebugId("5A9832E5287241C1838ED98914E9B7FF1")!
        let windows = Module(base: 0x400000, size: 0x1000, codeFile: "c:\\test_app.exe",
                             debugFile: "c:\\projects\\test_app.PDB", debugId: pdbId)
        #expect(BreakpadSymbolStore.relativePath(for: windows) == "test_app.PDB/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym")
        let elf = Module(base: 0, size: 1, codeFile: "/lib/x86_64-linux-gnu/libc-2.13.so", debugFile: "",
                         debugId: Self.libcId)
        #expect(BreakpadSymbolStore.relativePath(for: elf) == "libc-2.13.so/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/libc-2.13.so.sym")
        let noDebugFile = Module(base: 0, size: 1, codeFile: "/usr/lib/crash", debugId: Self.libcId)
        #expect(BreakpadSymbolStore.relativePath(for: noDebugFile)?.hasPrefix("crash/") == true)
        #expect(BreakpadSymbolStore.relativePath(for: Module(base: 0, size: 1, codeFile: "/lib/libc.so")) == nil)
        let sneaky = Module(base: 0, size: 1, codeFile: "..", debugFile: "..", debugId: Self.libcId)
        #expect(BreakpadSymbolStore.relativePath(for: sneaky) == nil)
        // ".pdb" alone is a name, not an extension to strip.
        let bare = Module(base: 0, size: 1, codeFile: "x", debugFile: "/a/.pdb", debugId: Self.libcId)
        #expect(BreakpadSymbolStore.relativePath(for: bare) == ".pdb/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/.pdb.sym")
    }

    @Test func locatesInTheFirstRootThatHasTheFile() async throws {
        let empty = try temporaryDirectory()
        let shadow = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: empty)
            try? FileManager.default.removeItem(atPath: shadow)
        }
        let fixtures = Fixtures.path("breakpad/symbols")
        let libc = Module(base: 0x7f00_0000_0000, size: 0x10000, codeFile: "/lib/libc-2.13.so",
                          debugFile: "libc-2.13.so", debugId: Self.libcId)

        let store = BreakpadSymbolStore(roots: [empty, fixtures + "/"])
        let found = try #require(try await store.locate(libc))
        #expect(found.location == fixtures + "/libc-2.13.so/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/libc-2.13.so.sym")
        #expect(found.bytes.count == 556_851)
        let symbols = try BreakpadSymbolFormat().load(found.bytes, location: found.location)
        #expect(symbols.problems.isEmpty)
        // libc-2.13.so.sym has PUBLIC records only (and CFI).
        #expect(symbols.lookup(0x1edb5)?.function == "__libc_start_main")
        #expect(symbols.lookup(0x1edb5)?.isPublic == true)
        #expect(!symbols.hasFunction(at: 0x1edb5))

        // A .pdb debug file: the file name drops the extension.
        let pdbId = DebugId("5A9832E5287241C1838ED98914E9B7FF1")!
        try write("MODULE windows x86 5A9832E5287241C1838ED98914E9B7FF1 test_app.pdb\nFUNC 1000 10 0 shadowed\n",
                  to: shadow + "/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym")
        try write("MODULE Linux x86_64 F4F8DFCD5A5FB5A7CE64717E9E6AE3890 libc-2.13.so\nFUNC 1000 10 0 shadow\n",
                  to: shadow + "/libc-2.13.so/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/libc-2.13.so.sym")
        let windows = Module(base: 0x400000, size: 0x1000, codeFile: "c:\\test_app.exe",
                             debugFile: "c:\\test_app.pdb", debugId: pdbId)
        let shadowFirst = BreakpadSymbolStore(roots: [shadow, fixtures])
        let pdb = try #require(try await shadowFirst.locate(windows))
        #expect(pdb.location.hasSuffix("/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym"))
        #expect(BreakpadSymbols(parsing: pdb.bytes).lookup(0x1000)?.function == "shadowed")
        let first = try #require(try await shadowFirst.locate(libc))
        #expect(first.location.hasPrefix(shadow))
        let fixturesFirst = BreakpadSymbolStore(roots: [fixtures, shadow])
        #expect(try await fixturesFirst.locate(libc)?.location.hasPrefix(fixtures) == true)

        // Absent: another debug id, no debug id, or a directory where the file should be.
        var other = libc
        other.debugId = DebugId("00000000000000000000000000000000A")
        #expect(try await store.locate(other) == nil)
        var noId = libc
        noId.debugId = nil
        #expect(try await store.locate(noId) == nil)
        try FileManager.default.createDirectory(
            atPath: empty + "/dir.so/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/dir.so.sym", withIntermediateDirectories: true)
        let directory = Module(base: 0, size: 1, codeFile: "dir.so", debugFile: "dir.so", debugId: Self.libcId)
        #expect(try await BreakpadSymbolStore(roots: [empty]).locate(directory) == nil)
    }

    @Test func pluginRegistration() throws {
        var registry = PluginRegistry()
        try SymbolsBreakpadPlugin.register(in: &registry)
        #expect(registry.symbolFormats.map(\.name) == ["breakpad"])
        let factory = try #require(registry.symbolSources["store"])
        #expect(factory.options.map(\.name) == ["path", "paths"])
        let services = Services(registry: registry)
        func options(_ json: String) throws -> SymbolSourceOptions {
            try JSONDecoder().decode(SymbolSourceOptions.self, from: Data(json.utf8))
        }
        let store = try factory.make(try options(#"{"type": "store", "path": "/a", "paths": ["/b", "/c"]}"#), services)
        #expect((store as? BreakpadSymbolStore)?.roots == ["/a", "/b", "/c"])
        let noPath = try options(#"{"type": "store"}"#)
        #expect(throws: BreakpadStoreError.self) { try factory.make(noPath, services) }
        #expect(throws: RegistryError.self) { try SymbolsBreakpadPlugin.register(in: &registry) }
    }

    @Test func formatRecognition() throws {
        let format = BreakpadSymbolFormat()
        #expect(format.recognizes(ByteView(Array("MODULE Linux x86 0 a\n".utf8))))
        #expect(!format.recognizes(ByteView(Array("MODULE".utf8))))
        #expect(!format.recognizes(ByteView(Array("FUNC 1 2 3 a".utf8))))
        #expect(!format.recognizes(ByteView([])))
        #expect(!format.recognizes(ByteView([0x4d, 0x44, 0x4d, 0x50])))
        let module2 = try ByteStorage.map(path: Fixtures.path("breakpad/sym-parser/module2.out")).view
        #expect(format.recognizes(module2))
    }
}
