import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// `crashpipe symbols inspect|upload|list|remove` and `tokens`, as a user runs them.
@Suite(.serialized)
struct SymbolsCLITests {
    /// Reads `symbols inspect --json` output back into objects, keyed by the file argument.
    static func inspected(_ paths: [String]) throws -> [String: [DebugObject]] {
        let result = try CLITests.run(["symbols", "inspect", "--json"] + paths)
        #expect(result.status == 0, "\(result.stderr)")
        let files = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        var byFile: [String: [DebugObject]] = [:]
        for file in files {
            let name = try #require(file["file"] as? String)
            let objects = try #require(file["objects"] as? [[String: Any]])
            byFile[name] = try objects.map { o in
                var features: DebugFeatures = []
                for feature in o["features"] as? [String] ?? [] {
                    switch feature {
                    case "symtab": features.insert(.symtab)
                    case "debug": features.insert(.debug)
                    case "unwind": features.insert(.unwind)
                    case "sources": features.insert(.sources)
                    default: Issue.record("unknown feature \(feature)")
                    }
                }
                let load = try #require((o["load_address"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) })
                return DebugObject(format: try #require(o["format"] as? String), kind: o["kind"] as? String,
                                   arch: try #require(o["arch"] as? String),
                                   debugId: (o["debug_id"] as? String).flatMap(DebugId.init),
                                   codeId: (o["code_id"] as? String).flatMap(CodeId.init),
                                   debugFile: o["debug_file"] as? String, loadAddress: load, features: features)
            }
        }
        return byFile
    }

    /// Every file of symbolic's object_metadata.json: format, kind, arch, ids, load address
    /// and features as symbolic reports them.
    @Test func inspectAgreesWithSymbolicObjectMetadata() throws {
        let expected = try ExpectedDebugObject.symbolic()
        #expect(expected.count >= 10)
        let results = try Self.inspected(expected.map { Fixtures.path($0.path) })
        for entry in expected {
            let objects = try #require(results[Fixtures.path(entry.path)], "no result for \(entry.path)")
            #expect(objects.count == 1, "\(entry.path)")
            if let object = objects.first {
                #expect(entry.mismatches(object) == [], "\(entry.path)")
            }
        }
    }

    /// And with sentry-cli's `debug-files check` for the files it was run on (fat dSYMs too).
    @Test func inspectAgreesWithSentryCLI() throws {
        let checks = try SentryCLICheck.all()
        #expect(checks.count >= 10)
        let results = try Self.inspected(checks.map { Fixtures.path($0.path) })
        for check in checks {
            let objects = try #require(results[Fixtures.path(check.path)], "no result for \(check.path)")
            let format = try #require(objects.first?.format)
            #expect(check.mismatches(objects, format: format) == [], "\(check.path)")
        }
    }

    @Test func inspectRefusesWhatIsNotADebugFile() throws {
        let result = try CLITests.run(["symbols", "inspect", Fixtures.path("breakpad/minidumps/minidump2.dmp")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("minidump2.dmp: not a debug file crashpipe recognizes"))
        let text = try CLITests.run(["symbols", "inspect", Fixtures.path("symbolic/debug-files/linux/crash.debug")])
        #expect(text.status == 0)
        #expect(text.stdout.contains("elf debug x86_64"))
        #expect(text.stdout.contains("debug id:     c0bcc3f1-9827-fe65-3058-404b2831d9e6"))
        #expect(text.stdout.contains("features:     symtab, debug"))
    }

    /// `crashpipe stackwalk DUMP FILE`: a binary given by path is matched by debug id and names
    /// the frames from its symbol table (Linux ELF and macOS Mach-O).
    @Test(arguments: [("linux", " 0  crash!main + 0x102", " 0  crash + 0x1d72"),
                      ("macos", " 0  crash!main + 0x75", " 0  crash + 0xdc15")])
    func stackwalkUsesABinaryGivenByPath(os: String, named: String, bare: String) throws {
        let dump = Fixtures.path("symbolicator/minidumps/\(os).dmp")
        let with = try CLITests.run(["stackwalk", dump, Fixtures.path("symbolic/debug-files/\(os)/crash")])
        #expect(with.status == 0, "\(with.stderr)")
        #expect(with.stdout.contains("\n" + named + "\n"), "\(with.stdout.prefix(600))")
        let without = try CLITests.run(["stackwalk", dump])
        #expect(without.stdout.contains("\n" + bare + "\n"), "\(without.stdout.prefix(600))")
    }

    /// With the Linux binary alone, its `.eh_frame` unwinds `main` into libc as the `.sym`'s
    /// STACK CFI does, and its sized symbols keep the scan from accepting return addresses in
    /// no function: the walk is the real call chain, main ← __libc_start_main ← _start. With
    /// dump_syms' PUBLIC-only `.sym` (no sizes) the same scan accepts stale return addresses.
    @Test func linuxBinaryUnwindsWithItsEhFrame() throws {
        let dump = Fixtures.path("symbolicator/minidumps/linux.dmp")
        let crashedThread = CLITests.crashedThread
        let native = try CLITests.run(["stackwalk", dump, Fixtures.path("symbolic/debug-files/linux/crash")])
        #expect(crashedThread(native.stdout) == [
            "0  crash!main + 0x102", "Found by: given as instruction pointer in context",
            "1  libc-2.23.so + 0x20830", "Found by: call frame info",
            "2  crash!_start + 0x29", "Found by: stack scanning",
        ], "\(native.stdout.prefix(1500))")

