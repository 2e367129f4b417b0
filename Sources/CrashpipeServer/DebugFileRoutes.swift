import CrashpipeCore
import CrashpipeIngest
import Foundation
import Hummingbird

/// The debug-file upload APIs, as the clients that already exist speak them:
/// - sentry-cli's chunked upload: `GET|POST /api/0/organizations/<org>/chunk-upload/` and
///   `POST /api/0/projects/<org>/<project>/files/difs/assemble/`;
/// - Sentry's file list and legacy upload: `GET|DELETE|POST /api/0/projects/<org>/<project>/files/dsyms/`;
/// - Breakpad's `sym_upload` (protocol v1): `POST /api/0/projects/<org>/<project>/files/breakpad/`.
/// Every route needs an API token (`crashpipe tokens create`) or the admin token.
struct DebugFileRoutes: Sendable {
    let store: DataStore
    let symbols: SymbolStore
    let chunks: ChunkStore
    let adminToken: String
    let limits: DebugFileLimits

    static let chunkSize = 8 << 20
    static let chunksPerRequest = 64
    static let maxRequestSize = 32 << 20

    func add(to router: Router<BasicRequestContext>) {
        // What `sentry-cli info` and login checks ask: who the token is and what it may do.
        router.get("/api/0/") { request, _ in
            try self.authorize(request)
            return try APIRoutes.json(.object(JSONObject([
                ("version", .string("0")),
                ("auth", .object(JSONObject([("scopes", .array(["project:read", "project:write", "project:releases", "org:read"]
                    .map { .string($0) }))]))),
                ("user", .object(JSONObject([("id", .string("1")), ("username", .string("crashpipe")),
                                              ("email", .string("crashpipe@localhost"))]))),
            ])))
        }
        router.get("/api/0/organizations/:org/chunk-upload/") { request, context in
            try self.authorize(request)
            let org = context.parameters.get("org") ?? ""
            guard try self.store.organizationExists(org) else { throw APIError(status: .notFound, detail: "no organization '\(org)'") }
            let host = request.head.authority ?? "127.0.0.1"
            let url = "http://\(host)/api/0/organizations/\(org)/chunk-upload/"
            return try APIRoutes.json(.object(JSONObject([
                ("url", .string(url)), ("chunkSize", .int(Int64(Self.chunkSize))),
                ("chunksPerRequest", .int(Int64(Self.chunksPerRequest))),
                ("maxFileSize", .int(Int64(self.limits.file))), ("maxRequestSize", .int(Int64(Self.maxRequestSize))),
                ("concurrency", .int(4)), ("hashAlgorithm", .string("sha1")),
                ("compression", .array([.string("gzip")])),
                ("accept", .array([.string("debug_files"), .string("pdbs")])),
            ])))
        }
        router.post("/api/0/organizations/:org/chunk-upload/") { request, context in
            try self.authorize(request)
            let parts = try await self.form(request, limit: Self.maxRequestSize + (1 << 20), partLimit: Self.chunkSize + (1 << 20))
            var stored = 0
            for part in parts {
                guard part.name == "file" || part.name == "file_gzip" else { continue }
                guard let checksum = part.fileName?.lowercased(), checksum.count == 40, checksum.allSatisfy(\.isHexDigit) else {
                    throw APIError(status: .badRequest, detail: "a chunk part must be named by the SHA-1 of its content (its filename)")
                }
                var bytes = part.body
                if part.name == "file_gzip" {
                    do {
                        bytes = try Ingest.gunzip(bytes, maxOutput: Self.chunkSize, what: "chunk \(checksum)")
                    } catch let error as IngestError {
                        throw APIError(status: .badRequest, detail: error.detail)
                    }
                }
                guard bytes.count <= Self.chunkSize else {
                    throw APIError(status: .contentTooLarge, detail: "chunk \(checksum) is larger than the chunk size \(Self.chunkSize)")
                }
                guard SymbolStore.sha1(bytes) == checksum else {
                    throw APIError(status: .badRequest, detail: "chunk \(checksum): its content has SHA-1 \(SymbolStore.sha1(bytes))")
                }
                try self.chunks.put(checksum, bytes)
                stored += 1
            }
            guard stored > 0 else { throw APIError(status: .badRequest, detail: "no chunk in the request (parts named file or file_gzip)") }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("/api/0/projects/:project/:slug/files/difs/assemble/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            let body = try await request.body.collect(upTo: 8 << 20)
            guard case .object(let files)? = try? StrictJSON.parse(Array(buffer: body)) else {
                throw APIError(status: .badRequest, detail: "the body must be a JSON object: {checksum: {name, chunks: [...]}}")
            }
            var answer = JSONObject()
            for (checksum, value) in files {
                answer[checksum] = .object(try self.assemble(checksum: checksum.lowercased(), value, project: project))
            }
            return try APIRoutes.json(.object(answer))
        }
        router.get("/api/0/projects/:project/:slug/files/dsyms/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            let query = request.uri.queryParameters
            var entries = try self.store.debugFiles(projectId: project.id, debugId: query.get("debug_id").flatMap(DebugId.init)?.breakpad)
            if let text = query.get("query")?.lowercased(), !text.isEmpty {
                entries = entries.filter {
                    $0.name.lowercased().contains(text) || $0.object.debugId?.dashed.contains(text) == true
                        || $0.object.codeId?.value.contains(text) == true
                }
            }
            return try APIRoutes.json(.array(entries.map(Self.dif)))
        }
        router.delete("/api/0/projects/:project/:slug/files/dsyms/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            guard let id = request.uri.queryParameters.get("id").flatMap(Int64.init) else {
                throw APIError(status: .badRequest, detail: "give the file to delete as ?id=<id>")
            }
            guard !(try self.symbols.remove(ids: [id], projectId: project.id)).isEmpty else {
                throw APIError(status: .notFound, detail: "no debug file \(id) in project \(project.slug)")
            }
            return Response(status: .noContent)
        }
        router.post("/api/0/projects/:project/:slug/files/dsyms/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            let parts = try await self.form(request, limit: self.limits.request, partLimit: self.limits.file)
            guard let file = parts.first(where: { $0.name == "file" }) else {
                throw APIError(status: .badRequest, detail: "the form has no `file` part (a debug file or a zip of them)")
            }
            let stored = try self.storeUpload(file.body, name: file.fileName ?? "upload", project: project)
            return try APIRoutes.json(.array(stored.entries.map(Self.dif)), status: .created)
        }
        router.post("/api/0/projects/:project/:slug/files/breakpad/") { request, context in
            try self.authorize(request)
            let project = try self.project(context)
            let parts = try await self.form(request, limit: self.limits.request, partLimit: self.limits.file)
            func field(_ name: String) -> String? {
                parts.first { $0.name == name && $0.fileName == nil }.map { String(decoding: $0.body, as: UTF8.self) }
            }
            guard let file = parts.first(where: { $0.name == "symbol_file" }) else {
                throw APIError(status: .badRequest, detail: "the form has no `symbol_file` part (the .sym file)")
            }
            try Self.checkBreakpadFields(file.body, debugFile: field("debug_file"), debugIdentifier: field("debug_identifier"),
                                         os: field("os"), cpu: field("cpu"))
            let stored = try self.storeUpload(file.body, name: file.fileName ?? field("debug_file") ?? "symbols.sym", project: project)
            guard stored.entries.allSatisfy({ $0.object.format == "breakpad" }) else {
                throw APIError(status: .badRequest, detail: "`symbol_file` must be a Breakpad .sym file")
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "OK\n")))
        }
    }

    // MARK: Pieces

    func authorize(_ request: Request) throws {
        var token: String?
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        } else if let header = request.headers.first(where: { $0.name.canonicalName == "auth-token" })?.value {
            token = header.trimmingCharacters(in: .whitespaces)
        } else if let query = request.uri.queryParameters.get("token") {
            token = String(query)
        }
        guard let token, !token.isEmpty else {
            throw APIError(status: .unauthorized, detail: "an API token is required (Authorization: Bearer <token>; create one with `crashpipe tokens create`)")
        }
        let known = try token == adminToken || store.isAPIToken(token)
        guard known else {
            throw APIError(status: .unauthorized, detail: "invalid token")
        }
    }

    /// Sentry's `/projects/<org>/<project>/` paths. The router needs one parameter name per
    /// path position, and `/api/0/projects/:project/groups/` owns the first: there it holds the
    /// organization slug, and `:slug` the project's.
    func project(_ context: BasicRequestContext) throws -> DataStore.Project {
        let org = context.parameters.get("project") ?? ""
        let slug = context.parameters.get("slug") ?? ""
        guard let project = try store.project(organization: org, slug: slug) else {
            throw APIError(status: .notFound, detail: "no project '\(org)/\(slug)'")
        }
        return project
    }

    func form(_ request: Request, limit: Int, partLimit: Int) async throws -> [IngestedFormPart] {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(status: .contentTooLarge, detail: "request body of \(declared) bytes is larger than \(limit) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, detail: "request body is larger than \(limit) bytes")
        }
        do {
            return try Ingest.decodeForm(IngestRequest(contentType: request.headers[.contentType],
                                                       contentEncoding: request.headers[.contentEncoding], body: Array(buffer: body)),
                                         limits: IngestLimits(requestCompressed: limit, requestDecompressed: limit * 4, file: partLimit))
        } catch {
            throw APIError(status: HTTPResponse.Status(code: error.status), detail: error.detail, causes: error.causes)
        }
    }

    func storeUpload(_ bytes: [UInt8], name: String, project: DataStore.Project) throws -> SymbolStore.Stored {
        do {
            return try symbols.store(bytes, name: name, projectId: project.id)
        } catch let error as SymbolStore.Rejected {
            throw APIError(status: .badRequest, detail: error.description)
        }
    }

    /// One file of an assemble request: already stored, waiting for chunks, or assembled now.
    func assemble(checksum: String, _ value: JSONValue, project: DataStore.Project) throws -> JSONObject {
        func state(_ state: String, detail: String? = nil, missing: [String] = [], dif: JSONValue? = nil) -> JSONObject {
            var object = JSONObject([("state", .string(state)), ("detail", detail.map { .string($0) } ?? .null),
                                     ("missingChunks", .array(missing.map { .string($0) }))])
            if let dif { object["dif"] = dif }
            return object
        }
        guard checksum.count == 40, checksum.allSatisfy(\.isHexDigit) else {
            return state("error", detail: "'\(checksum)' is not a SHA-1 checksum")
        }
        guard case .object(let file) = value, case .array(let list)? = file["chunks"] else {
            return state("error", detail: "each file needs {\"name\": ..., \"chunks\": [sha1, ...]}")
        }
        let name = file["name"]?.stringValue ?? checksum
        let chunkIds = list.compactMap { $0.stringValue?.lowercased() }
        if let existing = try store.hasDebugFile(projectId: project.id, checksum: checksum).first {
            return state("ok", dif: Self.dif(existing))
        }
        guard !chunkIds.isEmpty, chunkIds.count == list.count else {
            return state("error", detail: "\(name): no chunks given")
        }
        let missing = chunkIds.filter { !chunks.has($0) }
        if !missing.isEmpty { return state("not_found", missing: Array(Set(missing)).sorted()) }
        var bytes: [UInt8] = []
        for id in chunkIds {
            guard let chunk = chunks.get(id) else { return state("not_found", missing: [id]) }
            guard bytes.count + chunk.count <= limits.file else {
                return state("error", detail: "\(name) is larger than the file size limit of \(limits.file) bytes")
            }
            bytes += chunk
        }
        guard SymbolStore.sha1(bytes) == checksum else {
            return state("error", detail: "\(name): the assembled chunks have SHA-1 \(SymbolStore.sha1(bytes)), not \(checksum)")
        }
        do {
            let stored = try symbols.store(bytes, name: name, projectId: project.id)
            chunks.remove(chunkIds)
            return state("ok", dif: stored.entries.first.map(Self.dif))
        } catch let error as SymbolStore.Rejected {
            chunks.remove(chunkIds)
            return state("error", detail: error.description)
        }
    }

    /// Checks Breakpad's upload fields against the `.sym`'s MODULE line.
    static func checkBreakpadFields(_ sym: [UInt8], debugFile: String?, debugIdentifier: String?, os: String?, cpu: String?) throws {
        let firstLine = sym.prefix(4096).split(separator: UInt8(ascii: "\n"), maxSplits: 1).first.map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } ?? ""
        let fields = firstLine.split(separator: " ", maxSplits: 4).map(String.init)
        guard fields.count == 5, fields[0] == "MODULE" else {
            throw APIError(status: .badRequest, detail: "`symbol_file` does not start with a MODULE line (MODULE <os> <cpu> <id> <name>)")
        }
        var mismatches: [String] = []
        func check(_ given: String?, _ expected: String, _ what: String, caseInsensitive: Bool = false) {
            guard let given, !given.isEmpty else { return }
            let same = caseInsensitive ? given.lowercased() == expected.lowercased() : given == expected
            if !same { mismatches.append("\(what) is '\(given)' but the MODULE line says '\(expected)'") }
        }
        check(os, fields[1], "os", caseInsensitive: true)
        check(cpu, fields[2], "cpu", caseInsensitive: true)
        check(debugIdentifier, fields[3], "debug_identifier", caseInsensitive: true)
        check(debugFile, fields[4], "debug_file")
        guard mismatches.isEmpty else {
            throw APIError(status: .badRequest, detail: "the upload's fields disagree with the .sym file", causes: mismatches)
        }
    }

    /// symbolic's short object-kind names, which sentry-cli parses (`exe`, `lib`, `dbg`, ...);
    /// Breakpad files and PDBs, which carry no kind, are debug companions (`dbg`).
    static func kindName(_ object: DebugObject) -> String {
        switch object.kind {
        case "executable": return "exe"
        case "library": return "lib"
        case "relocatable": return "rel"
        case "dump": return "dump"
        case "other": return "other"
        case "debug", nil: return "dbg"
        default: return "other"
        }
    }

    /// Sentry's shape of a debug file (what sentry-cli reads back).
    static func dif(_ entry: SymbolStore.Entry) -> JSONValue {
        let object = entry.object
        let debugId: JSONValue = object.debugId.map { .string($0.dashed) } ?? .null
        return .object(JSONObject([
            ("id", .string(String(entry.id))), ("uuid", debugId), ("debugId", debugId),
            ("codeId", object.codeId.map { .string($0.value) } ?? .null),
            ("cpuName", .string(object.arch)), ("objectName", .string(entry.name)),
            ("symbolType", .string(object.format)), ("size", .int(Int64(entry.size))), ("sha1", .string(entry.checksum)),
            ("dateCreated", APIRoutes.iso(entry.uploadedAt)),
            ("headers", .object(JSONObject([("Content-Type", .string("application/octet-stream"))]))),
            ("data", .object(JSONObject([("type", .string(Self.kindName(object))),
                                         ("features", .array(object.features.names.map { .string($0) }))]))),
        ]))
    }
}

/// Limits of the debug-file upload endpoints.
public struct DebugFileLimits: Sendable {
    /// A legacy or Breakpad upload request, and an assembled chunked file (held in memory while
    /// it is inspected). Default 512 MiB each.
    public var request: Int = 512 << 20
    public var file: Int = 512 << 20
    public init() {}
}

/// Uploaded chunks waiting to be assembled: `<data-dir>/chunks/<sha1>`.
struct ChunkStore: Sendable {
    let directory: URL

    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func put(_ checksum: String, _ bytes: [UInt8]) throws {
        try Spool.writeDurably(bytes, to: directory.appendingPathComponent(checksum))
    }

    func has(_ checksum: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(checksum).path)
    }

    func get(_ checksum: String) -> [UInt8]? {
        (try? Data(contentsOf: directory.appendingPathComponent(checksum))).map { Array($0) }
    }

    func remove(_ checksums: [String]) {
        for checksum in Set(checksums) { try? FileManager.default.removeItem(at: directory.appendingPathComponent(checksum)) }
    }
}
