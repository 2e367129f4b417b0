import CrashpipeCore

/// Turns a minidump upload request into the minidump and its event data, per the Sentry minidump
/// protocol (`docs/INGEST.md`, "Endpoint" and "Form fields"). Pure: no I/O, no HTTP; auth and
/// routing are the server's.
///
/// The steps, each refusing with a clear `IngestError`:
/// 1. The body as received must fit `requestCompressed` (413).
/// 2. `Content-Encoding` (`gzip`/`x-gzip`, `deflate` with or without the zlib wrapper, `br`,
///    `zstd`, `identity`, or a list of them, undone last to first) is undone within
///    `requestDecompressed` (413 as soon as the output passes it); an unknown coding is 415, a
///    body that does not decode is 400.
/// 3. `Content-Type`: `multipart/form-data; boundary=...` (the dump in the part
///    `upload_file_minidump`, 400 if missing), `application/octet-stream`, `application/x-dmp`
///    or none (the body is the dump); anything else is 415. Each part must fit `file` (413).
/// 4. A minidump part whose first line is `--<boundary>` is a nested multipart body: its own
///    `upload_file_minidump` part is the dump, its other parts follow the outer ones.
/// 5. A dump starting with the gzip, xz, bzip2 or zstd magic is unpacked within `file` (413);
///    a broken container is 400.
/// 6. The dump must start with `MDMP` (little endian) or `PMDM` (big endian), else 400.
///
/// The other parts become `extra`, `event` and attachments as `FormFields` documents, including
/// which source wins when two set the same key.
public enum Ingest {
    /// The form field that holds the minidump.
    public static let minidumpField = "upload_file_minidump"

    public static func decode(_ request: IngestRequest, limits: IngestLimits = .default) throws(IngestError) -> IngestedUpload {
        if request.body.count > limits.requestCompressed {
            throw IngestError(.requestTooLarge,
                              "the request body is \(Render.size(request.body.count)), more than the limit of \(Render.size(limits.requestCompressed))")
        }
        let (body, encodings) = try undoContentEncoding(request.body, header: request.contentEncoding, limits: limits)

        let mediaType = HeaderValues.parameterized(request.contentType ?? "")
        switch mediaType.value {
        case "", "application/octet-stream", "application/x-dmp":
            if body.count > limits.file {
                throw IngestError(.fileTooLarge,
                                  "the minidump (the raw request body) is \(Render.size(body.count)), more than the per-file limit of \(Render.size(limits.file))")
            }
            if body.isEmpty {
                throw IngestError(.missingMinidump, "the request body is empty: there is no minidump")
            }
            let dump = try unpack(body, what: "the minidump (the raw request body)", limits: limits)
            return IngestedUpload(minidump: dump.bytes, isBigEndian: dump.bigEndian, bodyForm: .raw,
                                  contentEncodings: encodings, minidumpContainer: dump.container)
        case "multipart/form-data":
            return try decodeMultipart(body, mediaType: mediaType, encodings: encodings, limits: limits)
        default:
            throw IngestError(.unsupportedContentType,
                              "unsupported Content-Type \(Render.name(request.contentType ?? "")): send multipart/form-data "
                                  + "with the minidump in the `upload_file_minidump` part, or the minidump itself as application/octet-stream or application/x-dmp")
        }
    }

    // MARK: Content-Encoding

