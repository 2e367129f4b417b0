import CrashpipeCore

/// The size and nesting limits of one upload (INGEST.md, "Limits"). Sizes are bytes.
public struct IngestLimits: Sendable, Hashable {
    /// The request body as received, before its `Content-Encoding` is undone (whatever that
    /// encoding is, `identity` too). Default 40 MiB. The HTTP layer should refuse a larger
    /// `Content-Length` with the same number before buffering the body.
    public var requestCompressed: Int
    /// The request body after its `Content-Encoding` is undone. Default 200 MiB.
    public var requestDecompressed: Int
    /// Each multipart part (the minidump, attachments and plain fields alike), a raw minidump
    /// body, and the minidump after its gzip/xz/bzip2/zstd container is undone. Default 100 MiB.
    public var file: Int
    /// The most bracket keys a `sentry[a][b]...` field may have. Default 15, as Sentry's relay:
    /// a 16th level is rejected with 400.
    public var maxDepth: Int
    /// The deepest nesting of arrays and objects accepted in a `sentry`, `sentry___<ns>` or
    /// chunked `sentry__<n>` JSON document; a deeper one is treated as invalid JSON (ignored and
    /// noted). Default 64.
    public var jsonMaxDepth: Int

    public init(requestCompressed: Int = 40 << 20, requestDecompressed: Int = 200 << 20, file: Int = 100 << 20,
                maxDepth: Int = 15, jsonMaxDepth: Int = 64) {
        self.requestCompressed = requestCompressed
        self.requestDecompressed = requestDecompressed
        self.file = file
        self.maxDepth = maxDepth
        self.jsonMaxDepth = jsonMaxDepth
    }

    public static let `default` = IngestLimits()
}

/// What the HTTP layer hands over: two headers and the body as received.
public struct IngestRequest: Sendable {
    /// The `Content-Type` header; nil when absent (the body is then taken as a raw minidump,
    /// application/octet-stream being HTTP's default for an untyped body).
    public var contentType: String?
    /// The `Content-Encoding` header; nil or empty means identity. A list (`gzip, br`) is undone
    /// from the last coding to the first.
    public var contentEncoding: String?
    /// The body as received.
    public var body: [UInt8]

    public init(contentType: String?, contentEncoding: String? = nil, body: [UInt8]) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.body = body
    }
}

/// A file part other than the minidump, with its bytes.
public struct IngestedAttachment: Sendable, Hashable {
    /// Field name, file name, part content type and size.
    public var info: Submission.Attachment
    public var bytes: [UInt8]

    public init(info: Submission.Attachment, bytes: [UInt8]) {
        self.info = info
        self.bytes = bytes
    }
}

/// A decoded upload: the minidump and what came with it.
public struct IngestedUpload: Sendable {
    /// How the minidump arrived.
    public enum BodyForm: String, Sendable, Hashable {
        /// `multipart/form-data` with the dump in `upload_file_minidump`.
        case multipart
        /// `multipart/form-data` whose `upload_file_minidump` part is itself a multipart body.
        case nestedMultipart
        /// The body is the minidump (`application/octet-stream`, `application/x-dmp`, or no
        /// Content-Type).
        case raw
    }

    /// The minidump, decompressed; it starts with `MDMP` or `PMDM`. Nothing past the magic
    /// has been checked.
    public var minidump: [UInt8]
    /// Whether the dump is big endian (`PMDM`).
    public var isBigEndian: Bool
    /// Form fields without a file name, in upload order, as strings (`extra.<field>`):
    /// Crashpad's annotations (`prod`, `ver`, `guid`, `ptype`, ...) among them.
    public var extra: JSONObject
    /// The event data merged from the `sentry` fields (see `Ingest` for the order).
    public var event: JSONObject
    /// File parts other than the minidump, in upload order.
    public var attachments: [IngestedAttachment]
    /// What was wrong with the upload without stopping it (invalid `sentry` JSON, a repeated
    /// field, ...), for the event's `errors`.
    public var problems: [String]
    public var bodyForm: BodyForm
    /// The request's content codings that were undone, as listed in `Content-Encoding`.
    public var contentEncodings: [IngestCompression]
    /// The container the minidump came in (nil when it was plain).
    public var minidumpContainer: IngestCompression?
    /// The minidump part's file name (multipart uploads).
    public var minidumpFileName: String?

