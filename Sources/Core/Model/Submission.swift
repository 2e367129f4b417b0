/// What came with a crash besides the dump itself: the upload's form fields and the event
/// data the client sent (Sentry's `sentry` field and its variants). Set by whoever receives
/// the upload (the server); stages read it (scrubbers clean it, the event builder copies it).
public struct Submission: Sendable, Codable, Hashable {
    /// The event id answered to the client (32 lower-case hex digits, no dashes).
    public var eventId: String
    /// The project the upload belongs to.
    public var projectId: Int64?
    /// Seconds since the Unix epoch when the upload was accepted.
    public var receivedAt: Double
    /// Form fields without a file name, in upload order (`extra.<field>`): Crashpad's
    /// annotations (`prod`, `ver`, `guid`, `ptype`) arrive this way.
    public var extra: JSONObject
    /// The merged `sentry` data (release, environment, tags, user, contexts, fingerprint, ...).
    public var event: JSONObject
    /// Other file parts: name, file name and size (kept only if the project keeps attachments).
    public var attachments: [Attachment]
    /// Problems with what the client sent that did not stop the upload ("invalid `sentry`
    /// JSON"), shown as the event's `errors`.
    public var problems: [String]

    public struct Attachment: Sendable, Codable, Hashable {
        public var field: String
        public var fileName: String?
        public var contentType: String?
        public var size: Int
        public init(field: String, fileName: String?, contentType: String?, size: Int) {
            self.field = field
            self.fileName = fileName
            self.contentType = contentType
            self.size = size
        }
    }

    public init(eventId: String, projectId: Int64? = nil, receivedAt: Double, extra: JSONObject = JSONObject(),
                event: JSONObject = JSONObject(), attachments: [Attachment] = [], problems: [String] = []) {
        self.eventId = eventId
        self.projectId = projectId
        self.receivedAt = receivedAt
        self.extra = extra
        self.event = event
        self.attachments = attachments
        self.problems = problems
    }
}

/// How a crash is grouped: a signature from the crashing thread's meaningful frames (set by a
/// `signature` stage), or the client's fingerprint.
public struct CrashSignature: Sendable, Codable, Hashable {
    /// The human-readable signature (`foo | bar | baz`).
    public var title: String
    /// The normalized frames it was built from, innermost first.
    public var frames: [String]
    /// The grouping key: a hash of the frames or of the client's fingerprint.
    public var hash: String
    /// Whether the client's `fingerprint` decided the group.
    public var fromFingerprint: Bool

    public init(title: String, frames: [String], hash: String, fromFingerprint: Bool = false) {
        self.title = title
        self.frames = frames
        self.hash = hash
        self.fromFingerprint = fromFingerprint
    }
}
