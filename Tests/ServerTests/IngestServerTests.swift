import Foundation
import TestSupport
import Testing

/// The upload endpoint as crash clients use it (docs/INGEST.md, "Endpoint" and "Form fields"):
/// every body form, compression, refusal and form-field rule, each through a real
/// `crashpipe serve` over HTTP, with the stored event read back through the JSON API.
///
/// One server serves the whole suite; each test finds its own events by the ids the uploads
/// answered, so the tests do not depend on each other.
@Suite(.serialized, .sharedServer)
struct IngestServerTests {
    /// Breakpad's minidump2.dmp: Windows x86, EXCEPTION_ACCESS_VIOLATION_WRITE at 0x45.
    static let dump = { try! Data(Fixtures.bytes("breakpad/minidumps/minidump2.dmp")) }()

    var server: ServerProcess { get throws { try SharedServer.server() } }

    // MARK: helpers

    /// A multipart form: `fields` in order, then the minidump part.
    static func form(_ fields: [(String, String)] = [], dump: Data = IngestServerTests.dump) -> Multipart {
        var form = Multipart()
        for (name, value) in fields { form.field(name, value) }
        form.file("upload_file_minidump", fileName: "minidump.dmp", dump)
        return form
    }

    /// Uploads a form, expects 200 and a hyphenated event id, and returns the stored event.
    func accepted(_ form: Multipart, headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> [String: Any] {
        let reply = try await server.upload(form, headers: headers)
        return try await storedEvent(of: reply, sourceLocation: sourceLocation)
    }

    /// Expects an accepted upload's reply (200, a text/plain hyphenated UUID) and returns the
    /// event stored under that id.
    func storedEvent(of reply: ServerProcess.Reply, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        try #require(reply.status == 200, "upload refused: \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.contentType?.hasPrefix("text/plain") == true, sourceLocation: sourceLocation)
        let id = reply.text
        #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] && id == id.lowercased(),
                "the response is the event id as a hyphenated UUID: \(id)", sourceLocation: sourceLocation)
        let event = try await server.event(id)
        #expect(event["event_id"] as? String == id.replacingOccurrences(of: "-", with: ""), sourceLocation: sourceLocation)
        return event
    }

