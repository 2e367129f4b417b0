import Foundation
import TestSupport
import Testing

/// INGEST.md "Privacy": the event the server stores has secrets removed (password-like keys
/// and values, tokens, bearer headers, credit-card numbers, user names in paths), whether they
/// came in the form, in the `sentry` JSON or in the minidump. Checked on the stored event's
/// JSON text as the API returns it.
@Suite(.serialized, .sharedServer)
struct ScrubServerTests {
    /// Breakpad's linux_null_read_av.dmp: its executable is `/home/mattdr/crashing-programs/null_read_av`,
    /// and it carries the process's environment and command line.
    static let linuxDump = { try! Data(Fixtures.bytes("breakpad/minidumps/linux_null_read_av.dmp")) }()

    /// Secret strings and user names, none of which may appear in the stored event.
    static let secrets = [
        "hunter2", "AKIAIOSFODNN7EXAMPLE", "abcdef1234567890XYZ", "4111", "pg-s3cret-pw", "tok-in-query-777",
        "sess-secret-123", "ctx-token-xyz", "usertok-secret-999", "dXNlcjpwYXNzd29yZA", "extra-secret-555",
        "alice", "bob", "carol", "dave", "mattdr",
    ]

    static func form(dump: Data) -> Multipart {
        var form = Multipart()
        for (name, value) in [
            ("password", "hunter2"),
            ("api_key", "AKIAIOSFODNN7EXAMPLE"),
            ("auth_header", "Bearer abcdef1234567890XYZ"),
            ("payment_note", "paid with 4111 1111 1111 1111 on Tuesday"),
            ("db_url", "postgres://admin:pg-s3cret-pw@db.internal:5432/app"),
            ("last_request", "GET /api/items?token=tok-in-query-777&page=2"),
            ("log_path", "/home/alice/app/crash.log"),
            ("win_path", #"C:\Users\bob\AppData\Local\ScrubApp\crash.dmp"#),
            ("mac_path", "/Users/carol/Library/Logs/ScrubApp/app.log"),
            ("prod", "ScrubApp"),
            ("ver", "9.9.9"),
            ("sentry", """
                {"release": "scrub@1.0",
                 "tags": {"session_id": "sess-secret-123", "build": "nightly"},
                 "contexts": {"app": {"app_name": "ScrubDemo", "api_token": "ctx-token-xyz"}},
                 "user": {"id": "user-1", "auth_token": "usertok-secret-999"},
                 "request": {"headers": {"Authorization": "Basic dXNlcjpwYXNzd29yZA==", "Accept": "text/html"}},
                 "extra": {"home": "/home/dave/.config/app", "secret_key": "extra-secret-555"}}
                """),
        ] {
            form.field(name, value)
        }
        form.file("upload_file_minidump", fileName: "crash.dmp", dump)
        return form
    }

    /// Which of `secrets` the text holds (case ignored).
    static func leaks(in text: String) -> [String] {
        let lower = text.lowercased()
        return secrets.filter { lower.contains($0.lowercased()) }
    }

    @Test func storedEventHoldsNoSecretsAndNoUserNames() async throws {
        let server = try SharedServer.server()
        let reply = try await server.upload(Self.form(dump: Self.linuxDump))
        #expect(reply.status == 200, "\(reply.text)")
        let stored = try await server.storedEvent(reply.text)
        let text = stored.text

        #expect(Self.leaks(in: text).isEmpty, "the stored event leaks \(Self.leaks(in: text))")

        let event = try #require(try stored.json() as? [String: Any])
        let extra = event["extra"] as? [String: Any] ?? [:]
        // Secrets are replaced whole.
        for key in ["password", "api_key", "auth_header", "payment_note", "db_url", "last_request", "secret_key"] {
            #expect(extra[key] as? String == "[Filtered]", "extra.\(key) = \(extra[key] ?? "nil")")
        }
        // User names in paths become [user]; the rest of the path stays.
        #expect(extra["log_path"] as? String == "/home/[user]/app/crash.log")
        #expect(extra["win_path"] as? String == #"C:\Users\[user]\AppData\Local\ScrubApp\crash.dmp"#)
        #expect(extra["mac_path"] as? String == "/Users/[user]/Library/Logs/ScrubApp/app.log")
        #expect(extra["home"] as? String == "/home/[user]/.config/app")
        // What is not secret is kept.
        #expect(extra["prod"] as? String == "ScrubApp")
        #expect(extra["ver"] as? String == "9.9.9")
        #expect(event["release"] as? String == "scrub@1.0")
        let tags = event["tags"] as? [String: Any] ?? [:]
        #expect(tags["build"] as? String == "nightly")
        #expect(tags["session_id"] as? String == "[Filtered]")
        let app = (event["contexts"] as? [String: Any])?["app"] as? [String: Any]
        #expect(app?["app_name"] as? String == "ScrubDemo")
        #expect(app?["api_token"] as? String == "[Filtered]")
        let user = event["user"] as? [String: Any]
        #expect(user?["id"] as? String == "user-1")
        #expect(user?["auth_token"] as? String == "[Filtered]")
        let headers = (event["request"] as? [String: Any])?["headers"] as? [String: Any]
        #expect(headers?["Accept"] as? String == "text/html")
        #expect(headers?["Authorization"] as? String == "[Filtered]")

        // The dump's own paths: the executable keeps its path without the user name.
        let images = (event["debug_meta"] as? [String: Any])?["images"] as? [[String: Any]] ?? []
        #expect(images.contains { $0["code_file"] as? String == "/home/[user]/crashing-programs/null_read_av" },
                "\(images.compactMap { $0["code_file"] })")
        #expect(images.contains { $0["code_file"] as? String == "/lib/x86_64-linux-gnu/libc-2.13.so" })
        let exception = ((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first
        #expect((exception?["type"] as? String)?.hasPrefix("SIGSEGV") == true, "\(String(describing: exception?["type"]))")
    }

    /// A dump the parser cannot read still becomes an event ("Invalid minidump"), and that
    /// event is scrubbed like any other.
    @Test func unreadableDumpEventIsScrubbedToo() async throws {
        let server = try SharedServer.server()
        for dump in [Data("MDMP".utf8), Data("MDMP".utf8) + Data(repeating: 0x41, count: 64)] {
            let reply = try await server.upload(Self.form(dump: dump))
            #expect(reply.status == 200, "\(reply.text)")
            let stored = try await server.storedEvent(reply.text)
            #expect(Self.leaks(in: stored.text).isEmpty, "the stored event leaks \(Self.leaks(in: stored.text))")
            let event = try #require(try stored.json() as? [String: Any])
            #expect(event["title"] as? String == "Invalid minidump")
            let extra = event["extra"] as? [String: Any] ?? [:]
            #expect(extra["password"] as? String == "[Filtered]")
            #expect(extra["log_path"] as? String == "/home/[user]/app/crash.log")
            #expect(extra["prod"] as? String == "ScrubApp")
            #expect(event["release"] as? String == "scrub@1.0")
        }
    }
}
