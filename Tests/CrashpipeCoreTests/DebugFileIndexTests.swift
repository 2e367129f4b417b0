import Bundled
import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// The `files` symbol source: debug files given by path, matched by debug id.
struct DebugFileIndexTests {
    @Test func fatFilesAnswerWithTheModulesSlice() async throws {
        let path = Fixtures.path("symbolic/debug-files/macos/Example.framework.dSYM/Contents/Resources/DWARF/Example")
        let index = DebugFileIndex(paths: [path, Fixtures.path("symbolic/debug-files/linux/crash.debug")],
                                   registry: try Bundled.registry())
        #expect(index.problems.isEmpty)
        let fat = try Fixtures.bytes(String(path.dropFirst(Fixtures.root.path.count + 1)))
        var slices: [Int] = []
        for id in ["3b4566e4-491b-3dcf-94f5-ae51f624dd87", "2556f151-5a40-3847-be6c-e2c1b5be4df8"] {
            let module = Module(base: 0x1000, size: 0x1000, codeFile: "Example", debugId: DebugId(id))
            let found = try #require(try await index.locate(module), "\(id)")
            let bytes = found.bytes.withUnsafeBytes { Array($0) }
            #expect(Array(bytes.prefix(4)) == [0xCF, 0xFA, 0xED, 0xFE], "a thin 64-bit Mach-O")
            #expect(bytes.count < fat.count)
            slices.append(found.bytes.start)
        }
        #expect(Set(slices).count == 2, "two different slices")
        let elf = Module(base: 0, size: 1, codeFile: "/work/crash", debugId: DebugId("c0bcc3f1-9827-fe65-3058-404b2831d9e6"))
        #expect(try await index.locate(elf)?.location.hasSuffix("crash.debug") == true)
        let unknown = Module(base: 0, size: 1, codeFile: "x", debugId: DebugId("00000000-0000-0000-0000-000000000001"))
        #expect(try await index.locate(unknown) == nil)
    }

    @Test func unreadableAndForeignFilesAreSkipped() throws {
        let index = DebugFileIndex(paths: [Fixtures.path("breakpad/minidumps/minidump2.dmp"), "/nonexistent/file"],
                                   registry: try Bundled.registry())
        #expect(index.problems.isEmpty, "a minidump is not a debug file: skipped without a problem")
    }
}