    /// The event is minidump2's crash, processed: its exception with a stack, and its threads.
    static func expectMinidump2Crash(_ event: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        let exception = (((event["exception"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []).first
        #expect(exception?["type"] as? String == "EXCEPTION_ACCESS_VIOLATION_WRITE", "exception: \(String(describing: exception))",
                sourceLocation: sourceLocation)
        #expect((exception?["value"] as? String)?.contains("0x45") == true, sourceLocation: sourceLocation)
        let frames = ((exception?["stacktrace"] as? [String: Any])?["frames"] as? [[String: Any]]) ?? []
        #expect(!frames.isEmpty, "the crashing thread's stack trace", sourceLocation: sourceLocation)
        let threads = ((event["threads"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
        #expect(!threads.isEmpty, sourceLocation: sourceLocation)
        #expect(threads.contains { $0["crashed"] as? Bool == true }, sourceLocation: sourceLocation)
        #expect(event["level"] as? String == "fatal", sourceLocation: sourceLocation)
        #expect(event["platform"] as? String == "native", sourceLocation: sourceLocation)
    }

    /// Expects a refusal with `status` and the JSON error body; returns its `detail`.
    @discardableResult
    static func refusal(_ reply: ServerProcess.Reply, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        #expect(reply.status == status, "\(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.contentType?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let body = try #require(try? reply.json() as? [String: Any], "not a JSON object: \(reply.text)", sourceLocation: sourceLocation)
        return try #require(body["detail"] as? String, "no detail: \(reply.text)", sourceLocation: sourceLocation)
    }

    static func extra(_ event: [String: Any]) -> [String: Any] { event["extra"] as? [String: Any] ?? [:] }
    static func tags(_ event: [String: Any]) -> [String: Any] { event["tags"] as? [String: Any] ?? [:] }
    static func errors(_ event: [String: Any]) -> [String] {
        (event["errors"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
    }

    // MARK: body forms

    /// The raw body is the minidump with either content type; the event's timestamp is the
    /// minidump header's.
    @Test(arguments: ["application/octet-stream", "application/x-dmp"])
    func rawBodyIsTheMinidump(contentType: String) async throws {
        let reply = try await server.upload(Self.dump, contentType: contentType)
        let event = try await storedEvent(of: reply)
        Self.expectMinidump2Crash(event)
        // MINIDUMP_HEADER.TimeDateStamp (offset 20, little endian).
        let stamp = Self.dump[20..<24].reversed().reduce(0) { $0 << 8 | Int($1) }
        let formatter = ISO8601DateFormatter()
        #expect((event["timestamp"] as? String)?.hasPrefix(String(formatter.string(from: Date(timeIntervalSince1970: Double(stamp))).prefix(19))) == true,
                "timestamp \(event["timestamp"] ?? "nil") is not the header's \(stamp)")
    }

    /// Old Electron on Linux: the `upload_file_minidump` part is itself a multipart body; its
    /// own `upload_file_minidump` is the dump and its other fields join the outer ones.
    @Test func nestedMultipartTakesTheInnerMinidump() async throws {
        var inner = Multipart()
        inner.field("inner_field", "from the inner form")
        inner.file("upload_file_minidump", fileName: "inner.dmp", Self.dump)
        var outer = Multipart()
        outer.field("prod", "Electron")
        outer.file("upload_file_minidump", fileName: "blob", inner.finished())
        #expect(outer.finished().range(of: Data("--\(inner.boundary)\r\n".utf8)) != nil)
        let event = try await accepted(outer)
        Self.expectMinidump2Crash(event)
        #expect(Self.extra(event)["prod"] as? String == "Electron")
        #expect(Self.extra(event)["inner_field"] as? String == "from the inner form")
    }

    /// `Content-Encoding` on the whole request (Crashpad sends gzip): the form is decoded after
    /// it, fields and dump alike.
    @Test(arguments: ["gzip", "deflate (zlib)", "deflate (raw)", "br", "zstd"])
    func contentEncodedRequestBody(coding: String) async throws {
        let form = Self.form([("encoding", coding)])
        let plain = form.finished()
        let (header, body): (String, Data) = switch coding {
        case "gzip": ("gzip", Compress.gzip(plain))
        case "deflate (zlib)": ("deflate", Compress.zlib(plain))
        case "deflate (raw)": ("deflate", Compress.rawDeflate(plain))
        case "br": ("br", Compress.brotli(plain))
        default: ("zstd", Compress.zstd(plain))
        }
        #expect(body != plain && body.count < plain.count)
        let reply = try await server.upload(body, contentType: form.contentType, headers: ["Content-Encoding": header])
        let event = try await storedEvent(of: reply)
        Self.expectMinidump2Crash(event)
        #expect(Self.extra(event)["encoding"] as? String == coding)
    }

    /// The minidump part may be a gzip, xz, bzip2 or zstd container, recognized by its magic.
    @Test(arguments: ["gzip", "xz", "bzip2", "zstd"])
    func compressedMinidumpPart(container: String) async throws {
        let (packed, magic): (Data, [UInt8]) = switch container {
        case "gzip": (Compress.gzip(Self.dump), [0x1F, 0x8B])
        case "xz": (Compress.xz(Self.dump), [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])
        case "bzip2": (Compress.bzip2(Self.dump), [0x42, 0x5A, 0x68])
        default: (Compress.zstd(Self.dump), [0x28, 0xB5, 0x2F, 0xFD])
        }
        #expect(packed.starts(with: magic))
        let event = try await accepted(Self.form([("container", container)], dump: packed))
        Self.expectMinidump2Crash(event)
        #expect(Self.extra(event)["container"] as? String == container)
    }

    /// `PMDM` (a big-endian minidump) passes the magic check: the upload is accepted and,
    /// this one being unreadable, becomes an "Invalid minidump" event.
    @Test func bigEndianMagicIsAccepted() async throws {
        let reply = try await server.upload(Data("PMDM".utf8) + Data(repeating: 0x41, count: 60), contentType: "application/octet-stream")
        let event = try await storedEvent(of: reply)
        #expect(event["title"] as? String == "Invalid minidump")
        #expect(Self.errors(event).contains { $0.hasPrefix("Invalid minidump") })
    }

    // MARK: refusals

    /// A gzip magic followed by junk is a broken container: 400 with a JSON detail, both as the
    /// minidump part and as the request's Content-Encoding.
    @Test func brokenGzipIsRefused() async throws {
        let junk = Data([0x1F, 0x8B]) + Data("this is not a deflate stream at all, just junk".utf8)
        let asPart = try Self.refusal(try await server.upload(Self.form(dump: junk)), 400)
        #expect(asPart.contains("gzip") && asPart.contains("upload_file_minidump"), "\(asPart)")

        let asEncoding = try Self.refusal(try await server.upload(junk, contentType: "application/octet-stream",
                                                                  headers: ["Content-Encoding": "gzip"]), 400)
        #expect(asEncoding.contains("Content-Encoding gzip"), "\(asEncoding)")
    }

    @Test func missingMinidumpFieldIsRefused() async throws {
        var form = Multipart()
        form.field("prod", "App")
        form.file("minidump", fileName: "crash.dmp", Self.dump)
        let reply = try await server.upload(form)
        let detail = try Self.refusal(reply, 400)
        #expect(detail.contains("upload_file_minidump"), "\(detail)")
        let causes = (try reply.json() as? [String: Any])?["causes"] as? [String] ?? []
        #expect(causes.contains { $0.contains("`prod`") && $0.contains("`minidump`") }, "the causes name the parts that came: \(causes)")
    }

    /// Anything that does not start with MDMP/PMDM (after unpacking) is 400, in a form or raw.
    @Test func wrongMagicIsRefused() async throws {
        let elf = Data([0x7F]) + Data("ELF".utf8) + Data([2, 1, 1, 0]) + Data(repeating: 0, count: 56)
        let inForm = try Self.refusal(try await server.upload(Self.form(dump: elf)), 400)
        #expect(inForm.contains("not a minidump") && inForm.contains("MDMP"), "\(inForm)")
        let raw = try Self.refusal(try await server.upload(elf, contentType: "application/x-dmp"), 400)
        #expect(raw.contains("not a minidump"), "\(raw)")
        // A gzip container that unpacks to something else is no better.
        try Self.refusal(try await server.upload(Self.form(dump: Compress.gzip(elf))), 400)
        // Nor is an empty part.
        try Self.refusal(try await server.upload(Self.form(dump: Data())), 400)
    }

    /// A `sentry[...]` field nesting deeper than 15 levels is refused; 15 are accepted.
    @Test func bracketNestingIsLimited() async throws {
        let fifteen = "sentry[extra]" + (2...15).map { "[k\($0)]" }.joined()
        let event = try await accepted(Self.form([(fifteen, "deep")]))
        var node: Any? = event["extra"]
        for level in 2...15 { node = (node as? [String: Any])?["k\(level)"] }
        #expect(node as? String == "deep")

        let sixteen = fifteen + "[k16]"
        let detail = try Self.refusal(try await server.upload(Self.form([(sixteen, "too deep")])), 400)
        #expect(detail.contains("16 levels"), "\(detail)")
    }

    /// Content types and codings the endpoint does not speak: 415.
    @Test func unsupportedContentTypeOrEncoding() async throws {
        try Self.refusal(try await server.upload(Self.dump, contentType: "text/plain"), 415)
        try Self.refusal(try await server.upload(Self.dump, contentType: "application/octet-stream",
                                                 headers: ["Content-Encoding": "compress"]), 415)
    }

    /// A project id that names no project: 403, whatever the key.
    @Test func unknownProjectIsForbidden() async throws {
        let server = try SharedServer.server()
        let key = try #require(server.uploadURL.split(separator: "=").last.map(String.init))
        for project in ["2", "999999", "0", "-1", "default", "abc"] {
            let reply = try await server.send("POST", "\(server.base)/api/\(project)/minidump/?sentry_key=\(key)",
                                              headers: ["Content-Type": "application/octet-stream"], body: Self.dump)
            let detail = try Self.refusal(reply, 403)
            #expect(detail.contains(project), "\(project): \(detail)")
        }
    }

    // MARK: form fields

    /// The `sentry` field's JSON lands in the event.
    @Test func sentryJSONFieldIsMerged() async throws {
        let json = """
            {"release": "2.0.0", "environment": "staging", "dist": "42",
             "tags": {"channel": "beta", "build": 1234},
             "user": {"id": "user-7", "username": "jdoe"},
             "fingerprint": ["custom", "fingerprint"],
             "extra": {"from_json": "yes", "count": 3},
             "contexts": {"app": {"app_name": "Demo"}}}
            """
        let event = try await accepted(Self.form([("sentry", json)]))
        Self.expectMinidump2Crash(event)
        #expect(event["release"] as? String == "2.0.0")
        #expect(event["environment"] as? String == "staging")
        #expect(event["dist"] as? String == "42")
        #expect(Self.tags(event)["channel"] as? String == "beta")
        #expect(Self.tags(event)["build"] as? String == "1234", "tag values are strings")
        let user = event["user"] as? [String: Any]
        #expect(user?["id"] as? String == "user-7")
        #expect(user?["username"] as? String == "jdoe")
        #expect(event["fingerprint"] as? [String] == ["custom", "fingerprint"])
        #expect(Self.extra(event)["from_json"] as? String == "yes")
        #expect(Self.extra(event)["count"] as? Int == 3)
        let app = (event["contexts"] as? [String: Any])?["app"] as? [String: Any]
        #expect(app?["app_name"] as? String == "Demo")
        #expect(Self.errors(event).allSatisfy { !$0.contains("sentry") }, "\(Self.errors(event))")
    }

    /// `sentry[a][b]` fields build the same object, with string values.
    @Test func sentryBracketFields() async throws {
        let event = try await accepted(Self.form([
            ("sentry[release]", "3.1.4"), ("sentry[environment]", "production"),
            ("sentry[tags][mytag]", "value"), ("sentry[tags][other]", "42"),
            ("sentry[user][id]", "99"), ("sentry[extra][nested][key]", "deep value"),
        ]))
        Self.expectMinidump2Crash(event)
        #expect(event["release"] as? String == "3.1.4")
        #expect(event["environment"] as? String == "production")
        #expect(Self.tags(event)["mytag"] as? String == "value")
        #expect(Self.tags(event)["other"] as? String == "42")
        #expect((event["user"] as? [String: Any])?["id"] as? String == "99", "bracket values stay strings")
        #expect((Self.extra(event)["nested"] as? [String: Any])?["key"] as? String == "deep value")
    }

    /// `sentry___<namespace>` (Electron's `sentry___initialScope`) is JSON merged like `sentry`.
    @Test func namespacedSentryJSON() async throws {
        let scope = #"{"release": "electron@5.0.0", "tags": {"scope": "initial"}, "user": {"id": "scoped-user"}}"#
        let event = try await accepted(Self.form([("sentry___initialScope", scope)]))
        Self.expectMinidump2Crash(event)
        #expect(event["release"] as? String == "electron@5.0.0")
        #expect(Self.tags(event)["scope"] as? String == "initial")
        #expect((event["user"] as? [String: Any])?["id"] as? String == "scoped-user")
        #expect(Self.extra(event)["sentry___initialScope"] == nil, "a namespaced document is not an extra field")
    }

    /// `sentry__1`, `sentry__2`, ...: one JSON document cut into chunks, joined in index order
    /// whatever order they arrive in (here the cuts fall inside strings).
    @Test func chunkedSentryJSONIsJoinedInIndexOrder() async throws {
        let document = #"{"release": "chunked-1.2.3", "tags": {"chunked": "yes"}, "environment": "chunk-env"}"#
        let cuts = [0, 20, 45, 70, document.count].map { document.index(document.startIndex, offsetBy: $0) }
        let chunks = (0..<4).map { String(document[cuts[$0]..<cuts[$0 + 1]]) }
        // Indexes 1, 2, 3, 10 arriving as 3, 1, 10, 2: neither the upload order nor the names'
        // text order (1, 10, 2, 3) is the numeric index order.
        let event = try await accepted(Self.form([("sentry__3", chunks[2]), ("sentry__1", chunks[0]),
                                                  ("sentry__10", chunks[3]), ("sentry__2", chunks[1])]))
        Self.expectMinidump2Crash(event)
        #expect(event["release"] as? String == "chunked-1.2.3")
        #expect(event["environment"] as? String == "chunk-env")
        #expect(Self.tags(event)["chunked"] as? String == "yes")
        #expect(Self.extra(event).keys.allSatisfy { !$0.hasPrefix("sentry__") }, "\(Self.extra(event).keys)")
    }

    /// When two sources set the same key the first one (in upload order) wins, and nested
    /// objects merge key by key. A repeated extra field keeps its first value (noted), and a
    /// form field beats the `extra` of the `sentry` JSON.
    @Test func firstSourceWins() async throws {
        let jsonFirst = try await accepted(Self.form([
            ("sentry", #"{"release": "from-json", "tags": {"a": "json-a"}, "extra": {"dup": "from-json-extra"}}"#),
            ("sentry[release]", "from-bracket"), ("sentry[tags][a]", "bracket-a"), ("sentry[tags][b]", "bracket-b"),
            ("dup", "first"), ("dup", "second"),
        ]))
        #expect(jsonFirst["release"] as? String == "from-json")
        #expect(Self.tags(jsonFirst)["a"] as? String == "json-a")
        #expect(Self.tags(jsonFirst)["b"] as? String == "bracket-b")
        #expect(Self.extra(jsonFirst)["dup"] as? String == "first")
        #expect(Self.errors(jsonFirst).contains { $0.contains("`dup`") && $0.contains("more than once") }, "\(Self.errors(jsonFirst))")

        let bracketFirst = try await accepted(Self.form([
            ("sentry[release]", "from-bracket"), ("sentry[tags][a]", "bracket-a"),
            ("sentry", #"{"release": "from-json", "tags": {"a": "json-a", "c": "json-c"}}"#),
            ("sentry___initialScope", #"{"release": "from-scope", "environment": "from-scope"}"#),
        ]))
        #expect(bracketFirst["release"] as? String == "from-bracket")
        #expect(Self.tags(bracketFirst)["a"] as? String == "bracket-a")
        #expect(Self.tags(bracketFirst)["c"] as? String == "json-c")
        #expect(bracketFirst["environment"] as? String == "from-scope")
    }

    /// Invalid `sentry` JSON is ignored, the upload still accepted and processed, and the
    /// problem noted in the event's `errors`; the other sources still apply.
    @Test func invalidSentryJSONIsNotedNotFatal() async throws {
        let event = try await accepted(Self.form([("sentry", #"{"release": "1.0", "tags": {"#), ("sentry[environment]", "still-here"),
                                                  ("prod", "App")]))
        Self.expectMinidump2Crash(event)
        #expect(event["release"] == nil)
        #expect(event["environment"] as? String == "still-here")
        #expect(Self.extra(event)["prod"] as? String == "App")
        let errors = event["errors"] as? [[String: Any]] ?? []
        let noted = errors.first { ($0["reason"] as? String)?.contains("`sentry`") == true }
        #expect((noted?["reason"] as? String)?.contains("not valid JSON") == true, "\(errors)")
        #expect(noted?["type"] as? String == "invalid_data")

        // JSON that is not an object is ignored the same way.
        let array = try await accepted(Self.form([("sentry", #"["release", "1.0"]"#)]))
        #expect(array["release"] == nil)
        #expect(Self.errors(array).contains { $0.contains("`sentry`") && $0.contains("not an object") }, "\(Self.errors(array))")
    }

    /// Fields without a file name become `extra.<name>`, always strings; other file parts are
    /// attachments and never land in extra.
    @Test func otherFieldsBecomeExtraStrings() async throws {
        var form = Self.form([("plain", "value"), ("number", "42"), ("flag", "true"), ("json_looking", #"{"a": 1}"#),
                              ("unicode", "Grüße, 世界"), ("empty", ""), ("with space", "spaced")])
        form.file("upload_file_log", fileName: "log.txt", Data("a log file\n".utf8), contentType: "text/plain")
        let event = try await accepted(form)
        Self.expectMinidump2Crash(event)
        let extra = Self.extra(event)
        #expect(extra["plain"] as? String == "value")
        #expect(extra["number"] as? String == "42")
        #expect(extra["flag"] as? String == "true")
        #expect(extra["json_looking"] as? String == #"{"a": 1}"#)
        #expect(extra["unicode"] as? String == "Grüße, 世界")
        #expect(extra["empty"] as? String == "")
        #expect(extra["with space"] as? String == "spaced")
        #expect(extra["upload_file_log"] == nil, "a file part is an attachment, not extra")
        #expect(extra["upload_file_minidump"] == nil)
        #expect(!extra.values.contains { ($0 as? String)?.contains("a log file") == true })
    }

    /// A Crashpad upload: gzip request body, the annotations as plain fields (→ extra), and a
    /// dump whose Crashpad info stream holds annotations (→ `contexts.crashpad`).
    @Test func crashpadUploadKeepsItsAnnotations() async throws {
        let dump = try Data(Fixtures.bytes("rust-minidump/minidumps/simple-crashpad.dmp"))
        let guid = "4b6b1d8c-0b5a-4e0f-9d4e-6c2a1f3e5d7a"
        var form = Multipart()
        for (name, value) in [("prod", "Crashy"), ("ver", "1.2.3"), ("guid", guid), ("ptype", "browser"), ("plat", "OS X")] {
            form.field(name, value)
        }
        form.file("upload_file_minidump", fileName: "3b2c8d4e.dmp", dump)
        let reply = try await server.upload(Compress.gzip(form.finished()), contentType: form.contentType,
                                            headers: ["Content-Encoding": "gzip"])
        let event = try await storedEvent(of: reply)
        let extra = Self.extra(event)
        #expect(extra["prod"] as? String == "Crashy")
        #expect(extra["ver"] as? String == "1.2.3")
        #expect(extra["guid"] as? String == guid)
        #expect(extra["ptype"] as? String == "browser")
        #expect(extra["plat"] as? String == "OS X")

        let crashpad = try #require((event["contexts"] as? [String: Any])?["crashpad"] as? [String: Any], "\(event["contexts"] ?? "no contexts")")
        #expect((crashpad["simple"] as? [String: Any])?["hello"] as? String == "world")
        #expect(crashpad["clientId"] as? String == "6fd2b3b9-9833-4b2f-bbf7-0bcf501bad7e")
        #expect(crashpad["reportId"] as? String == "42f9de72-518a-43dd-97d7-8ddc328d3662")
        let modules = crashpad["modules"] as? [[String: Any]] ?? []
        let libc = modules.first { $0["moduleName"] as? String == "/usr/lib/system/libsystem_c.dylib" }
        #expect(libc?["listAnnotations"] as? [String] == ["abort() called"], "\(modules)")
        let threads = ((event["threads"] as? [String: Any])?["values"] as? [[String: Any]]) ?? []
        #expect(threads.count == 1 && threads.first?["crashed"] as? Bool == true, "\(threads)")
    }

    /// Crashpad annotation objects (here an iOS NSException's name and reason) reach
    /// `contexts.crashpad` too.
    @Test func crashpadAnnotationObjects() async throws {
        let dump = try Data(Fixtures.bytes("breakpad/minidumps/minidump_crashpad_annotation.dmp"))
        let event = try await accepted(Self.form([("prod", "ios_crash_xcuitests")], dump: dump))
        let crashpad = try #require((event["contexts"] as? [String: Any])?["crashpad"] as? [String: Any])
        let objects = (crashpad["modules"] as? [[String: Any]] ?? []).flatMap { $0["annotationObjects"] as? [[String: Any]] ?? [] }
        let byName = Dictionary(objects.compactMap { o in (o["name"] as? String).map { ($0, o["value"]) } }) { a, _ in a }
        #expect(byName["exceptionName"] as? String == "NSRangeException", "\(objects)")
        #expect((byName["exceptionReason"] as? String)?.contains("index 42 beyond bounds") == true)
        #expect(crashpad["clientId"] as? String == "051a4158-d7ae-4c3c-882e-cd6380d95137")
    }

    // MARK: the event id

    /// A client `event_id` in the `sentry` JSON (any case, with or without dashes) is the
    /// response's id and the stored event's; an invalid one is replaced by a fresh id.
    @Test func clientEventIdIsUsed() async throws {
        let given = UUID()
        let reply = try await server.upload(Self.form([("sentry", #"{"event_id": "\#(given.uuidString)"}"#)]))
        #expect(reply.text == given.uuidString.lowercased())
        let event = try await storedEvent(of: reply)
        #expect(event["event_id"] as? String == given.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))

        let bare = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let bracket = try await server.upload(Self.form([("sentry[event_id]", bare)]))
        #expect(bracket.text.replacingOccurrences(of: "-", with: "") == bare)
        _ = try await storedEvent(of: bracket)

        let invalid = try await server.upload(Self.form([("sentry", #"{"event_id": "not-a-uuid"}"#)]))
        let fresh = try await storedEvent(of: invalid)
        #expect((fresh["event_id"] as? String)?.count == 32)
        #expect(invalid.text != "not-a-uuid")
    }
}

/// The size limits (INGEST.md: 40 MiB compressed request, 200 MiB decompressed, 100 MiB per
/// file; too big: 413). `crashpipe serve` has no option to lower them, so these send the real
/// sizes, to a server of their own.
@Suite(.serialized)
struct IngestLimitServerTests {
    @Test func tooLargeUploadsAre413() async throws {
        let server = try ServerProcess(workers: 1)
        let mib = 1 << 20

        // A request body over 40 MiB as received.
        var big = IngestServerTests.dump
        big.append(Data(count: 40 * mib + 1 - big.count))
        let tooBig = try await server.upload(big, contentType: "application/octet-stream")
        let detail = try IngestServerTests.refusal(tooBig, 413)
        #expect(detail.contains("larger than"), "\(detail)")

        // Small as received, over 200 MiB once its Content-Encoding is undone (a gzip bomb).
        let bomb = Compress.gzipZeros(UInt64(200 * mib + 1))
        #expect(bomb.count < mib)
        let inflated = try await server.upload(bomb, contentType: "application/octet-stream", headers: ["Content-Encoding": "gzip"])
        let bombDetail = try IngestServerTests.refusal(inflated, 413)
        #expect(bombDetail.contains("200 MiB") || bombDetail.contains("limit"), "\(bombDetail)")

        // A minidump container that unpacks to more than the 100 MiB per-file limit.
        let container = IngestServerTests.form(dump: Compress.gzipZeros(UInt64(100 * mib + 1)))
        let unpacked = try await server.upload(container)
        let fileDetail = try IngestServerTests.refusal(unpacked, 413)
        #expect(fileDetail.contains("per-file limit"), "\(fileDetail)")

        // Just under the limit is fine, and the server still works after the refusals.
        var fits = IngestServerTests.dump
        fits.append(Data(count: 4 * mib))
        let ok = try await server.upload(fits, contentType: "application/octet-stream")
        #expect(ok.status == 200, "\(ok.text)")
        let event = try await server.onlyEvent()
        #expect(event["event_id"] as? String == ok.text.replacingOccurrences(of: "-", with: ""))
        IngestServerTests.expectMinidump2Crash(event)
    }
}
