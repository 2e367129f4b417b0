import CrashpipeCore
import CrashpipeIngest
import Crypto
import Foundation
import GRDB

/// The symbol store: debug information files in `<data-dir>/symbols/`, indexed in the database.
///
/// Files are laid out so that the `symbols` stage's directory lookup finds them:
/// - Breakpad `.sym`: `<debug file>/<DEBUG ID>/<debug file without .pdb>.sym` (Breakpad's layout);
/// - every other object: `<debug file name>/<DEBUG ID>/<debug file name>`, and a PE also under
///   its code id, `<code file>/<CODE ID>/<code file>` (Microsoft's symbol-server layout);
/// - ELF and Mach-O objects also by id alone (a fat file's slice on its own):
///   `_id/<DEBUG ID>/debuginfo` (debug companions) or `_id/<DEBUG ID>/executable`, where the
///   stack walk finds them whatever their file name.
///
/// A file is sniffed from its bytes (never its name) with the registered debug-file formats;
/// zip archives are opened and every debug file in them is stored. A file that is none of them
/// is rejected and nothing of it is stored. Storing the same bytes again for the same project
/// changes nothing (deduplicated by SHA-1 checksum).
public struct SymbolStore: Sendable {
    public let directory: URL
    let database: DataStore
    let registry: PluginRegistry
    public var zipLimits: ZipLimits

    public init(directory: URL, database: DataStore, registry: PluginRegistry, zipLimits: ZipLimits = ZipLimits()) {
        self.directory = directory
        self.database = database
        self.registry = registry
        self.zipLimits = zipLimits
    }

    /// One object of a stored file, as listed by the API and `crashpipe symbols list`.
    public struct Entry: Sendable, Hashable {
        public var id: Int64
        public var projectId: Int64
        public var checksum: String
        /// The uploaded file's name (its path inside a zip, without folders above a bundle).
        public var name: String
        public var object: DebugObject
        public var size: Int
        public var uploadedAt: Double
        /// The file's path inside the store, relative to its directory.
        public var path: String
    }

