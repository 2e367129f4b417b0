import CrashpipeCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Accepted uploads waiting to be processed, as files in `<data-dir>/spool/`: the decoded
/// minidump (`<event-id>.dmp`) and its submission (`<event-id>.json`). Both are written to a
/// temporary name, flushed to disk and renamed, the JSON last, before the client gets its 200;
/// a worker only picks up entries whose JSON exists. After a crash, a restart finds every
/// acknowledged upload here.
public struct Spool: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Leftovers of writes that never finished were never acknowledged.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    public struct Entry: Sendable {
        public var submission: Submission
        public var minidump: [UInt8]
    }

    /// Writes an entry durably.
    public func put(_ submission: Submission, minidump: [UInt8]) throws {
        let id = submission.eventId
        try Self.writeDurably(minidump, to: directory.appendingPathComponent(id + ".dmp"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Self.writeDurably(Array(try encoder.encode(submission)), to: directory.appendingPathComponent(id + ".json"))
        Self.syncDirectory(directory)
    }

    /// Event ids waiting, oldest first.
    public func pending() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let ids = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        func modified(_ id: String) -> Date {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(id + ".json").path)
            return attributes?[.modificationDate] as? Date ?? .distantPast
        }
        return ids.map { ($0, modified($0)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
    }

    public func read(_ id: String) throws -> Entry {
        let json = try Data(contentsOf: directory.appendingPathComponent(id + ".json"))
        let submission = try JSONDecoder().decode(Submission.self, from: json)
        let dump = try Data(contentsOf: directory.appendingPathComponent(id + ".dmp"))
        return Entry(submission: submission, minidump: Array(dump))
    }

    /// Removes an entry once its event is stored; with `keepIn`, the minidump moves there.
    public func remove(_ id: String, keepIn: URL? = nil) {
        let dump = directory.appendingPathComponent(id + ".dmp")
        if let keepIn {
            try? FileManager.default.createDirectory(at: keepIn, withIntermediateDirectories: true)
            try? FileManager.default.moveItem(at: dump, to: keepIn.appendingPathComponent(id + ".dmp"))
        }
        // The JSON goes first: without it the entry is no longer pending.
        try? FileManager.default.removeItem(at: directory.appendingPathComponent(id + ".json"))
        try? FileManager.default.removeItem(at: dump)
    }

    static func writeDurably(_ bytes: [UInt8], to url: URL) throws {
        let temporary = url.path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw StoreError(message: "cannot create \(temporary): errno \(errno)") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok else {
            unlink(temporary)
            throw StoreError(message: "cannot write \(temporary): errno \(errno)")
        }
        guard rename(temporary, url.path) == 0 else { throw StoreError(message: "cannot rename \(temporary): errno \(errno)") }
    }

    static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// Attachments of projects that keep them: `<data-dir>/attachments/<event-id>/<n>` holds the
/// bytes of the n-th file part and `index.json` lists them (field, file name, type, size).
/// Written durably before the upload is acknowledged, like the spool.
public struct AttachmentStore: Sendable {
    public let directory: URL

    public struct Stored: Sendable, Codable, Hashable {
        public var id: Int
        public var field: String
        public var fileName: String?
        public var contentType: String?
        public var size: Int
    }

    public init(directory: URL) {
        self.directory = directory
    }

    public func put(eventId: String, _ attachments: [(info: Submission.Attachment, bytes: [UInt8])]) throws {
        guard !attachments.isEmpty else { return }
        let folder = directory.appendingPathComponent(eventId)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var index: [Stored] = []
        for (n, attachment) in attachments.enumerated() {
            try Spool.writeDurably(attachment.bytes, to: folder.appendingPathComponent(String(n)))
            index.append(Stored(id: n, field: attachment.info.field, fileName: attachment.info.fileName,
                                contentType: attachment.info.contentType, size: attachment.bytes.count))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Spool.writeDurably(Array(try encoder.encode(index)), to: folder.appendingPathComponent("index.json"))
        Spool.syncDirectory(folder)
        Spool.syncDirectory(directory)
    }

    /// The attachments kept for an event (empty when none were kept).
    public func list(eventId: String) -> [Stored] {
        guard eventId.allSatisfy(\.isHexDigit),
              let data = try? Data(contentsOf: directory.appendingPathComponent(eventId).appendingPathComponent("index.json")) else {
            return []
        }
        return (try? JSONDecoder().decode([Stored].self, from: data)) ?? []
    }

    public func bytes(eventId: String, id: Int) -> Data? {
        guard eventId.allSatisfy(\.isHexDigit), list(eventId: eventId).contains(where: { $0.id == id }) else { return nil }
        return try? Data(contentsOf: directory.appendingPathComponent(eventId).appendingPathComponent(String(id)))
    }
}
