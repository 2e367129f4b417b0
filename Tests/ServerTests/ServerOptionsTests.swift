import CrashpipeServer
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The server's config file, the request-size pre-check, and what is kept after processing
/// (minidumps and attachments only for projects that ask for them).
@Suite(.serialized)
struct ServerOptionsTests {
    // MARK: Config file

    @Test func configFileParsesEverySetting() throws {
        let config = try ServerConfigFile.parse(yaml: """
            data_dir: /srv/crashpipe
            host: 0.0.0.0
            port: 9000
            workers: 3
            admin_token: abcdefgh1234
            limits:
              request: 512KiB
              request_decompressed: 2MiB
              file: 1048576
              debug_file: 1GiB
            """)
        #expect(config.dataDirectory == "/srv/crashpipe")
        #expect(config.host == "0.0.0.0")
        #expect(config.port == 9000)
        #expect(config.workers == 3)
        #expect(config.adminToken == "abcdefgh1234")
        #expect(config.requestLimit == 512 * 1024)
        #expect(config.requestDecompressedLimit == 2 << 20)
        #expect(config.fileLimit == 1 << 20)
        #expect(config.debugFileLimit == 1 << 30)
        var applied = ServerConfiguration(dataDirectory: URL(fileURLWithPath: "/tmp/x"))
        config.apply(to: &applied)
        #expect(applied.dataDirectory.path == "/srv/crashpipe")
        #expect(applied.limits.requestCompressed == 512 * 1024)
        #expect(applied.port == 9000 && applied.workers == 3)
        #expect(try ServerConfigFile.parse(yaml: "") == ServerConfigFile())
    }

