import CrashpipeCore

/// One part of a multipart form, for endpoints other than the minidump upload (debug-file and
/// chunk uploads).
public struct IngestedFormPart: Sendable, Hashable {
    public var name: String?
    public var fileName: String?
    public var contentType: String?
    public var body: [UInt8]
}

extension Ingest {
    /// Decodes a `multipart/form-data` request into its parts: the request size limits, the
    /// `Content-Encoding` and the part size limit apply as for minidump uploads.
    public static func decodeForm(_ request: IngestRequest, limits: IngestLimits = .default)
        throws(IngestError) -> [IngestedFormPart]
    {
        if request.body.count > limits.requestCompressed {
            throw IngestError(.requestTooLarge,
                              "the request body is \(Render.size(request.body.count)), more than the limit of \(Render.size(limits.requestCompressed))")
        }
        let (body, _) = try undoContentEncoding(request.body, header: request.contentEncoding, limits: limits)
        let mediaType = HeaderValues.parameterized(request.contentType ?? "")
        guard mediaType.value == "multipart/form-data" else {
            throw IngestError(.unsupportedContentType,
                              "unsupported Content-Type \(Render.name(request.contentType ?? "")): send multipart/form-data")
        }
        guard let boundary = mediaType.parameter("boundary"), HeaderValues.isUsableBoundary(boundary) else {
            throw IngestError(.badContentType, "Content-Type multipart/form-data has no usable boundary parameter")
        }
        return try MultipartForm.parse(body, boundary: boundary, partLimit: limits.file, nested: false, what: "the request body")
            .map { IngestedFormPart(name: $0.name, fileName: $0.fileName, contentType: $0.contentType, body: $0.body) }
    }

    /// Undoes a gzip container (as sentry-cli sends compressed chunks), producing at most
    /// `maxOutput` bytes. The message says what is wrong and where.
    public static func gunzip(_ bytes: [UInt8], maxOutput: Int, what: String) throws(IngestError) -> [UInt8] {
        do {
            return try Decompression.decompress(bytes, codec: .gzip, maxOutput: maxOutput)
        } catch {
            if error.kind == .tooBig {
                throw IngestError(.fileTooLarge, "\(what) decompresses to more than \(Render.size(maxOutput))")
            }
            throw IngestError(.brokenContainer, "\(what) is not valid gzip data: \(failureSentence(error, total: bytes.count))")
        }
    }
}