    static func undoContentEncoding(_ body: [UInt8], header: String?, limits: IngestLimits)
        throws(IngestError) -> ([UInt8], [IngestCompression])
    {
        let codings = (header ?? "").split(separator: ",").map { String($0).trimmingSpaces().lowercased() }.filter { !$0.isEmpty }
        var plan: [String] = []
        for coding in codings {
            switch coding {
            case "identity": continue
            case "gzip", "x-gzip", "deflate", "br", "zstd": plan.append(coding)
            default:
                throw IngestError(.unsupportedContentEncoding,
                                  "unsupported Content-Encoding \(Render.name(coding)): supported are gzip, deflate, br, zstd and identity")
            }
        }
        var body = body
        var undone: [IngestCompression] = []
        for (step, coding) in plan.enumerated().reversed() {
            let compression: IngestCompression
            switch coding {
            case "gzip", "x-gzip": compression = .gzip
            case "br": compression = .brotli
            case "zstd": compression = .zstd
            default: compression = looksLikeZlib(body) ? .zlib : .deflate
            }
            let what = plan.count > 1 ? "the request body (Content-Encoding \(coding), coding \(step + 1) of \(plan.count))"
                                      : "the request body (Content-Encoding \(coding))"
            do {
                body = try Decompression.decompress(body, codec: compression.codec, maxOutput: limits.requestDecompressed)
            } catch {
                switch error.kind {
                case .tooBig:
                    throw IngestError(.decompressedRequestTooLarge,
                                      "\(what) decompresses to more than the limit of \(Render.size(limits.requestDecompressed)); decompression stopped there",
                                      causes: ["\(Render.size(body.count)) as received"])
                case .noMemory:
                    throw IngestError(.outOfMemory, "\(what) could not be decompressed: \(error.message)")
                default:
                    throw IngestError(.brokenContentEncoding, "\(what) is not valid \(compression.displayName) data: \(failureSentence(error, total: body.count))",
                                      causes: [error.message])
                }
            }
            undone.insert(compression, at: 0)
        }
        if body.count > limits.requestDecompressed {
            throw IngestError(.decompressedRequestTooLarge,
                              "the request body is \(Render.size(body.count)), more than the limit of \(Render.size(limits.requestDecompressed))")
        }
        return (body, undone)
    }

    /// RFC 1950's header: compression method 8, a window of at most 32 KiB, and a check value
    /// that makes the first two bytes a multiple of 31. Raw deflate data rarely passes it.
    static func looksLikeZlib(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        let cmf = bytes[0], flg = bytes[1]
        return cmf & 0x0F == 8 && cmf >> 4 <= 7 && (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0
    }

    static func failureSentence(_ failure: DecompressionError, total: Int) -> String {
        switch failure.kind {
        case .truncated:
            return "it ends (after all \(Render.size(total))) before the end of the compressed stream"
        case .trailing:
            return "\(Render.size(total - failure.inputOffset)) of other data follow the end of the compressed stream at byte \(failure.inputOffset)"
        default:
            return "\(failure.message), at or shortly before byte \(failure.inputOffset) of \(Render.size(total))"
        }
    }

    // MARK: multipart

    static func decodeMultipart(_ body: [UInt8], mediaType: HeaderValues.Parameterized, encodings: [IngestCompression],
                                limits: IngestLimits) throws(IngestError) -> IngestedUpload {
        guard let boundary = mediaType.parameter("boundary") else {
            throw IngestError(.badContentType, "Content-Type multipart/form-data has no boundary parameter")
        }
        guard HeaderValues.isUsableBoundary(boundary) else {
            throw IngestError(.badContentType,
                              "the multipart boundary \(Render.name(boundary)) is not usable: it must be 1 to 200 printable ASCII characters")
        }
        var parts = try MultipartForm.parse(body, boundary: boundary, partLimit: limits.file, nested: false, what: "the request body")
        var problems: [String] = []
        guard let dumpIndex = parts.firstIndex(where: { $0.name == minidumpField }) else {
            let names = parts.map { $0.name.map { Render.name($0, limit: 40) } ?? "(unnamed)" }
            throw IngestError(.missingMinidump, "the multipart body has no `\(minidumpField)` part",
                              causes: [parts.isEmpty ? "it has no parts"
                                  : "its \(parts.count) part(s): " + names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", …" : "")])
        }
        let dumpPart = parts.remove(at: dumpIndex)
        for extra in parts where extra.name == minidumpField {
            problems.append("\(extra.label) is another `\(minidumpField)`; the first one (\(dumpPart.label)) is the minidump, this one is kept as an attachment")
        }
        var dump = dumpPart.body
        var what = "the minidump (\(dumpPart.label))"
        var form = IngestedUpload.BodyForm.multipart
        var fileName = dumpPart.fileName

        if let nestedBoundary = MultipartForm.nestedBoundary(dump) {
            guard HeaderValues.isUsableBoundary(nestedBoundary) else {
                throw IngestError(.malformedMultipart,
                                  "\(dumpPart.label) looks like a nested multipart body, but its boundary \(Render.name(nestedBoundary)) is not usable")
            }
            var inner = try MultipartForm.parse(dump, boundary: nestedBoundary, partLimit: limits.file, nested: true,
                                                what: "the nested multipart body in \(dumpPart.label)")
            guard let innerIndex = inner.firstIndex(where: { $0.name == minidumpField }) else {
                throw IngestError(.missingMinidump,
                                  "\(dumpPart.label) is a nested multipart body without its own `\(minidumpField)` part",
                                  causes: ["its \(inner.count) part(s): " + inner.prefix(20).map { $0.name.map { Render.name($0, limit: 40) } ?? "(unnamed)" }.joined(separator: ", ")])
            }
            let innerDump = inner.remove(at: innerIndex)
            for extra in inner where extra.name == minidumpField {
                problems.append("\(extra.label) is another `\(minidumpField)`; the first one is the minidump, this one is kept as an attachment")
            }
            dump = innerDump.body
            what = "the minidump (\(innerDump.label) of \(dumpPart.label))"
            form = .nestedMultipart
            fileName = innerDump.fileName ?? fileName
            parts += inner
        }

        var fields = try FormFields.assemble(parts, limits: limits)
        if dump.isEmpty {
            throw IngestError(.missingMinidump, "\(what) is empty")
        }
        let unpacked = try unpack(dump, what: what, limits: limits)
        fields.problems = problems + fields.problems
        return IngestedUpload(minidump: unpacked.bytes, isBigEndian: unpacked.bigEndian, extra: fields.extra, event: fields.event,
                              attachments: fields.attachments, problems: fields.problems, bodyForm: form,
                              contentEncodings: encodings, minidumpContainer: unpacked.container, minidumpFileName: fileName)
    }