    public struct Rejected: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var reason: String
        public var description: String { "\(name): \(reason)" }
    }

    /// The outcome of storing one upload (a file or an archive).
    public struct Stored: Sendable {
        /// Objects stored now or found already stored (a repeated upload).
        public var entries: [Entry] = []
        /// Of those, how many were new.
        public var created = 0
        /// Archive members that are not debug files (skipped, not an error).
        public var skipped: [String] = []
    }

    /// Stores a file or a zip archive of them for `project`. Throws ``Rejected`` (and stores
    /// nothing) when the upload is not a debug file, or is an archive with no debug file in
    /// it, or an unsafe or broken archive.
    public func store(_ bytes: [UInt8], name: String, projectId: Int64) throws -> Stored {
        if ZipArchive.isZip(bytes) {
            let archive: ZipArchive
            do {
                archive = try ZipArchive(bytes: bytes, limits: zipLimits)
            } catch {
                throw Rejected(name: name, reason: "not a usable zip archive: \(error)")
            }
            var members: [(String, [UInt8], InspectedDebugFile)] = []
            var skipped: [String] = []
            for entry in archive.entries where !entry.isDirectory {
                let content: [UInt8]
                do {
                    content = try archive.extract(entry)
                } catch {
                    throw Rejected(name: name, reason: "cannot extract '\(entry.path)': \(error)")
                }
                if let inspected = try inspect(content, name: "\(name):\(entry.path)") {
                    members.append((entry.path, content, inspected))
                } else {
                    skipped.append(entry.path)
                }
            }
            guard !members.isEmpty else {
                throw Rejected(name: name, reason: "the archive holds no debug file that crashpipe recognizes "
                               + "(\(archive.entries.count) entries)")
            }
            var result = Stored(skipped: skipped)
            for (path, content, inspected) in members {
                let one = try put(content, inspected, name: path, projectId: projectId)
                result.entries += one.entries
                result.created += one.created
            }
            return result
        }
        guard let inspected = try inspect(bytes, name: name) else {
            throw Rejected(name: name, reason: "not a debug file crashpipe recognizes (Breakpad .sym, ELF, Mach-O, PE, PDB, "
                           + "or a zip of them); first bytes: \(bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " "))")
        }
        return try put(bytes, inspected, name: name, projectId: projectId)
    }

    /// Sniffs and reads one file; nil when no format recognizes it. A recognized but broken
    /// file is rejected with the parser's message (what and where).
    func inspect(_ bytes: [UInt8], name: String) throws -> InspectedDebugFile? {
        do {
            guard let inspected = try registry.inspectDebugFile(ByteView(bytes)) else { return nil }
            guard !inspected.objects.isEmpty else { throw Rejected(name: name, reason: "\(inspected.format) file without objects") }
            return inspected
        } catch let error as Rejected {
            throw error
        } catch {
            throw Rejected(name: name, reason: "broken debug file: \(error)")
        }
    }

    public static func sha1(_ bytes: [UInt8]) -> String {
        Insecure.SHA1.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes one recognized file into the layout and indexes its objects.
    func put(_ bytes: [UInt8], _ inspected: InspectedDebugFile, name: String, projectId: Int64) throws -> Stored {
        let checksum = Self.sha1(bytes)
        let baseName = Self.baseName(name)
        var result = Stored()
        for object in inspected.objects {
            let paths = Self.layoutPaths(object, fileName: baseName)
            guard let primary = paths.first else {
                throw Rejected(name: name, reason: "\(object.format) object (\(object.arch)) has no debug id or code id to file it under")
            }
            for path in paths {
                // The id-only paths hold the object's own bytes (one slice of a fat file), the
                // others the file as uploaded.
                let content: [UInt8]
                if path.hasPrefix("_id/"), let range = object.byteRange, range.lowerBound >= 0, range.upperBound <= bytes.count {
                    content = Array(bytes[range])
                } else {
                    content = bytes
                }
                let url = directory.appendingPathComponent(path)
                if (try? Data(contentsOf: url)) == Data(content) { continue }
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Spool.writeDurably(content, to: url)
            }
            let (entry, created) = try database.addDebugFile(projectId: projectId, checksum: checksum, name: baseName,
                                                             object: object, size: bytes.count, path: primary)
            result.entries.append(entry)
            if created { result.created += 1 }
            if let debugId = object.debugId, !object.features.intersection([.symtab, .debug]).isEmpty {
                try database.resolveProcessingIssues(debugId: debugId.breakpad)
            }
        }
        return result
    }

    /// Removes index rows (and the files no other row refers to). Returns the removed rows.
    @discardableResult
    public func remove(ids: [Int64], projectId: Int64?) throws -> [Entry] {
        let removed = try database.removeDebugFiles(ids: ids, projectId: projectId)
        for entry in removed {
            let stillUsed = try database.debugFiles(checksum: entry.checksum)
            let keep = Set(stillUsed.flatMap { Self.layoutPaths($0.object, fileName: $0.name) })
            for path in Self.layoutPaths(entry.object, fileName: entry.name) where !keep.contains(path) {
                let url = directory.appendingPathComponent(path)
                // Id-only paths hold the object's own bytes (maybe a slice): theirs by id.
                if path.hasPrefix("_id/") || (try? Self.sha1(Array(Data(contentsOf: url)))) == entry.checksum {
                    try? FileManager.default.removeItem(at: url)
                    Self.removeEmptyParents(of: url, below: directory)
                }
            }
        }
        return removed
    }

    /// Where an object lives in the store (the first path is the one listed).
    static func layoutPaths(_ object: DebugObject, fileName: String) -> [String] {
        var paths: [String] = []
        let debugName = Self.baseName(object.debugFile ?? fileName)
        if let debugId = object.debugId, !debugId.isZero {
            if object.format == "breakpad" {
                let symName = (debugName.lowercased().hasSuffix(".pdb") ? String(debugName.dropLast(4)) : debugName) + ".sym"
                paths.append("\(debugName)/\(debugId.breakpad)/\(symName)")
            } else if object.format == "pe" {
                // A PE is found by its code id; its debug id names the PDB, not this file.
            } else {
                paths.append("\(debugName)/\(debugId.breakpad)/\(debugName)")
                if object.format == "elf" || object.format == "macho" {
                    // By id alone, where the stack walk's store lookup finds native files whatever
                    // their name (BreakpadSymbolStore.nativePaths).
                    let role = object.kind == "debug" ? "debuginfo" : "executable"
                    paths.append("_id/\(debugId.breakpad)/\(role)")
                }
            }
        }
        if object.format == "pe", let codeId = object.codeId {
            paths.append("\(fileName)/\(codeId.value.uppercased())/\(fileName)")
        }
        return paths.filter { Self.isSafe($0) }
    }

    /// The last path component of a Windows or POSIX path.
    static func baseName(_ path: String) -> String {
        let last = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? path
        return last.isEmpty ? "unnamed" : last
    }

    static func isSafe(_ path: String) -> Bool {
        !path.split(separator: "/").contains { $0 == ".." || $0 == "." || $0.isEmpty } && !path.contains("\0")
    }

    static func removeEmptyParents(of url: URL, below root: URL) {
        var folder = url.deletingLastPathComponent()
        while folder.path.count > root.path.count,
              (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: folder)
            folder = folder.deletingLastPathComponent()
        }
    }
}

// MARK: The index and API tokens in the database

