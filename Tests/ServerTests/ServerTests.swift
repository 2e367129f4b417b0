import Foundation
import TestSupport
import Testing

/// `crashpipe serve` as clients and operators see it: a real server process on a loopback
/// port, real HTTP requests.
@Suite(.serialized)
struct ServerTests {
    static let dump = { try! Data(Fixtures.bytes("breakpad/minidumps/minidump2.dmp")) }()

    /// Puts a Breakpad symbol directory (`<debug file>/<ID>/...`) into the server's store.
    static func installSymbols(_ relative: String, into server: ServerProcess) throws {
        let source = URL(fileURLWithPath: Fixtures.path("breakpad/symbols/\(relative)"))
        let target = server.dataDirectory.appendingPathComponent("symbols").appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source, to: target)
    }

    static func upload(_ server: ServerProcess, fields: [(String, String)] = [], dump: Data = ServerTests.dump) async throws
        -> ServerProcess.Reply {
        var form = Multipart()
        for (name, value) in fields { form.field(name, value) }
        form.file("upload_file_minidump", fileName: "mini.dmp", dump)
        return try await server.send("POST", server.uploadURL, headers: ["Content-Type": form.contentType], body: form.finished())
    }

    @Test func firstStartCreatesTheDefaultProjectAndPrintsItsUploadURL() async throws {
        let server = try ServerProcess()
        #expect(server.uploadURL.hasPrefix("\(server.base)/api/1/minidump/?sentry_key="))
        let projects = try #require(try await server.api("/api/0/projects/").json() as? [[String: Any]])
        #expect(projects.count == 1)
        #expect(projects.first?["slug"] as? String == "default")
        #expect(projects.first?["id"] as? String == "1")
        #expect((projects.first?["organization"] as? [String: Any])?["slug"] as? String == "crashpipe")
        #expect(try await server.send("GET", "/api/0/projects/").status == 401)
        #expect(try await server.send("GET", "/api/0/projects/", headers: ["Authorization": "Bearer wrong"]).status == 401)
    }

    /// Upload, processing, the stored event, its group and the processing issue for the module
    /// without symbols, which resolves once its `.sym` arrives in the store.
    @Test func uploadedDumpBecomesASymbolicatedGroupedEvent() async throws {
        let server = try ServerProcess()
        try Self.installSymbols("test_app.pdb", into: server)
        let reply = try await Self.upload(server, fields: [("sentry[release]", "1.0.0"), ("sentry[tags][mytag]", "value"),
                                                           ("prod", "TestApp"), ("ver", "2.1")])
        #expect(reply.status == 200)
        let eventId = reply.text
        #expect(eventId.count == 36 && eventId.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])

        let groups = try await server.waitForEvents(1)
        #expect(groups.count == 1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(eventId)/").json() as? [String: Any])
        #expect(event["event_id"] as? String == eventId.replacingOccurrences(of: "-", with: ""))
        #expect(event["platform"] as? String == "native")
        #expect(event["level"] as? String == "fatal")
        #expect(event["release"] as? String == "1.0.0")
        #expect((event["tags"] as? [String: Any])?["mytag"] as? String == "value")
        #expect((event["extra"] as? [String: Any])?["prod"] as? String == "TestApp")
        let exception = try #require(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first)
        #expect(exception["type"] as? String == "EXCEPTION_ACCESS_VIOLATION_WRITE")
        #expect((exception["value"] as? String)?.contains("0x45") == true)
        #expect((exception["mechanism"] as? [String: Any])?["type"] as? String == "minidump")
        #expect((exception["mechanism"] as? [String: Any])?["handled"] as? Bool == false)
        let frames = try #require((exception["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]])
        let innermost = try #require(frames.last)
        #expect((innermost["function"] as? String)?.contains("CrashFunction") == true)
        #expect(innermost["filename"] as? String == "test_app.cc")
        #expect(innermost["lineno"] as? Int == 58)
        #expect(innermost["trust"] as? String == "context")
        #expect(innermost["in_app"] as? Bool == true)
        #expect(frames.map { $0["function"] as? String }.contains("main"))
        let images = try #require((event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]])
        let testApp = try #require(images.first { ($0["code_file"] as? String)?.hasSuffix("test_app.exe") == true })
        #expect(testApp["debug_status"] as? String == "found")
        let kernel32 = try #require(images.first { ($0["debug_file"] as? String) == "kernel32.pdb" })
        #expect(kernel32["debug_status"] as? String == "missing")
        #expect((event["contexts"] as? [String: Any]).flatMap { ($0["os"] as? [String: Any])?["name"] as? String } == "Windows")

        // The group lists the event.
        let groupId = try #require(groups.first?["id"] as? String)
        let events = try #require(try await server.api("/api/0/groups/\(groupId)/events/").json() as? [[String: Any]])
        #expect(events.map { $0["event_id"] as? String } == [eventId.replacingOccurrences(of: "-", with: "")])

        // kernel32 had no symbols: a processing issue, resolved when its file arrives.
        let issues = try #require(try await server.api("/api/0/projects/default/processing-issues/").json() as? [[String: Any]])
        let issue = try #require(issues.first { $0["module"] as? String == "kernel32.pdb" })
        #expect(issue["debugId"] as? String == "BCE8785C57B44245A669896B6A19B9542")
        #expect(issue["events"] as? Int == 1)
        try Self.installSymbols("kernel32.pdb", into: server)
        let after = try #require(try await server.api("/api/0/projects/default/processing-issues/").json() as? [[String: Any]])
        #expect(!after.contains { $0["module"] as? String == "kernel32.pdb" })

        // No minidump is kept after processing.
        let spool = server.dataDirectory.appendingPathComponent("spool")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: server.dataDirectory.appendingPathComponent("minidumps").path))
    }

    @Test func authenticationForms() async throws {
        let server = try ServerProcess()
        let key = String(server.uploadURL.split(separator: "=").last!)
        let path = "\(server.base)/api/1/minidump/"
        func post(_ url: String, _ headers: [String: String]) async throws -> Int {
            var h = headers
            h["Content-Type"] = "application/octet-stream"
            return try await server.send("POST", url, headers: h, body: Self.dump).status
        }
        #expect(try await post(path + "?sentry_key=\(key)", [:]) == 200)
        #expect(try await post(path, ["X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=\(key), sentry_client=test/1"]) == 200)
        #expect(try await post(path, ["Authorization": "Sentry sentry_key=\(key)"]) == 200)
        let basic = Data("\(key):".utf8).base64EncodedString()
        #expect(try await post(path, ["Authorization": "Basic \(basic)"]) == 200)
        #expect(try await post(String(path.dropLast()) + "?sentry_key=\(key)", [:]) == 200, "trailing slash optional")
        #expect(try await post(path, [:]) == 401, "no auth")
        #expect(try await post(path + "?sentry_key=\(key)", ["Authorization": "Sentry sentry_key=\(key)"]) == 401, "two auth forms")
        #expect(try await post(path + "?sentry_key=0123456789abcdef0123456789abcdef", [:]) == 401, "unknown key")
        #expect(try await post("\(server.base)/api/77/minidump/?sentry_key=\(key)", [:]) == 403, "unknown project")
        let reply = try await server.send("POST", path, headers: ["Content-Type": "application/octet-stream"], body: Self.dump)
        let error = try #require(try reply.json() as? [String: Any])
        #expect((error["detail"] as? String)?.contains("authentication") == true)
        _ = try await server.waitForEvents(5)
    }

    @Test func anotherProjectsKeyIsForbidden() async throws {
        let server = try ServerProcess()
        server.stop()
        let created = try CLI.run(["projects", "create", "Second App", "--data-dir", server.dataDirectory.path])
        #expect(created.status == 0)
        let key = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("public key: ") }?.split(separator: " ").last)
        #expect(created.stdout.contains("slug: crashpipe/second-app"))
        let listed = try CLI.run(["projects", "list", "--data-dir", server.dataDirectory.path])
        #expect(listed.stdout.split(separator: "\n").count == 2)
        try server.start()
        let status = try await server.send("POST", "\(server.base)/api/1/minidump/?sentry_key=\(key)",
                                           headers: ["Content-Type": "application/octet-stream"], body: Self.dump).status
        #expect(status == 403)
        let own = try await server.send("POST", "\(server.base)/api/2/minidump/?sentry_key=\(key)",
                                        headers: ["Content-Type": "application/octet-stream"], body: Self.dump)
        #expect(own.status == 200)
        _ = try await server.waitForEvents(1, project: "second-app")
        #expect(try await server.api("/api/0/projects/default/events/\(own.text)/").status == 404)
        #expect(try await server.api("/api/0/projects/second-app/events/\(own.text)/").status == 200)
    }

    /// A dump that passes the magic check but cannot be parsed still yields an event.
    @Test func invalidMinidumpStillYieldsAnEvent() async throws {
        let server = try ServerProcess()
        let reply = try await Self.upload(server, dump: Data("MDMP".utf8) + Data(repeating: 0x41, count: 64))
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/").json() as? [String: Any])
        let errors = try #require(event["errors"] as? [[String: Any]])
        #expect(errors.contains { ($0["reason"] as? String)?.hasPrefix("Invalid minidump") == true })
        #expect(event["title"] as? String == "Invalid minidump")
    }

    /// Every acknowledged upload is processed even when the server is killed with SIGKILL
    /// before it finished: the restart finds them in the spool.
    @Test func killNineLosesNothingAcknowledged() async throws {
        let server = try ServerProcess(workers: 1)
        try Self.installSymbols("test_app.pdb", into: server)
        let count = 40
        let key = String(server.uploadURL.split(separator: "=").last!)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await server.send("POST", "\(server.base)/api/1/minidump/?sentry_key=\(key)",
                                          headers: ["Content-Type": "application/x-dmp"], body: Self.dump).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        server.kill9()
        #expect(statuses.allSatisfy { $0 == 200 })
        let spooled = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.appendingPathComponent("spool").path)
            .filter { $0.hasSuffix(".json") }.count
        #expect(spooled > 0, "the kill came after everything was processed; the test proved nothing")
        try server.start(workers: 2)
        let groups = try await server.waitForEvents(count)
        let total = groups.compactMap { ($0["count"] as? String).flatMap(Int.init) }.reduce(0, +)
        #expect(total == count)
    }
}

/// Runs the `crashpipe` executable.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }
}