    // MARK: the minidump

    static let littleEndianMagic: [UInt8] = Array("MDMP".utf8)
    static let bigEndianMagic: [UInt8] = Array("PMDM".utf8)

    /// Unpacks a container, then checks the magic.
    static func unpack(_ bytes: [UInt8], what: String, limits: IngestLimits)
        throws(IngestError) -> (bytes: [UInt8], bigEndian: Bool, container: IngestCompression?)
    {
        var dump = bytes
        let container = IngestCompression.container(startingWith: bytes)
        if let container {
            do {
                dump = try Decompression.decompress(bytes, codec: container.codec, maxOutput: limits.file)
            } catch {
                switch error.kind {
                case .tooBig:
                    throw IngestError(.fileTooLarge,
                                      "\(what) is a \(container.displayName) container that unpacks to more than the per-file limit of \(Render.size(limits.file)); unpacking stopped there",
                                      causes: ["the container is \(Render.size(bytes.count))"])
                case .noMemory:
                    throw IngestError(.outOfMemory, "\(what) is a \(container.displayName) container that could not be unpacked: \(error.message)")
                default:
                    throw IngestError(.brokenContainer,
                                      "\(what) is a broken \(container.displayName) container: \(failureSentence(error, total: bytes.count))",
                                      causes: [error.message, "the container starts \(Render.bytes(bytes, count: 8))"])
                }
            }
        }
        let unpacked = container.map { " after unpacking its \($0.displayName) container" } ?? ""
        if dump.starts(with: littleEndianMagic) { return (dump, false, container) }
        if dump.starts(with: bigEndianMagic) { return (dump, true, container) }
        var causes: [String] = []
        if let inner = IngestCompression.container(startingWith: dump) {
            causes.append("that is the magic of a \(inner.displayName) container" + (container == nil ? "" : "; only one container level is unpacked"))
        } else if dump.starts(with: Array("--".utf8)) {
            causes.append("it looks like a multipart body, but only the `\(minidumpField)` part itself may be one")
        }
        if dump.count < 4 {
            throw IngestError(.notAMinidump,
                              "\(what) is not a minidump: it is only \(Render.size(dump.count)) long\(unpacked) (\(Render.bytes(dump))), "
                                  + "where a minidump starts with MDMP or PMDM", causes: causes)
        }
        throw IngestError(.notAMinidump,
                          "\(what) is not a minidump: it starts with \(Render.bytes(dump, count: 4))\(unpacked), where MDMP (little endian) or PMDM (big endian) was expected",
                          causes: causes)
    }
}