extension DataStore {
    static func features(_ text: String) -> DebugFeatures {
        var features: DebugFeatures = []
        for name in text.split(separator: ",") {
            switch name {
            case "symtab": features.insert(.symtab)
            case "debug": features.insert(.debug)
            case "unwind": features.insert(.unwind)
            case "sources": features.insert(.sources)
            default: break
            }
        }
        return features
    }

    static func debugFile(_ row: Row) -> SymbolStore.Entry {
        let debugIdText: String? = row["debug_id"]
        let codeIdText: String? = row["code_id"]
        let object = DebugObject(format: row["format"], kind: row["kind"], arch: row["arch"],
                                 debugId: debugIdText.flatMap(DebugId.init), codeId: codeIdText.flatMap(CodeId.init),
                                 debugFile: row["debug_file"], features: features(row["features"]))
        return SymbolStore.Entry(id: row["id"], projectId: row["project_id"], checksum: row["checksum"], name: row["name"],
                                 object: object, size: row["size"], uploadedAt: row["uploaded_at"], path: row["path"])
    }

    /// Indexes one object; an identical row (same project, bytes, arch and debug id) is
    /// returned as it is, not duplicated.
    func addDebugFile(projectId: Int64, checksum: String, name: String, object: DebugObject, size: Int,
                      path: String) throws -> (SymbolStore.Entry, created: Bool) {
        try pool.write { db in
            let debugId = object.debugId?.breakpad
            if let row = try Row.fetchOne(db, sql: """
                SELECT * FROM debug_files WHERE project_id = ? AND checksum = ? AND arch = ? AND debug_id IS ?
                """, arguments: [projectId, checksum, object.arch, debugId]) {
                return (Self.debugFile(row), false)
            }
            try db.execute(sql: """
                INSERT INTO debug_files (project_id, checksum, name, format, kind, arch, debug_id, code_id, debug_file,
                                         features, size, uploaded_at, path)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [projectId, checksum, name, object.format, object.kind, object.arch, debugId,
                                 object.codeId?.value, object.debugFile, object.features.names.joined(separator: ","),
                                 size, Date().timeIntervalSince1970, path])
            let row = try Row.fetchOne(db, sql: "SELECT * FROM debug_files WHERE id = ?", arguments: [db.lastInsertedRowID])!
            return (Self.debugFile(row), true)
        }
    }

    /// A project's debug files (all projects' when nil), newest first; `debugId` filters.
    public func debugFiles(projectId: Int64?, debugId: String? = nil) throws -> [SymbolStore.Entry] {
        try pool.read { db in
            var sql = "SELECT * FROM debug_files WHERE 1"
            var arguments: StatementArguments = []
            if let projectId { sql += " AND project_id = ?"; arguments += [projectId] }
            if let debugId { sql += " AND debug_id = ?"; arguments += [debugId] }
            return try Row.fetchAll(db, sql: sql + " ORDER BY uploaded_at DESC, id DESC", arguments: arguments).map(Self.debugFile)
        }
    }

    func debugFiles(checksum: String) throws -> [SymbolStore.Entry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM debug_files WHERE checksum = ?", arguments: [checksum]).map(Self.debugFile)
        }
    }

    /// Whether `project` already has a file with these bytes.
    public func hasDebugFile(projectId: Int64, checksum: String) throws -> [SymbolStore.Entry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM debug_files WHERE project_id = ? AND checksum = ?",
                             arguments: [projectId, checksum]).map(Self.debugFile)
        }
    }

    func removeDebugFiles(ids: [Int64], projectId: Int64?) throws -> [SymbolStore.Entry] {
        try pool.write { db in
            var removed: [SymbolStore.Entry] = []
            for id in ids {
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM debug_files WHERE id = ?", arguments: [id]) else { continue }
                let entry = Self.debugFile(row)
                if let projectId, entry.projectId != projectId { continue }
                try db.execute(sql: "DELETE FROM debug_files WHERE id = ?", arguments: [id])
                removed.append(entry)
            }
            return removed
        }
    }

    // MARK: API tokens

    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates an API token (Sentry's user-token form, `sntryu_` + 64 hex digits); only its
    /// hash is stored, so it is shown once.
    public func createAPIToken(name: String) throws -> String {
        let token = "sntryu_" + Self.randomHex(bytes: 32)
        try pool.write { db in
            try db.execute(sql: "INSERT INTO api_tokens (token_hash, name, created_at) VALUES (?, ?, ?)",
                           arguments: [Self.tokenHash(token), name, Date().timeIntervalSince1970])
        }
        return token
    }

    public func isAPIToken(_ token: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM api_tokens WHERE token_hash = ?", arguments: [Self.tokenHash(token)]) == true
        }
    }

    public func apiTokens() throws -> [(name: String, createdAt: Double)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, created_at FROM api_tokens ORDER BY created_at").map { ($0["name"], $0["created_at"]) }
        }
    }
}
