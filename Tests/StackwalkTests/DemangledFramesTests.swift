import Bundled
import CrashpipeCore
import Foundation
import OutputFormats
import TestSupport
import Testing

/// Symbol files written by tools that leave names mangled (dump_syms on Mach-O, symbolic's
/// converters, hand-made stores) through the stackwalk pipelines: frames and inlined frames
/// show readable names, and the name the symbol file wrote is kept beside them.
struct DemangledFramesTests {
    /// A temporary Breakpad store holding Breakpad's linux_inline and overflow symbol files
    /// with some names replaced by their mangled forms.
    final class MangledStore {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-mangled-\(UUID().uuidString)")

        init() throws {
            try write("linux_inline", "BBA6FA10B8AAB33D00000000000000000",
                      from: "breakpad/symbols/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.new.sym",
                      replacing: [
                          ("INLINE_ORIGIN 0 bar()", "INLINE_ORIGIN 0 _Z3barv"),
                          ("INLINE_ORIGIN 1 foo()", "INLINE_ORIGIN 1 $s4main3fooyyF"),
                          ("INLINE_ORIGIN 2 func()", "INLINE_ORIGIN 2 _RNvCs1234_7mycrate4func"),
                          ("FUNC 15b30 6cf 0 main", "FUNC 15b30 6cf 0 _ZN2ns4mainIiEEvT_"),
                      ])
            try write("overflow", "B0E1FC01EF48E39CAF5C881D2DF0C3840",
                      from: "breakpad/symbols/overflow/B0E1FC01EF48E39CAF5C881D2DF0C3840/overflow.sym",
                      replacing: [("FUNC 2500 3e 0 overflow(char const*)", "FUNC 2500 3e 0 _Z8overflowPKc")])
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        func write(_ module: String, _ id: String, from fixture: String, replacing: [(String, String)]) throws {
            var text = String(decoding: try Fixtures.bytes(fixture), as: UTF8.self)
            for (original, mangled) in replacing {
                #expect(text.contains(original + "\n"), "\(fixture) no longer has '\(original)'")
                text = text.replacingOccurrences(of: original + "\n", with: mangled + "\n")
            }
            let directory = root.appendingPathComponent("\(module)/\(id)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: directory.appendingPathComponent("\(module).sym"))
        }
    }

    static func input(_ dump: String) throws -> PipelineInput {
        PipelineInput(name: dump, bytes: ByteView(try Fixtures.bytes("breakpad/minidumps/\(dump)")))
    }

    /// `crashpipe stackwalk`'s pipeline prints complete names, as c++filt and swift-demangle do.
    @Test func stackwalkShowsCompleteNamesAndKeepsRawOnes() async throws {
        let store = try MangledStore()
        // The mangled store first; Breakpad's own store has the libc symbols the walk needs.
        let pipeline = try StackwalkPipeline.make(registry: try Bundled.registry(),
                                                  symbolPaths: [store.root.path, Fixtures.path("breakpad/symbols")])

        let inline = try await pipeline.run(try Self.input("linux_inline.dmp"))
        let top = try #require(inline.crashingThread?.frames.first)
        #expect(top.function == "void ns::main<int>(int)")
        #expect(top.rawFunction == "_ZN2ns4mainIiEEvT_")
        #expect(top.inlines.map(\.function) == ["mycrate::func", "bar()", "main.foo() -> ()"])
        #expect(top.inlines.map(\.rawFunction) == ["_RNvCs1234_7mycrate4func", "_Z3barv", "$s4main3fooyyF"])
        #expect(top.inlines.map(\.line) == [27, 32, 39], "demangling must not disturb the inline records")

        let overflow = try await pipeline.run(try Self.input("linux_overflow.dmp"))
        let frame = try #require(overflow.crashingThread?.frames.first { $0.rawFunction == "_Z8overflowPKc" })
        #expect(frame.function == "overflow(char const*)")
        // Names the symbol file already wrote readably pass through with raw == function.
        let main = try #require(overflow.crashingThread?.frames.first { $0.function == "main" })
        #expect(main.rawFunction == "main")

        // Every output keeps the readable name; crashpipe's own JSON carries the raw one too.
        let json = try JSONOutput.string(overflow)
        #expect(json.contains("\"function\" : \"overflow(char const*)\""))
        #expect(json.contains("\"raw_function\" : \"_Z8overflowPKc\""))
        let text = BreakpadText.render(overflow)
        #expect(text.contains("overflow!overflow(char const*) ["))
        #expect(!text.contains("_Z8overflowPKc"))
    }

    /// The YAML pipeline's short form drops return types (and, with `parameters: false`,
    /// parameter lists), the way Sentry shows function names.
    @Test func pipelineFileChoosesTheShortForm() async throws {
        let store = try MangledStore()
        for (parameters, expected) in [
            (true, ["mycrate::func", "bar()", "foo()", "ns::main<int>(int)"]),
            (false, ["mycrate::func", "bar", "foo", "ns::main<int>"]),
        ] {
            let yaml = """
                version: 1
                name: short
                stages:
                  - use: minidump
                  - use: symbols
                    with: { sources: [ { type: store, path: "\(store.root.path)" } ] }
                  - use: stackwalk
                  - use: demangle
                    with: { full: false, parameters: \(parameters) }
                """
            let pipeline = try PipelineLoader(registry: try Bundled.registry()).load(yaml: yaml, file: "short.yaml")
            let report = try await pipeline.run(try Self.input("linux_inline.dmp"))
            let top = try #require(report.crashingThread?.frames.first)
            #expect(top.inlines.map(\.function) + [top.function ?? ""] == expected, "parameters: \(parameters)")
            #expect(top.rawFunction == "_ZN2ns4mainIiEEvT_")
        }
    }

    /// `languages` limits which demanglers run: with only Swift enabled, C++ and Rust names
    /// stay as the symbol file wrote them.
    @Test func languagesOptionLimitsTheDemanglers() async throws {
        let store = try MangledStore()
        let yaml = """
            version: 1
            name: swift-only
            stages:
              - use: minidump
              - use: symbols
                with: { sources: [ { type: store, path: "\(store.root.path)" } ] }
              - use: stackwalk
              - use: demangle
                with: { languages: [swift], full: true }
            """
        let pipeline = try PipelineLoader(registry: try Bundled.registry()).load(yaml: yaml, file: "swift-only.yaml")
        let report = try await pipeline.run(try Self.input("linux_inline.dmp"))
        let top = try #require(report.crashingThread?.frames.first)
        #expect(top.function == "_ZN2ns4mainIiEEvT_")
        #expect(top.inlines.map(\.function) == ["_RNvCs1234_7mycrate4func", "_Z3barv", "main.foo() -> ()"])

        // A misspelt language is a load error that names it and suggests the right one.
        let misspelt = yaml.replacingOccurrences(of: "[swift]", with: "[swfit]")
        do {
            _ = try PipelineLoader(registry: try Bundled.registry()).load(yaml: misspelt, file: "swift-only.yaml")
            Issue.record("a pipeline naming an unknown demangler loaded")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("swift-only.yaml:") && message.contains("'swfit'") && message.contains("did you mean 'swift'"), "\(message)")
        }
    }
}