    public init(minidump: [UInt8], isBigEndian: Bool, extra: JSONObject = JSONObject(), event: JSONObject = JSONObject(),
                attachments: [IngestedAttachment] = [], problems: [String] = [], bodyForm: BodyForm,
                contentEncodings: [IngestCompression] = [], minidumpContainer: IngestCompression? = nil,
                minidumpFileName: String? = nil) {
        self.minidump = minidump
        self.isBigEndian = isBigEndian
        self.extra = extra
        self.event = event
        self.attachments = attachments
        self.problems = problems
        self.bodyForm = bodyForm
        self.contentEncodings = contentEncodings
        self.minidumpContainer = minidumpContainer
        self.minidumpFileName = minidumpFileName
    }

    /// The upload's `Submission` for the pipeline (the attachments' bytes stay here).
    public func submission(eventId: String, projectId: Int64? = nil, receivedAt: Double) -> Submission {
        Submission(eventId: eventId, projectId: projectId, receivedAt: receivedAt, extra: extra, event: event,
                   attachments: attachments.map(\.info), problems: problems)
    }
}

/// Why an upload was refused: an HTTP status (400, 413 or 415) and a detail that says what and
/// where, for the JSON error body `{"detail": "...", "causes": [...]}`.
public struct IngestError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        /// 413: the body as received is larger than `requestCompressed`.
        case requestTooLarge
        /// 413: the body after its Content-Encoding is larger than `requestDecompressed`.
        case decompressedRequestTooLarge
        /// 413: a part, a raw minidump or an unpacked minidump container is larger than `file`.
        case fileTooLarge
        /// 415: a Content-Type other than multipart/form-data, application/octet-stream, application/x-dmp.
        case unsupportedContentType
        /// 415: a Content-Encoding other than gzip, deflate, br, zstd, identity.
        case unsupportedContentEncoding
        /// 400: the Content-Type cannot be used (multipart without a usable boundary).
        case badContentType
        /// 400: the body does not decode with its Content-Encoding.
        case brokenContentEncoding
        /// 400: the multipart body does not parse.
        case malformedMultipart
        /// 400: no `upload_file_minidump` part, or an empty minidump.
        case missingMinidump
        /// 400: the minidump's gzip/xz/bzip2/zstd container does not decode.
        case brokenContainer
        /// 400: the minidump does not start with `MDMP` or `PMDM`.
        case notAMinidump
        /// 400: a `sentry[...]` field nests deeper than `maxDepth`.
        case nestingTooDeep
        /// 413: a decompressor could not get the memory for output within the limits (the
        /// limits are set higher than this machine can hold).
        case outOfMemory
    }

    /// 400, 413 or 415.
    public var status: Int
    public var reason: Reason
    /// What was refused and where, in one sentence.
    public var detail: String
    /// Underlying causes, innermost last (a library's own message, the limit that applied).
    public var causes: [String]

    public init(_ reason: Reason, _ detail: String, causes: [String] = []) {
        self.reason = reason
        self.detail = detail
        self.causes = causes
        switch reason {
        case .requestTooLarge, .decompressedRequestTooLarge, .fileTooLarge, .outOfMemory: status = 413
        case .unsupportedContentType, .unsupportedContentEncoding: status = 415
        default: status = 400
        }
    }

    /// The JSON error body: `{"detail":"...","causes":[...]}`.
    public var jsonBody: String {
        StrictJSON.serialize(.object(JSONObject([("detail", .string(detail)),
                                                 ("causes", .array(causes.map { .string($0) }))])))
    }

    public var description: String {
        "\(status) \(detail)" + (causes.isEmpty ? "" : " (" + causes.joined(separator: "; ") + ")")
    }
}
