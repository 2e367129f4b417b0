import CrashpipeCore
import Foundation
import GRDB

/// The server's SQLite database (GRDB, WAL mode): organizations, projects and their keys,
/// events, groups, processing issues and settings. One file, `crashpipe.sqlite`, in the data
/// directory.
public final class DataStore: Sendable {
    public let pool: DatabasePool

    public struct Project: Sendable, Hashable, Codable {
        public var id: Int64
        public var organization: String
        public var slug: String
        public var name: String
        public var publicKey: String
        /// The pipeline file the project's events run through (nil: the built-in default).
        public var pipeline: String?
        /// Keep minidumps (in the data dir) after processing.
        public var keepMinidumps: Bool
        /// Keep the upload's other file parts (attachments); otherwise they are dropped on receipt.
        public var keepAttachments: Bool
    }

    public struct Group: Sendable, Hashable {
        public var id: Int64
        public var projectId: Int64
        public var hash: String
        public var title: String
        public var level: String
        public var count: Int
        public var firstSeen: Double
        public var lastSeen: Double
    }

    public struct ProcessingIssue: Sendable, Hashable {
        public var module: String
        public var debugId: String
        public var codeId: String?
        public var events: Int
        public var firstSeen: Double
        public var lastSeen: Double
    }

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE organizations (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
                CREATE TABLE projects (
                    id INTEGER PRIMARY KEY,
                    organization_id INTEGER NOT NULL REFERENCES organizations(id),
                    slug TEXT NOT NULL, name TEXT NOT NULL,
                    public_key TEXT NOT NULL UNIQUE,
                    pipeline TEXT, keep_minidumps INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    UNIQUE (organization_id, slug));
                CREATE TABLE groups (
                    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),
                    hash TEXT NOT NULL, title TEXT NOT NULL, level TEXT NOT NULL,
                    count INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
                    UNIQUE (project_id, hash));
                CREATE TABLE events (
                    event_id TEXT PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),
                    group_id INTEGER REFERENCES groups(id), received_at REAL NOT NULL,
                    title TEXT NOT NULL, body BLOB NOT NULL);
                CREATE INDEX events_by_group ON events (group_id, received_at);
                CREATE TABLE processing_issues (
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    module TEXT NOT NULL, debug_id TEXT NOT NULL, code_id TEXT,
                    events INTEGER NOT NULL, first_seen REAL NOT NULL, last_seen REAL NOT NULL,
                    resolved_at REAL,
                    PRIMARY KEY (project_id, debug_id, module));
                CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2: keep_attachments") { db in
            try db.execute(sql: "ALTER TABLE projects ADD COLUMN keep_attachments INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v3: debug files and API tokens") { db in
            try db.execute(sql: """
                CREATE TABLE debug_files (
                    id INTEGER PRIMARY KEY,
                    project_id INTEGER NOT NULL REFERENCES projects(id),
                    checksum TEXT NOT NULL,
                    name TEXT NOT NULL, format TEXT NOT NULL, kind TEXT, arch TEXT NOT NULL,
                    debug_id TEXT, code_id TEXT, debug_file TEXT, features TEXT NOT NULL,
                    size INTEGER NOT NULL, uploaded_at REAL NOT NULL, path TEXT NOT NULL,
                    UNIQUE (project_id, checksum, arch, debug_id));
                CREATE INDEX debug_files_by_debug_id ON debug_files (debug_id);
                CREATE INDEX debug_files_by_checksum ON debug_files (checksum);
                CREATE TABLE api_tokens (
                    token_hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL);
                """)
        }
        return migrator
    }

    // MARK: Settings

    /// The admin API token, created on first use.
    public func adminToken(creating: () -> String) throws -> (token: String, created: Bool) {
        try pool.write { db in
            if let token = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'admin_token'") {
                return (token, false)
            }
            let token = creating()
            try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('admin_token', ?)", arguments: [token])
            return (token, true)
        }
    }

    // MARK: Projects

    public static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    public func createProject(name: String, organization: String = "crashpipe", pipeline: String? = nil,
                              keepMinidumps: Bool = false, keepAttachments: Bool = false) throws -> Project {
        let slug = Self.slug(name)
        guard !slug.isEmpty else { throw StoreError(message: "a project name needs a letter or digit: '\(name)'") }
        return try pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO organizations (slug, name) VALUES (?, ?)",
                           arguments: [organization, organization])
            let orgId = try Int64.fetchOne(db, sql: "SELECT id FROM organizations WHERE slug = ?", arguments: [organization])!
            if try Int64.fetchOne(db, sql: "SELECT id FROM projects WHERE organization_id = ? AND slug = ?",
                                  arguments: [orgId, slug]) != nil {
                throw StoreError(message: "project '\(slug)' already exists in organization '\(organization)'")
            }
            let key = Self.randomHex(bytes: 16)
            try db.execute(sql: """
                INSERT INTO projects (organization_id, slug, name, public_key, pipeline, keep_minidumps, keep_attachments,
                                      created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [orgId, slug, name, key, pipeline, keepMinidumps, keepAttachments, Date().timeIntervalSince1970])
            return Project(id: db.lastInsertedRowID, organization: organization, slug: slug, name: name,
                           publicKey: key, pipeline: pipeline, keepMinidumps: keepMinidumps, keepAttachments: keepAttachments)
        }
    }

    static func slug(_ name: String) -> String {
        var out = ""
        for c in name.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        return String(out.trimmingCharacters(in: CharacterSet(charactersIn: "-")))
    }

    private static let projectColumns = """
        SELECT p.id, o.slug AS org, p.slug, p.name, p.public_key, p.pipeline, p.keep_minidumps, p.keep_attachments
        FROM projects p JOIN organizations o ON o.id = p.organization_id
        """

    private static func project(_ row: Row) -> Project {
        Project(id: row["id"], organization: row["org"], slug: row["slug"], name: row["name"],
                publicKey: row["public_key"], pipeline: row["pipeline"], keepMinidumps: row["keep_minidumps"],
                keepAttachments: row["keep_attachments"])
    }

    public func projects() throws -> [Project] {
        try pool.read { db in try Row.fetchAll(db, sql: Self.projectColumns + " ORDER BY p.id").map(Self.project) }
    }

    public func project(id: Int64) throws -> Project? {
        try pool.read { db in try Row.fetchOne(db, sql: Self.projectColumns + " WHERE p.id = ?", arguments: [id]).map(Self.project) }
    }

    /// A project by numeric id or slug.
    public func project(idOrSlug: String) throws -> Project? {
        if let id = Int64(idOrSlug) { return try project(id: id) }
        return try pool.read { db in
            try Row.fetchOne(db, sql: Self.projectColumns + " WHERE p.slug = ?", arguments: [idOrSlug]).map(Self.project)
        }
    }

    /// A project by organization slug and project slug (or id), as Sentry's API paths name it.
    public func project(organization: String, slug: String) throws -> Project? {
        try pool.read { db in
            try Row.fetchOne(db, sql: Self.projectColumns + " WHERE o.slug = ? AND (p.slug = ? OR CAST(p.id AS TEXT) = ?)",
                             arguments: [organization, slug, slug]).map(Self.project)
        }
    }

    public func organizationExists(_ slug: String) throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM organizations WHERE slug = ?", arguments: [slug]) == true }
    }

    public func project(publicKey: String) throws -> Project? {
        try pool.read { db in
            try Row.fetchOne(db, sql: Self.projectColumns + " WHERE p.public_key = ?", arguments: [publicKey]).map(Self.project)
        }
    }

    // MARK: Events, groups, processing issues

    /// A missing debug file an event needed.
    public struct MissingFile: Sendable, Hashable {
        public var module: String
        public var debugId: String
        public var codeId: String?
        public init(module: String, debugId: String, codeId: String?) {
            self.module = module
            self.debugId = debugId
            self.codeId = codeId
        }
    }

    /// Stores an event with its group and processing issues in one transaction. Storing the
    /// same event id twice (a reprocessed spool entry) is a no-op, so a crash between storing
    /// and deleting the spool file never counts an event twice.
    @discardableResult
    public func store(eventId: String, projectId: Int64, receivedAt: Double, title: String, level: String,
                      groupHash: String, body: Data, missing: [MissingFile]) throws -> Int64? {
        try pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM events WHERE event_id = ?", arguments: [eventId]) == true {
                return nil
            }
            try db.execute(sql: """
                INSERT INTO groups (project_id, hash, title, level, count, first_seen, last_seen)
                VALUES (?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (project_id, hash) DO UPDATE SET
                    count = count + 1,
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen),
                    level = excluded.level
                """, arguments: [projectId, groupHash, title, level, receivedAt, receivedAt])
            let groupId = try Int64.fetchOne(db, sql: "SELECT id FROM groups WHERE project_id = ? AND hash = ?",
                                             arguments: [projectId, groupHash])!
            try db.execute(sql: """
                INSERT INTO events (event_id, project_id, group_id, received_at, title, body) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [eventId, projectId, groupId, receivedAt, title, body])
            for file in missing {
                try db.execute(sql: """
                    INSERT INTO processing_issues (project_id, module, debug_id, code_id, events, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, 1, ?, ?)
                    ON CONFLICT (project_id, debug_id, module) DO UPDATE SET
                        events = events + 1, last_seen = max(last_seen, excluded.last_seen),
                        code_id = coalesce(processing_issues.code_id, excluded.code_id),
                        resolved_at = NULL
                    """, arguments: [projectId, file.module, file.debugId, file.codeId, receivedAt, receivedAt])
            }
            return groupId
        }
    }

    public func eventCount(projectId: Int64? = nil) throws -> Int {
        try pool.read { db in
            if let projectId {
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE project_id = ?", arguments: [projectId]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0
        }
    }

    public func event(projectId: Int64, eventId: String) throws -> Data? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM events WHERE project_id = ? AND event_id = ?",
                              arguments: [projectId, eventId])
        }
    }

    public func groups(projectId: Int64) throws -> [Group] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM groups WHERE project_id = ? ORDER BY last_seen DESC, id",
                             arguments: [projectId]).map(Self.group)
        }
    }

    public func group(id: Int64) throws -> Group? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM groups WHERE id = ?", arguments: [id]).map(Self.group) }
    }

    private static func group(_ row: Row) -> Group {
        Group(id: row["id"], projectId: row["project_id"], hash: row["hash"], title: row["title"], level: row["level"],
              count: row["count"], firstSeen: row["first_seen"], lastSeen: row["last_seen"])
    }

    /// The event bodies of a group, newest first.
    public func events(groupId: Int64, limit: Int = 100) throws -> [Data] {
        try pool.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM events WHERE group_id = ? ORDER BY received_at DESC LIMIT ?",
                              arguments: [groupId, limit])
        }
    }

    /// Open processing issues of a project.
    public func processingIssues(projectId: Int64) throws -> [ProcessingIssue] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM processing_issues WHERE project_id = ? AND resolved_at IS NULL ORDER BY last_seen DESC, module
                """, arguments: [projectId]).map {
                ProcessingIssue(module: $0["module"], debugId: $0["debug_id"], codeId: $0["code_id"], events: $0["events"],
                                firstSeen: $0["first_seen"], lastSeen: $0["last_seen"])
            }
        }
    }

    /// Marks the issues for `debugId` resolved (a matching symbol file arrived). Returns how
    /// many rows it resolved.
    @discardableResult
    public func resolveProcessingIssues(debugId: String, module: String? = nil) throws -> Int {
        try pool.write { db in
            if let module {
                try db.execute(sql: """
                    UPDATE processing_issues SET resolved_at = ? WHERE debug_id = ? AND module = ? AND resolved_at IS NULL
                    """, arguments: [Date().timeIntervalSince1970, debugId, module])
            } else {
                try db.execute(sql: "UPDATE processing_issues SET resolved_at = ? WHERE debug_id = ? AND resolved_at IS NULL",
                               arguments: [Date().timeIntervalSince1970, debugId])
            }
            return db.changesCount
        }
    }

    /// Open processing issues of every project (for resolving against the symbol store).
    public func openIssueKeys() throws -> [(module: String, debugId: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT module, debug_id FROM processing_issues WHERE resolved_at IS NULL")
                .map { ($0["module"], $0["debug_id"]) }
        }
    }
}

public struct StoreError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
