import Foundation
import TestSupport
import Testing

/// Debug files in: sentry-cli and Breakpad's uploader against a real server, the symbol
/// store they fill, and a dump that symbolicates from it.
@Suite(.serialized)
struct DebugFileServerTests {
    static func debugFile(_ relative: String) -> String { Fixtures.path("symbolic/debug-files/\(relative)") }

    /// A server with an API token.
    static func serverWithToken() throws -> (ServerProcess, String) {
        let server = try ServerProcess()
        let created = try CLI.run(["tokens", "create", "--name", "ci", "--data-dir", server.dataDirectory.path])
        #expect(created.status == 0)
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("sntryu_") && token.count == 71)
        return (server, token)
    }

    /// `sentry-cli` from PATH (`.ci/run` installs it from PyPI), or common pip locations.
    static func sentryCLI() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let candidates = path.split(separator: ":").map { "\($0)/sentry-cli" }
            + ["\(home)/.local/bin/sentry-cli", "\(home)/.pyenv/shims/sentry-cli", "/usr/local/bin/sentry-cli"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ServerProcess.HarnessError(message: "sentry-cli is not installed (pip install sentry-cli; .ci/run does this)")
        }
        return found
    }

    /// Runs a program with a clean HOME (no ~/.sentryclirc) and no update check.
    static func run(_ executable: String, _ arguments: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let home = ServerProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: home) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["SENTRY_DISABLE_UPDATE_CHECK"] = "true"
        environment["SENTRY_LOAD_DOTENV"] = "0"
        environment.removeValue(forKey: "SENTRY_AUTH_TOKEN")
        environment.removeValue(forKey: "SENTRY_URL")
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }

    static func difs(_ server: ServerProcess, token: String, project: String = "default") async throws -> [[String: Any]] {
        let reply = try await server.send("GET", "/api/0/projects/crashpipe/\(project)/files/dsyms/",
                                          headers: ["Authorization": "Bearer \(token)"])
        #expect(reply.status == 200, "\(reply.text)")
        return try #require(try reply.json() as? [[String: Any]])
    }

    /// Sentry's legacy multipart upload (`POST .../files/dsyms/`, field `file`).
    static func uploadDIF(_ server: ServerProcess, token: String, _ bytes: Data, name: String) async throws -> ServerProcess.Reply {
        var form = Multipart()
        form.file("file", fileName: name, bytes)
        return try await server.send("POST", "/api/0/projects/crashpipe/default/files/dsyms/",
                                     headers: ["Content-Type": form.contentType, "Authorization": "Bearer \(token)"],
                                     body: form.finished())
    }

    /// Every regular file under the store (relative paths), to check that a refused upload
    /// left nothing behind.
    static func storeFiles(_ server: ServerProcess) -> [String] {
        ServerOptionsTests.files(under: server.dataDirectory.appendingPathComponent("symbols"), excluding: []).sorted()
    }

    @Test func sentryCLIUploadsAnELFADSYMAndASymThenADumpSymbolicates() async throws {
        let cli = try Self.sentryCLI()
        let (server, token) = try Self.serverWithToken()
        let arguments = ["--url", server.base + "/", "--auth-token", token, "debug-files", "upload", "--org", "crashpipe",
                         "--project", "default", "--wait",
                         Self.debugFile("linux/crash.debug"), Self.debugFile("macos/crash.dSYM"), Self.debugFile("windows/crash.sym")]
        let first = try Self.run(cli, arguments)
        #expect(first.status == 0, "\(first.stdout)")
        #expect(first.stdout.contains("Found 3 debug information files"), "\(first.stdout)")

        let listed = try await Self.difs(server, token: token)
        var byId: [String: [String: Any]] = [:]
        for dif in listed { byId[dif["debugId"] as? String ?? ""] = dif }
        let elf = try #require(byId["c0bcc3f1-9827-fe65-3058-404b2831d9e6"])
        #expect(elf["symbolType"] as? String == "elf")
        #expect(elf["cpuName"] as? String == "x86_64")
        #expect(elf["codeId"] as? String == "f1c3bcc0279865fe3058404b2831d9e64135386c")
        #expect((elf["data"] as? [String: Any])?["type"] as? String == "dbg")
        let macho = try #require(byId["67e9247c-814e-392b-a027-dbde6748fcbf"])
        #expect(macho["symbolType"] as? String == "macho")
        #expect(((macho["data"] as? [String: Any])?["features"] as? [String])?.contains("debug") == true)
        let sym = try #require(byId["3249d99d-0c40-4931-8610-f4e4fb0b6936-1"])
        #expect(sym["symbolType"] as? String == "breakpad")
        #expect(sym["cpuName"] as? String == "x86")
        #expect(listed.count == 3)

        // In the store's layout, where the stack walk looks.
        let files = Self.storeFiles(server)
        #expect(files.contains("crash.pdb/3249D99D0C4049318610F4E4FB0B69361/crash.sym"))
        #expect(files.contains("crash.debug/C0BCC3F19827FE653058404B2831D9E60/crash.debug") || files.contains { $0.hasSuffix("C0BCC3F19827FE653058404B2831D9E60/crash.debug") })

        // The same files again: stored once.
        let again = try Self.run(cli, arguments)
        #expect(again.status == 0, "\(again.stdout)")
        #expect(again.stdout.contains("Nothing to upload"), "\(again.stdout)")
        #expect(try await Self.difs(server, token: token).count == 3)

        // A dump of crash.exe now symbolicates.
        let reply = try await server.send("POST", server.uploadURL, headers: ["Content-Type": "application/octet-stream"],
                                          body: try Data(Fixtures.bytes("symbolicator/minidumps/windows.dmp")))
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/").json() as? [String: Any])
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        let frames = try #require((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]])
        #expect(frames.last?["function"] as? String == "main")
        #expect(frames.last?["lineno"] as? Int == 35)
        #expect(frames.last?["filename"] as? String == "main.cpp")
    }

    @Test func breakpadSymUploadWithCurl() async throws {
        let (server, token) = try Self.serverWithToken()
        let sym = Self.debugFile("windows/crash.sym")
        let url = "\(server.base)/api/0/projects/crashpipe/default/files/breakpad/?token=\(token)"
        func curl(_ fields: [String]) throws -> (Int, String) {
            let result = try Self.run("/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "-X", "POST", url] + fields.flatMap { ["-F", $0] })
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
        // The MODULE line says: MODULE windows x86 3249D99D0C4049318610F4E4FB0B69361 crash.pdb
        let good = try curl(["symbol_file=@\(sym)", "debug_file=crash.pdb", "debug_identifier=3249D99D0C4049318610F4E4FB0B69361",
                             "code_file=crash.exe", "os=windows", "cpu=x86"])
        #expect(good.0 == 200, "\(good.1)")
        #expect(Self.storeFiles(server) == ["crash.pdb/3249D99D0C4049318610F4E4FB0B69361/crash.sym"])

        let mismatch = try curl(["symbol_file=@\(sym)", "debug_file=crash.pdb", "debug_identifier=00000000000000000000000000000000A",
                                 "os=windows", "cpu=x86"])
        #expect(mismatch.0 == 400)
        #expect(mismatch.1.contains("debug_identifier"), "\(mismatch.1)")
        let missing = try curl(["debug_file=crash.pdb"])
        #expect(missing.0 == 400)
        #expect(missing.1.contains("symbol_file"))
        let unauthorized = try Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                                           "\(server.base)/api/0/projects/crashpipe/default/files/breakpad/",
                                                           "-F", "symbol_file=@\(sym)"])
        #expect(unauthorized.stdout == "401")
        #expect(try await Self.difs(server, token: token).count == 1)
    }

    /// The legacy multipart endpoint with a zip, a duplicate, a corrupt file, unsafe and
    /// bomb archives: each answered right, and the store holds exactly what it should.
    @Test func archivesDuplicatesAndBadUploads() async throws {
        let (server, token) = try Self.serverWithToken()
        func upload(_ bytes: Data, name: String) async throws -> ServerProcess.Reply {
            try await Self.uploadDIF(server, token: token, bytes, name: name)
        }
        let sym = try Data(contentsOf: URL(fileURLWithPath: Self.debugFile("linux/crash.sym")))
        let elf = try Data(contentsOf: URL(fileURLWithPath: Self.debugFile("linux/crash")))
        let zip = ZipWriter.archive([.init(name: "out/crash.sym", content: sym, deflated: Compress.rawDeflate(sym)),
                                     .init(name: "out/crash", content: elf, deflated: Compress.rawDeflate(elf)),
                                     .init(name: "out/README.txt", content: Data("not a debug file".utf8))])
        let created = try await upload(zip, name: "symbols.zip")
        #expect(created.status == 201, "\(created.text)")
        let objects = try #require(try created.json() as? [[String: Any]])
        #expect(Set(objects.compactMap { $0["symbolType"] as? String }) == ["breakpad", "elf"])
        let afterZip = Self.storeFiles(server)
        #expect(afterZip.contains("crash/C0BCC3F19827FE653058404B2831D9E60/crash.sym"))
        #expect(try await Self.difs(server, token: token).count == 2)

        // The same .sym alone: already there, stored once.
        #expect(try await upload(sym, name: "crash.sym").status == 201)
        #expect(try await Self.difs(server, token: token).count == 2)
        #expect(Self.storeFiles(server) == afterZip)

        // Refused, and nothing stored.
        var corrupt = elf
        corrupt.replaceSubrange(0x20..<0x28, with: Data(repeating: 0xFF, count: 8))  // e_phoff far outside the file
        let refusals: [(Data, String, String)] = [
            (Data("hello, not a debug file".utf8), "notes.txt", "not a debug file"),
            (corrupt, "crash", "broken debug file"),
            (ZipWriter.archive([.init(name: "../evil.sym", content: sym)]), "evil.zip", ".."),
            (ZipWriter.archive([.init(name: "/etc/crash.sym", content: sym)]), "abs.zip", "absolute"),
            (ZipWriter.archive([.init(name: "zeros.bin", content: Data(count: 64 << 20), deflated: Compress.rawDeflate(Data(count: 64 << 20)), declaredSize: 1024)]),
             "bomb.zip", "zeros.bin"),
            (ZipWriter.archive([.init(name: "README.txt", content: Data("x".utf8))]), "empty.zip", "no debug file"),
        ]
        for (bytes, name, expected) in refusals {
            let reply = try await upload(bytes, name: name)
            #expect(reply.status == 400, "\(name): \(reply.status) \(reply.text)")
            #expect(reply.text.contains(expected), "\(name): \(reply.text)")
        }
        #expect(Self.storeFiles(server) == afterZip)
        #expect(try await Self.difs(server, token: token).count == 2)

        // Delete one: its file leaves the store.
        let listed = try await Self.difs(server, token: token)
        let symId = try #require(listed.first { $0["symbolType"] as? String == "breakpad" }?["id"] as? String)
        let deleted = try await server.send("DELETE", "/api/0/projects/crashpipe/default/files/dsyms/?id=\(symId)",
                                            headers: ["Authorization": "Bearer \(token)"])
        #expect(deleted.status == 204)
        #expect(!Self.storeFiles(server).contains { $0.hasSuffix(".sym") })
        #expect(try await Self.difs(server, token: token).count == 1)
        #expect(try await server.send("GET", "/api/0/projects/crashpipe/default/files/dsyms/").status == 401)
        #expect(try await server.send("GET", "/api/0/projects/crashpipe/default/files/dsyms/",
                                      headers: ["Authorization": "Bearer sntryu_wrong"]).status == 401)
        #expect(try await server.send("GET", "/api/0/projects/crashpipe/nope/files/dsyms/",
                                      headers: ["Authorization": "Bearer \(token)"]).status == 404)
    }

    /// `crashpipe symbols upload --server`: folders walked, debug files sent, the rest skipped.
    @Test func crashpipeSymbolsUploadToAServer() async throws {
        let (server, token) = try Self.serverWithToken()
        let uploaded = try CLI.run(["symbols", "upload", Self.debugFile("macos/crash.dSYM"), Self.debugFile("windows/crash.pdb"),
                                    "--server", server.base, "--org", "crashpipe", "--project", "default", "--token", token])
        #expect(uploaded.status == 0, "\(uploaded.stdout)")
        let listed = try await Self.difs(server, token: token)
        #expect(Set(listed.compactMap { $0["symbolType"] as? String }) == ["macho", "pdb"])
        #expect(listed.contains { $0["debugId"] as? String == "3249d99d-0c40-4931-8610-f4e4fb0b6936-1" })
        let wrongToken = try CLI.run(["symbols", "upload", Self.debugFile("windows/crash.sym"), "--server", server.base,
                                      "--token", "sntryu_0000"])
        #expect(wrongToken.status == 1)
        #expect(wrongToken.stdout.contains("HTTP 401"), "\(wrongToken.stdout)")
    }

    /// A Linux binary uploaded as it is (no `.sym`): the stack walk finds it by debug id and
    /// names the crashing function from its symbol table.
    @Test func uploadedELFNamesTheCrashingFunction() async throws {
        let (server, token) = try Self.serverWithToken()
        let uploaded = try await Self.uploadDIF(server, token: token, try Data(contentsOf: URL(fileURLWithPath: Self.debugFile("linux/crash"))),
                                                name: "crash")
        #expect(uploaded.status == 201, "\(uploaded.text)")
        #expect(Self.storeFiles(server).contains("_id/C0BCC3F19827FE653058404B2831D9E60/executable"))
        let reply = try await server.send("POST", server.uploadURL, headers: ["Content-Type": "application/octet-stream"],
                                          body: try Data(Fixtures.bytes("symbolicator/minidumps/linux.dmp")))
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/").json() as? [String: Any])
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        let frames = try #require((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]])
        let crashing = try #require(frames.last)
        #expect(crashing["instruction_addr"] as? String == "0x401d72")
        #expect(crashing["function"] as? String == "main", "\(crashing)")
        let images = try #require((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]])
        let image = try #require(images.first { ($0["code_file"] as? String)?.hasSuffix("/crash") == true })
        #expect(image["debug_status"] as? String == "found")
    }

    /// The same for macOS: the binary's symbol table names the crashing function; a fat dSYM
    /// is filed one slice per debug id.
    @Test func uploadedMachONamesTheCrashingFunctionAndFatFilesSplit() async throws {
        let (server, token) = try Self.serverWithToken()
        for (name, path) in [("crash", "macos/crash"), ("Example", "macos/Example.framework.dSYM/Contents/Resources/DWARF/Example")] {
            let uploaded = try await Self.uploadDIF(server, token: token, try Data(contentsOf: URL(fileURLWithPath: Self.debugFile(path))),
                                                    name: name)
            #expect(uploaded.status == 201, "\(uploaded.text)")
        }
        let symbols = server.dataDirectory.appendingPathComponent("symbols")
        #expect(FileManager.default.fileExists(atPath: symbols.appendingPathComponent("_id/67E9247C814E392BA027DBDE6748FCBF0/executable").path))
        let fat = try Data(contentsOf: URL(fileURLWithPath: Self.debugFile("macos/Example.framework.dSYM/Contents/Resources/DWARF/Example")))
        for id in ["3B4566E4491B3DCF94F5AE51F624DD870", "2556F1515A403847BE6CE2C1B5BE4DF80"] {
            let slice = try Data(contentsOf: symbols.appendingPathComponent("_id/\(id)/debuginfo"))
            #expect(Array(slice.prefix(4)) == [0xCF, 0xFA, 0xED, 0xFE], "a thin 64-bit Mach-O")
            #expect(slice.count < fat.count && fat.range(of: slice) != nil, "one slice of the fat file")
        }

        let reply = try await server.send("POST", server.uploadURL, headers: ["Content-Type": "application/octet-stream"],
                                          body: try Data(Fixtures.bytes("symbolicator/minidumps/macos.dmp")))
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/").json() as? [String: Any])
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        let frames = try #require((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]])
        let crashing = try #require(frames.last)
        #expect(crashing["instruction_addr"] as? String == "0x109ba8c15")
        #expect(crashing["function"] as? String == "main", "\(crashing)")
        // The binary's symbol table bounds `main`, and its compact unwind and `__eh_frame` unwind it.
        #expect(crashing["symbol_trust"] as? String == "function")
        let images = try #require((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]])
        let image = try #require(images.first { $0["debug_id"] as? String == "67e9247c-814e-392b-a027-dbde6748fcbf" })
        #expect(image["debug_status"] as? String == "found" && image["unwind_status"] as? String == "found")
        #expect(image["features"] as? [String: Bool] == ["has_debug_info": false, "has_sources": false, "has_symbols": true,
                                                         "has_unwind_info": true])
    }

    /// A processing issue resolves when a matching `.sym` arrives through the upload API.
    @Test func uploadResolvesAProcessingIssue() async throws {
        let (server, token) = try Self.serverWithToken()
        let reply = try await server.send("POST", server.uploadURL, headers: ["Content-Type": "application/octet-stream"],
                                          body: try Data(Fixtures.bytes("symbolicator/minidumps/windows.dmp")))
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let before = try #require(try await server.api("/api/0/projects/default/processing-issues/").json() as? [[String: Any]])
        #expect(before.contains { $0["debugId"] as? String == "3249D99D0C4049318610F4E4FB0B69361" })
        let uploaded = try await Self.uploadDIF(server, token: token,
                                                try Data(contentsOf: URL(fileURLWithPath: Self.debugFile("windows/crash.sym"))), name: "crash.sym")
        #expect(uploaded.status == 201)
        let after = try #require(try await server.api("/api/0/projects/default/processing-issues/").json() as? [[String: Any]])
        #expect(!after.contains { $0["debugId"] as? String == "3249D99D0C4049318610F4E4FB0B69361" })
        #expect(after.count == before.count - 1)
    }
}