        // Binary and split debug file together: DWARF names, lines and inline frames from the
        // .debug file, the unwind rules from the binary's .eh_frame.
        let both = try CLITests.run(["stackwalk", dump, Fixtures.path("symbolic/debug-files/linux/crash"),
                                     Fixtures.path("symbolic/debug-files/linux/crash.debug")])
        #expect(crashedThread(both.stdout) == [
            "0  crash!crash [main.cpp : 23]", "Found by: inlining",
            "1  crash!start [main.cpp : 27]", "Found by: inlining",
            "2  crash!main [main.cpp : 35 + 0x0]", "Found by: given as instruction pointer in context",
            "3  libc-2.23.so + 0x20830", "Found by: call frame info",
            "4  crash!_start + 0x29", "Found by: stack scanning",
        ], "\(both.stdout.prefix(1500))")

        let store = FileManager.default.temporaryDirectory.appendingPathComponent("syms-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let folder = store.appendingPathComponent("crash/C0BCC3F19827FE653058404B2831D9E60")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try Fixtures.bytes("symbolic/debug-files/linux/crash.sym")).write(to: folder.appendingPathComponent("crash.sym"))
        let sym = try CLITests.run(["stackwalk", dump, store.path])
        #expect(Array(crashedThread(sym.stdout).prefix(4)) == Array(crashedThread(native.stdout).prefix(4)),
                "the first frames, found by the same CFI, agree")

        // The JSON says how far each name can be trusted: the binary's sized symbols put the
        // address inside the function; dump_syms' PUBLIC records only name the nearest symbol
        // below it. The module lists what its files hold.
        func trust(_ paths: [String]) throws -> (frames: [String], features: [String]) {
            let result = try CLITests.run(["stackwalk", "--json", dump] + paths)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let thread = try #require(json["crashing_thread"] as? [String: Any])
            let frames = try #require(thread["frames"] as? [[String: Any]])
            let module = try #require((json["modules"] as? [[String: Any]])?.first { $0["filename"] as? String == "crash" })
            return (frames.map { "\($0["function"] as? String ?? "-") \($0["symbol_trust"] as? String ?? "-")" },
                    module["symbol_features"] as? [String] ?? [])
        }
        let nativeTrust = try trust([Fixtures.path("symbolic/debug-files/linux/crash")])
        #expect(nativeTrust.frames == ["main function", "- -", "_start function"])
        #expect(nativeTrust.features == ["symtab", "unwind"])
        let symTrust = try trust([store.path])
        #expect(Array(symTrust.frames.prefix(2)) == ["main public_symbol", "- -"])
        #expect(symTrust.features == ["symtab", "unwind"])
        let bothTrust = try trust([Fixtures.path("symbolic/debug-files/linux/crash"), Fixtures.path("symbolic/debug-files/linux/crash.debug")])
        #expect(bothTrust.frames.first == "main debug_info")
        #expect(bothTrust.features == ["symtab", "debug", "unwind"])
    }

    /// The split debug file compressed (SHF_COMPRESSED zlib, zstd) walks linux.dmp exactly as
    /// the uncompressed one: every thread, frame, name, line and inline frame.
    @Test func compressedSplitDebugFilesWalkTheSame() throws {
        let dump = Fixtures.path("symbolicator/minidumps/linux.dmp")
        let binary = Fixtures.path("symbolic/debug-files/linux/crash")
        let plain = try CLITests.run(["stackwalk", dump, binary, Fixtures.path("symbolic/debug-files/linux/crash.debug")])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.contains("crash!crash [main.cpp : 23]"), "the DWARF answered: \(plain.stdout.prefix(800))")
        for name in ["crash.debug-zlib", "crash.debug-zstd"] {
            let packed = try CLITests.run(["stackwalk", dump, binary, Fixtures.path("symbolic/debug-files/linux/" + name)])
            #expect(packed.status == 0, "\(packed.stderr)")
            let frames = packed.stdout.replacingOccurrences(of: name, with: "crash.debug")
            #expect(frames == plain.stdout, "\(name): \(packed.stdout.prefix(1500))")
            #expect(frames.split(separator: "\n").count > 20)
        }
    }

    /// macOS: the binary with its dSYM bundle gives the frames dump_syms' `.sym` of the same
    /// build gives (Mozilla's, with INLINE records): the inlined calls with their lines, then
    /// `main`. The binary's compact unwind finds `main`'s caller by CFI where the `.sym`
    /// (which has only the few `__eh_frame` rows) leaves it to the scan.
    @Test func macOSBinaryAndDSYMGiveTheSymFilesFrames() throws {
        let dump = Fixtures.path("symbolicator/minidumps/macos.dmp")
        let frames = CLITests.crashedThread
        let native = try CLITests.run(["stackwalk", dump, Fixtures.path("symbolic/debug-files/macos/crash"),
                                       Fixtures.path("symbolic/debug-files/macos/crash.dSYM")])
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("syms-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let folder = store.appendingPathComponent("crash/67E9247C814E392BA027DBDE6748FCBF0")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try Fixtures.bytes("symbolic/debug-files/macos/crash.inlines.sym")).write(to: folder.appendingPathComponent("crash.sym"))
        let sym = try CLITests.run(["stackwalk", dump, store.path])
        let expected = ["0  crash!(anonymous namespace)::crash() [main.cpp : 21]", "Found by: inlining",
                        "1  crash!(anonymous namespace)::start() [main.cpp : 25]", "Found by: inlining",
                        "2  crash!main [main.cpp : 32 + 0x0]", "Found by: given as instruction pointer in context",
                        "3  libdyld.dylib + 0x5235"]
        #expect(Array(frames(native.stdout).prefix(7)) == expected, "\(native.stdout.prefix(1200))")
        #expect(Array(frames(sym.stdout).prefix(7)) == expected, "\(sym.stdout.prefix(1200))")
        #expect(frames(native.stdout).dropFirst(7).first == "Found by: call frame info")
        #expect(frames(sym.stdout).dropFirst(7).first == "Found by: stack scanning")
    }

    /// Local store: a folder with a dSYM bundle, a zipped dSYM and a .sym; list; remove.
    @Test func uploadListAndRemoveInTheLocalStore() throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-symbols-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDir) }
        #expect(try CLITests.run(["projects", "create", "app", "--data-dir", dataDir.path]).status == 0)

        // A zipped dSYM folder, as Xcode archives hand them out.
        let dsym = "symbolic/debug-files/macos/Example.framework.dSYM"
        let zipFolder = dataDir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: zipFolder, withIntermediateDirectories: true)
        let zip = ZipWriter.archive([
            .init(name: "Example.framework.dSYM/Contents/Info.plist", content: Data(try Fixtures.bytes("\(dsym)/Contents/Info.plist"))),
            .init(name: "Example.framework.dSYM/Contents/Resources/DWARF/Example",
                  content: Data(try Fixtures.bytes("\(dsym)/Contents/Resources/DWARF/Example"))),
        ])
        try zip.write(to: zipFolder.appendingPathComponent("Example.dSYM.zip"))

        let upload = try CLITests.run(["symbols", "upload", Fixtures.path("symbolic/debug-files/macos/crash.dSYM"),
                                       Fixtures.path("symbolic/debug-files/windows/crash.sym"), zipFolder.path,
                                       "--project", "app", "--data-dir", dataDir.path])
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(upload.stdout.contains("skipped 1 file(s)"), "Info.plist of the bundle: \(upload.stdout)")
        let list = try CLITests.run(["symbols", "list", "--data-dir", dataDir.path])
        let rows = list.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 4, "crash (dSYM), crash.sym, Example x86_64 + arm64: \(list.stdout)")
        #expect(Set(rows.map { "\($0[2]) \($0[4])" }) == ["macho x86_64", "breakpad x86", "macho arm64"])
        let symbols = dataDir.appendingPathComponent("symbols")
        #expect(FileManager.default.fileExists(atPath: symbols.appendingPathComponent("crash.pdb/3249D99D0C4049318610F4E4FB0B69361/crash.sym").path))
        #expect(FileManager.default.fileExists(atPath: symbols.appendingPathComponent("crash/67E9247C814E392BA027DBDE6748FCBF0/crash").path))

        // Again: nothing new.
        let again = try CLITests.run(["symbols", "upload", Fixtures.path("symbolic/debug-files/windows/crash.sym"),
                                      "--project", "app", "--data-dir", dataDir.path])
        #expect(again.stdout.contains("0 new, 1 already stored"), "\(again.stdout)")

        // Remove by debug id: the row and its file go.
        let removed = try CLITests.run(["symbols", "remove", "3249d99d-0c40-4931-8610-f4e4fb0b6936-1", "--data-dir", dataDir.path])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: symbols.appendingPathComponent("crash.pdb/3249D99D0C4049318610F4E4FB0B69361/crash.sym").path))
        #expect(try CLITests.run(["symbols", "list", "--data-dir", dataDir.path]).stdout.split(separator: "\n").count == 4)
        #expect(try CLITests.run(["symbols", "remove", "999", "--data-dir", dataDir.path]).status == 1)

        // Not a debug file: refused with the reason, nothing stored.
        let refused = try CLITests.run(["symbols", "upload", Fixtures.path("breakpad/minidumps/minidump2.dmp"),
                                        "--project", "app", "--data-dir", dataDir.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("no debug files found"))
    }
}
