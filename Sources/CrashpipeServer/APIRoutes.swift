import CrashpipeCore
import Foundation
import Hummingbird

/// The JSON API under `/api/0/`, in Sentry's shapes, behind the admin token
/// (`Authorization: Bearer <token>`).
struct APIRoutes: Sendable {
    let store: DataStore
    let adminToken: String
    /// The symbol store (Breakpad layout: `<debug file>/<DEBUG ID>/<name>.sym`).
    let symbols: URL
    let attachments: AttachmentStore

    /// Resolves open processing issues whose symbol file has arrived in the store.
    func resolveFromSymbolStore() throws {
        for (module, debugId) in try store.openIssueKeys() {
            let folder = symbols.appendingPathComponent(module).appendingPathComponent(debugId)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            if files.contains(where: { $0.hasSuffix(".sym") }) {
                try store.resolveProcessingIssues(debugId: debugId, module: module)
            }
        }
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/0/projects/") { request, _ in
            try self.authorize(request)
            return try Self.json(.array(try self.store.projects().map(Self.project)))
        }
        router.get("/api/0/projects/:project/groups/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            return try Self.json(.array(try self.store.groups(projectId: project.id).map { Self.group($0, project) }))
        }
        router.get("/api/0/groups/:group/events/") { request, context in
            try self.authorize(request)
            guard let id = context.parameters.get("group").flatMap(Int64.init), let group = try self.store.group(id: id) else {
                throw APIError(status: .notFound, detail: "no such group")
            }
            let bodies = try self.store.events(groupId: group.id)
            return Self.raw("[" + bodies.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]")
        }
        router.get("/api/0/projects/:project/events/:event_id/") { request, context in
            try self.authorize(request)
            let (body, _) = try self.event(context)
            return Self.raw(String(decoding: body, as: UTF8.self))
        }
        router.get("/api/0/projects/:project/events/:event_id/attachments/") { request, context in
            try self.authorize(request)
            let eventId = try self.event(context).eventId
            return try Self.json(.array(self.attachments.list(eventId: eventId).map(Self.attachment)))
        }
        router.get("/api/0/projects/:project/events/:event_id/attachments/:attachment/") { request, context in
            try self.authorize(request)
            let eventId = try self.event(context).eventId
            guard let id = context.parameters.get("attachment").flatMap(Int.init),
                  let stored = self.attachments.list(eventId: eventId).first(where: { $0.id == id }),
                  let bytes = self.attachments.bytes(eventId: eventId, id: id) else {
                throw APIError(status: .notFound, detail: "no such attachment")
            }
            return Response(status: .ok, headers: [.contentType: stored.contentType ?? "application/octet-stream"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/api/0/projects/:project/processing-issues/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            try self.resolveFromSymbolStore()
            return try Self.json(.array(try self.store.processingIssues(projectId: project.id).map(Self.issue)))
        }
    }

    func authorize(_ request: Request) throws {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(status: .unauthorized, detail: "an API token is required (Authorization: Bearer <token>)")
        }
        guard header.dropFirst(7).trimmingCharacters(in: .whitespaces) == adminToken else {
            throw APIError(status: .unauthorized, detail: "invalid token")
        }
    }

    /// `:project` is a numeric id or a slug.
    func project(_ context: BasicRequestContext) throws -> DataStore.Project {
        let text = context.parameters.get("project") ?? ""
        guard let project = try store.project(idOrSlug: text) else {
            throw APIError(status: .notFound, detail: "no project '\(text)'")
        }
        return project
    }

    /// The stored event `:event_id` (with or without dashes) of `:project`, and its id.
    func event(_ context: BasicRequestContext) throws -> (body: Data, eventId: String) {
        let project = try project(context)
        let given = (context.parameters.get("event_id") ?? "").replacingOccurrences(of: "-", with: "").lowercased()
        guard let body = try store.event(projectId: project.id, eventId: given) else {
            throw APIError(status: .notFound, detail: "no event \(given) in project \(project.slug)")
        }
        return (body, given)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func raw(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func iso(_ seconds: Double) -> JSONValue { .string(EventBuilder.iso8601(Date(timeIntervalSince1970: seconds))) }

    static func project(_ p: DataStore.Project) -> JSONValue {
        .object(JSONObject([("id", .string(String(p.id))), ("slug", .string(p.slug)), ("name", .string(p.name)),
                            ("organization", .object(JSONObject([("slug", .string(p.organization))]))),
                            ("pipeline", p.pipeline.map { .string($0) } ?? .null)]))
    }

    static func group(_ g: DataStore.Group, _ p: DataStore.Project) -> JSONValue {
        .object(JSONObject([("id", .string(String(g.id))), ("title", .string(g.title)), ("culprit", .string(g.title)),
                            ("level", .string(g.level)), ("count", .string(String(g.count))),
                            ("firstSeen", iso(g.firstSeen)), ("lastSeen", iso(g.lastSeen)),
                            ("project", .object(JSONObject([("id", .string(String(p.id))), ("slug", .string(p.slug))]))),
                            ("hash", .string(g.hash))]))
    }

    /// Sentry's attachment shape (`id`, `name`, `mimetype`, `size`) plus the form field.
    static func attachment(_ a: AttachmentStore.Stored) -> JSONValue {
        .object(JSONObject([("id", .string(String(a.id))), ("name", .string(a.fileName ?? a.field)),
                            ("field", .string(a.field)),
                            ("mimetype", .string(a.contentType ?? "application/octet-stream")), ("size", .int(Int64(a.size)))]))
    }

    static func issue(_ i: DataStore.ProcessingIssue) -> JSONValue {
        .object(JSONObject([("type", .string("native_missing_dsym")), ("module", .string(i.module)),
                            ("debugId", .string(i.debugId)), ("codeId", i.codeId.map { .string($0) } ?? .null),
                            ("events", .int(Int64(i.events))), ("firstSeen", iso(i.firstSeen)), ("lastSeen", iso(i.lastSeen)),
                            ("command", .string("crashpipe symbols upload <path to \(i.module)'s debug file>"))]))
    }
}
