import Bundled
import CrashpipeCore
import CrashpipeIngest
import Foundation
import Hummingbird
import Logging

/// `crashpipe serve`: the Sentry-compatible minidump endpoint, durable processing and the JSON
/// API, over one data directory.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: URL
    public var host: String = "127.0.0.1"
    public var port: Int = 8000
    public var workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var limits = IngestLimits()
    public var debugFileLimits = DebugFileLimits()
    /// The admin token for the JSON API; nil: the one stored in the database (created and
    /// printed at first start).
    public var adminToken: String?

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    /// `~/.crashpipe`, or `--data-dir`.
    public static func defaultDataDirectory() -> URL {
        URL(fileURLWithPath: expandTilde("~/.crashpipe"))
    }
}

/// Opens (and creates) a data directory: the database, the spool and the symbol store.
public struct DataDirectory: Sendable {
    public let url: URL
    public let store: DataStore
    public let spool: Spool
    public let attachments: AttachmentStore
    let chunks: ChunkStore

    public init(_ url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: url.appendingPathComponent("symbols"), withIntermediateDirectories: true)
        store = try DataStore(path: url.appendingPathComponent("crashpipe.sqlite").path)
        spool = try Spool(directory: url.appendingPathComponent("spool"))
        attachments = AttachmentStore(directory: url.appendingPathComponent("attachments"))
        chunks = try ChunkStore(directory: url.appendingPathComponent("chunks"))
    }

    public var symbolsDirectory: URL { url.appendingPathComponent("symbols") }

    /// The indexed symbol store over `symbols/`.
    public func symbolStore(registry: PluginRegistry) -> SymbolStore {
        SymbolStore(directory: symbolsDirectory, database: store, registry: registry)
    }
}

public enum CrashpipeServer {
    /// The minidump upload URL of a project, with its key (what clients are configured with).
    public static func uploadURL(base: String, project: DataStore.Project) -> String {
        "\(base)/api/\(project.id)/minidump/?sentry_key=\(project.publicKey)"
    }

    /// The DSN of a project (Sentry SDK style).
    public static func dsn(host: String, port: Int, project: DataStore.Project) -> String {
        "http://\(project.publicKey)@\(host):\(port)/\(project.id)"
    }

