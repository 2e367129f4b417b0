import Bundled
import CrashpipeCore
@testable import CrashpipeServer
import Foundation
import Logging
import TestSupport
import Testing

/// The processor stores the event built from the scrubbed report: what the client sent goes
/// through the pipeline's scrub stages whether or not the minidump could be parsed.
struct ProcessorScrubTests {
    /// Spools one upload with secrets in its fields, processes it, and returns the stored event's text.
    static func processed(minidump: [UInt8]) async throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-processor-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let directory = try DataDirectory(url)
        let project = try directory.store.createProject(name: "default")
        let processor = Processor(store: directory.store, spool: directory.spool, dataDirectory: url,
                                  registry: try Bundled.registry(), logger: Logger(label: "test"))
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let submission = Submission(
            eventId: id, projectId: project.id, receivedAt: 1_700_000_000,
            extra: JSONObject([("password", .string("hunter2")), ("log", .string("/home/alice/crash.log")),
                               ("prod", .string("App"))]),
            event: JSONObject([("tags", .object(JSONObject([("auth_token", .string("tok-secret-1"))]))),
                               ("release", .string("1.0"))]))
        try directory.spool.put(submission, minidump: minidump)
        await processor.process(id)
        let body = try #require(try directory.store.event(projectId: project.id, eventId: id))
        return String(decoding: body, as: UTF8.self)
    }

    static func expectScrubbed(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let leaked = ["hunter2", "alice", "tok-secret-1"].filter { text.contains($0) }
        #expect(leaked.isEmpty, "the stored event holds \(leaked)", sourceLocation: sourceLocation)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let extra = event["extra"] as? [String: Any]
        #expect(extra?["password"] as? String == "[Filtered]", sourceLocation: sourceLocation)
        #expect(extra?["log"] as? String == "/home/[user]/crash.log", sourceLocation: sourceLocation)
        #expect(extra?["prod"] as? String == "App", sourceLocation: sourceLocation)
        #expect((event["tags"] as? [String: Any])?["auth_token"] as? String == "[Filtered]", sourceLocation: sourceLocation)
        #expect(event["release"] as? String == "1.0", sourceLocation: sourceLocation)
    }

    @Test func parsedMinidump() async throws {
        let text = try await Self.processed(minidump: try Fixtures.bytes("breakpad/minidumps/minidump2.dmp"))
        #expect(text.contains("EXCEPTION_ACCESS_VIOLATION_WRITE"))
        try Self.expectScrubbed(text)
    }

    /// "MDMP" alone: the parser throws, the event says "Invalid minidump".
    @Test func minidumpTheParserRejects() async throws {
        let text = try await Self.processed(minidump: Array("MDMP".utf8))
        #expect(text.contains("Invalid minidump"))
        try Self.expectScrubbed(text)
    }
}