    /// Each mistake names the file, line and column of the offending key or value.
    @Test(arguments: [
        ("port: 8000\nprot: 9000\n", "cfg.yaml:2:1: unknown setting 'prot'; did you mean 'port'?"),
        ("port: eighty\n", "cfg.yaml:1:7: 'port' must be a whole number"),
        ("port: 70000\n", "cfg.yaml:1:7: 'port' must be 0...65535"),
        ("workers: 0\n", "cfg.yaml:1:10: 'workers' must be 1...256"),
        ("limits:\n  request: 40 parsecs\n", "cfg.yaml:2:12: 'limits.request' must be a positive size"),
        ("limits:\n  files: 1MiB\n", "cfg.yaml:2:3: unknown setting 'files'; did you mean 'file'?"),
        ("limits: 5\n", "cfg.yaml:1:9: 'limits' must be a mapping"),
        ("admin_token: short\n", "cfg.yaml:1:14: 'admin_token' must be at least 8 characters"),
        ("host: [a, b]\n", "cfg.yaml:1:7: 'host' must be a non-empty string"),
        ("- port\n", "cfg.yaml:1:1: the config must be a mapping"),
        ("port: 1\nport: 2\n", "cfg.yaml:"),
        ("host: \"unterminated\n", "cfg.yaml:"),
    ])
    func configFileErrorsSayWhere(text: String, expected: String) {
        do {
            let config = try ServerConfigFile.parse(yaml: text, file: "cfg.yaml")
            Issue.record("accepted \(text.debugDescription): \(config)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
            #expect(error.line >= 1 && error.line <= 2)
        }
    }

    /// `serve --config`: the token and the request limit come from the file; flags win over it.
    @Test func serveReadsItsConfigFile() async throws {
        let directory = ServerProcess.temporaryDirectory()
        let config = directory.appendingPathComponent("crashpipe.yaml")
        try """
            port: 1
            admin_token: test-admin-token
            limits:
              request: 4KiB
            """.write(to: config, atomically: true, encoding: .utf8)
        // --port 0 from the harness wins over the file's port 1 (which could not be bound).
        let server = try ServerProcess(dataDirectory: directory, arguments: ["--config", config.path], passAdminToken: false)
        #expect(try await server.api("/api/0/projects/").status == 200, "the admin token from the file")
        let big = try await ServerTests.upload(server)
        #expect(big.status == 413, "minidump2.dmp (11 KB) is over the file's 4 KiB request limit")
        let small = try await ServerTests.upload(server, dump: Data("MDMP".utf8) + Data(repeating: 0, count: 1000))
        #expect(small.status == 200)

        let broken = directory.appendingPathComponent("broken.yaml")
        try "limits:\n  request: lots\n".write(to: broken, atomically: true, encoding: .utf8)
        let result = try CLI.run(["serve", "--config", broken.path, "--data-dir", directory.path, "--port", "0"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("broken.yaml:2:12: 'limits.request' must be a positive size"), "\(result.stdout)")
    }

    // MARK: Request size

    /// A `Content-Length` over the limit is refused before the body is read: the server
    /// answers 413 to the headers alone.
    @Test func declaredOversizeBodyIsRefusedBeforeItIsSent() throws {
        let server = try ServerProcess()
        let path = String(server.uploadURL.dropFirst(server.base.count))
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(41 << 20)\r\n\r\n"
        let answer = try Self.rawExchange(port: server.port, head)
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.contains("larger than \(40 << 20) bytes"))
    }

    /// Sends bytes on a fresh TCP connection and returns what comes back within 10 s.
    static func rawExchange(port: Int, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServerProcess.HarnessError(message: "connect failed: errno \(errno)") }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if let text = String(bytes: received, encoding: .utf8), let headerEnd = text.range(of: "\r\n\r\n"),
               let length = text.range(of: "content-length: ", options: .caseInsensitive).flatMap({ range in
                   Int(text[range.upperBound...].prefix { $0.isNumber })
               }), text[headerEnd.upperBound...].utf8.count >= length {
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    // MARK: Retention

    /// Default: nothing of the upload stays on disk once its event is stored; attachments are
    /// dropped and the event says so.
    @Test func defaultProjectKeepsNoMinidumpAndNoAttachment() async throws {
        let server = try ServerProcess()
        var form = Multipart()
        form.file("upload_file_minidump", fileName: "mini.dmp", ServerTests.dump)
        form.file("upload_file_log", fileName: "app.log", Data("log line\n".utf8), contentType: "text/plain")
        let reply = try await server.send("POST", server.uploadURL, headers: ["Content-Type": form.contentType],
                                          body: form.finished())
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1)
        let event = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/").json() as? [String: Any])
        let errors = (event["errors"] as? [[String: Any]]) ?? []
        #expect(errors.contains { ($0["reason"] as? String)?.contains("1 attachment(s) dropped") == true })
        #expect(!String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self).contains("log line"))
        let listed = try #require(try await server.api("/api/0/projects/default/events/\(reply.text)/attachments/").json() as? [Any])
        #expect(listed.isEmpty)
        #expect(Self.files(under: server.dataDirectory, excluding: ["symbols"]).filter {
            !$0.hasSuffix(".log") && !$0.contains("crashpipe.sqlite")
        } == [], "only the database and the server log remain")
    }

    /// `--keep-minidumps` and `--keep-attachments`: the dump moves to `minidumps/`, the
    /// attachments are listed and downloadable through the API (and only for that project).
    @Test func retentionOptionsKeepWhatTheySay() async throws {
        let server = try ServerProcess()
        server.stop()
        let created = try CLI.run(["projects", "create", "Keeper", "--keep-minidumps", "--keep-attachments",
                                   "--data-dir", server.dataDirectory.path])
        #expect(created.status == 0)
        let key = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("public key: ") }?.split(separator: " ").last)
        try server.start()
        var form = Multipart()
        form.file("upload_file_minidump", fileName: "mini.dmp", ServerTests.dump)
        let log = Data("GET /index.html 200\n".utf8)
        form.file("upload_file_log", fileName: "app.log", log, contentType: "text/plain")
        form.file("screenshot", fileName: "shot.png", Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]), contentType: "image/png")
        let reply = try await server.send("POST", "\(server.base)/api/2/minidump/?sentry_key=\(key)",
                                          headers: ["Content-Type": form.contentType], body: form.finished())
        #expect(reply.status == 200)
        _ = try await server.waitForEvents(1, project: "keeper")
        let eventId = reply.text.replacingOccurrences(of: "-", with: "")
        let kept = server.dataDirectory.appendingPathComponent("minidumps").appendingPathComponent(eventId + ".dmp")
        #expect(try Data(contentsOf: kept) == ServerTests.dump)

        let base = "/api/0/projects/keeper/events/\(reply.text)/attachments/"
        let listed = try #require(try await server.api(base).json() as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == ["app.log", "shot.png"])
        #expect(listed.map { $0["size"] as? Int } == [log.count, 7])
        #expect(listed.first?["mimetype"] as? String == "text/plain")
        let first = try #require(listed.first?["id"] as? String)
        #expect(try await server.api(base + first + "/").body == log)
        #expect(try await server.api(base + "9/").status == 404)
        // Another project's path does not reach them.
        #expect(try await server.api("/api/0/projects/default/events/\(reply.text)/attachments/").status == 404)
    }

    static func files(under root: URL, excluding: Set<String>) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if excluding.contains(String(relative.split(separator: "/").first ?? "")) { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                found.append(relative)
            }
        }
        return found
    }
}