    /// Builds the application. `onRunning` gets the bound port (useful with port 0).
    public static func application(configuration: ServerConfiguration, directory: DataDirectory, registry: PluginRegistry,
                                   processor: Processor, adminToken: String, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let router = Router()
        let uploads = UploadHandler(store: directory.store, spool: directory.spool, attachments: directory.attachments,
                                    processor: processor, limits: configuration.limits, logger: logger)
        router.post("/api/:project_id/minidump") { request, context in try await uploads.handle(request, context) }
        APIRoutes(store: directory.store, adminToken: adminToken, symbols: directory.symbolsDirectory,
                  attachments: directory.attachments).add(to: router)
        DebugFileRoutes(store: directory.store, symbols: directory.symbolStore(registry: registry), chunks: directory.chunks,
                        adminToken: adminToken, limits: configuration.debugFileLimits).add(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "crashpipe"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}

/// An error answered as Sentry does: `{"detail": "...", "causes": [...]}`.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var detail: String
    var causes: [String] = []

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var object = JSONObject([("detail", .string(detail))])
        if !causes.isEmpty { object["causes"] = .array(causes.map { .string($0) }) }
        let data = try JSONEncoder().encode(JSONValue.object(object))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `POST /api/<project>/minidump/`.
struct UploadHandler: Sendable {
    let store: DataStore
    let spool: Spool
    let attachments: AttachmentStore
    let processor: Processor
    let limits: IngestLimits
    let logger: Logger

    func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let projectText = context.parameters.get("project_id") ?? ""
        guard let projectId = Int64(projectText), let project = try store.project(id: projectId) else {
            throw APIError(status: .forbidden, detail: "project '\(projectText)' does not exist")
        }
        let key = try Self.publicKey(request)
        guard let owner = try store.project(publicKey: key) else {
            throw APIError(status: .unauthorized, detail: "unknown public key")
        }
        guard owner.id == project.id else {
            throw APIError(status: .forbidden, detail: "the key does not belong to project \(project.id)")
        }

        // Refuse a declared oversize body before reading any of it.
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limits.requestCompressed {
            throw APIError(status: .contentTooLarge,
                           detail: "request body of \(declared) bytes is larger than \(limits.requestCompressed) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.requestCompressed)
        } catch {
            throw APIError(status: .contentTooLarge, detail: "request body is larger than \(limits.requestCompressed) bytes")
        }
        let upload: IngestedUpload
        do {
            upload = try Ingest.decode(IngestRequest(contentType: request.headers[.contentType],
                                                     contentEncoding: request.headers[.contentEncoding],
                                                     body: Array(buffer: body)), limits: limits)
        } catch {
            throw APIError(status: HTTPResponse.Status(code: error.status), detail: error.detail, causes: error.causes)
        }

        let eventId = Self.eventId(upload.event)
        var submission = Submission(eventId: eventId, projectId: project.id, receivedAt: Date().timeIntervalSince1970,
                                    extra: upload.extra, event: upload.event,
                                    attachments: upload.attachments.map(\.info), problems: upload.problems)
        submission.event["event_id"] = nil
        if project.keepAttachments {
            try attachments.put(eventId: eventId, upload.attachments.map { ($0.info, $0.bytes) })
        } else if !upload.attachments.isEmpty {
            submission.problems.append("\(upload.attachments.count) attachment(s) dropped: the project does not keep attachments")
        }
        try spool.put(submission, minidump: upload.minidump)
        await processor.enqueue(eventId)
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: Self.hyphenated(eventId))))
    }

    /// The client's `event_id` when it is a valid UUID, else a new one (32 lower-case hex).
    static func eventId(_ event: JSONObject) -> String {
        if let given = event["event_id"]?.stringValue {
            let hex = given.replacingOccurrences(of: "-", with: "").lowercased()
            if hex.count == 32, hex.allSatisfy(\.isHexDigit) { return hex }
        }
        return UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    static func hyphenated(_ hex: String) -> String {
        let c = Array(hex)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// The public key from exactly one of the four auth forms; none or several is 401.
    static func publicKey(_ request: Request) throws -> String {
        var found: [String] = []
        if let key = request.uri.queryParameters.get("sentry_key") { found.append(key) }
        let sentryAuth = request.headers.first { $0.name.canonicalName == "x-sentry-auth" }?.value
        if let header = sentryAuth, let key = sentryAuthKey(header) {
            found.append(key)
        } else if sentryAuth != nil {
            throw APIError(status: .unauthorized, detail: "X-Sentry-Auth has no sentry_key")
        }
        if let authorization = request.headers[.authorization] {
            if authorization.lowercased().hasPrefix("sentry "), let key = sentryAuthKey(authorization) {
                found.append(key)
            } else if authorization.lowercased().hasPrefix("basic ") {
                let encoded = authorization.dropFirst(6).trimmingCharacters(in: .whitespaces)
                guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
                      let colon = text.firstIndex(of: ":") else {
                    throw APIError(status: .unauthorized, detail: "malformed Basic authorization")
                }
                found.append(String(text[..<colon]))
            } else {
                throw APIError(status: .unauthorized, detail: "unsupported Authorization scheme")
            }
        }
        guard !found.isEmpty else { throw APIError(status: .unauthorized, detail: "missing authentication: send the project's public key") }
        guard found.count == 1 else { throw APIError(status: .unauthorized, detail: "multiple authentication payloads were detected") }
        return found[0]
    }

    /// `Sentry sentry_key=abc, sentry_version=7` → `abc`.
    static func sentryAuthKey(_ header: String) -> String? {
        var text = Substring(header)
        if text.lowercased().hasPrefix("sentry ") { text = text.dropFirst(7) }
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "sentry_key" {
                return pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

extension CrashpipeServer {
    /// Opens the data directory, creates the default project on an empty one, and serves until
    /// SIGINT/SIGTERM. `announce` receives the lines to print (URLs, keys, the admin token).
    public static func run(configuration: ServerConfiguration, registry: PluginRegistry, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        let directory = try DataDirectory(configuration.dataDirectory)
        let firstStart = try directory.store.projects().isEmpty
        if firstStart { _ = try directory.store.createProject(name: "default") }
        let token: String
        if let given = configuration.adminToken {
            token = given
        } else {
            let stored = try directory.store.adminToken { DataStore.randomHex(bytes: 20) }
            token = stored.token
            if stored.created { announce("admin API token (Authorization: Bearer ...): \(token)") }
        }
        let processor = Processor(store: directory.store, spool: directory.spool, dataDirectory: directory.url,
                                  registry: registry, logger: logger)
        await processor.recover()
        let workers = Task { await processor.run(workers: configuration.workers) }
        let projects = try directory.store.projects()
        let app = application(configuration: configuration, directory: directory, registry: registry, processor: processor,
                              adminToken: token, logger: logger) { port in
            let base = "http://\(configuration.host):\(port)"
            announce("crashpipe listening on \(base) (data in \(directory.url.path))")
            for project in projects where firstStart || projects.count <= 5 {
                announce("project \(project.organization)/\(project.slug) minidump upload URL: \(uploadURL(base: base, project: project))")
            }
        }
        defer { workers.cancel() }
        try await app.runService()
        await processor.stop()
    }
}
