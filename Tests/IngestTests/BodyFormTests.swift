import CrashpipeCore
@testable import CrashpipeIngest
import Testing

/// The three ways a minidump arrives: multipart, raw, nested multipart; and the Content-Types
/// that are refused.
struct BodyFormTests {
    @Test func multipartUploadYieldsTheDumpAndItsFields() throws {
        let upload = try Ingest.decode(crashpadUpload().request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.isBigEndian == false)
        #expect(upload.bodyForm == .multipart)
        #expect(upload.minidumpFileName == "upload.dmp")
        #expect(upload.minidumpContainer == nil)
        #expect(upload.contentEncodings == [])
        #expect(upload.extra.json == #"{"prod":"Electron","ver":"30.0.1"}"#)
        #expect(upload.event.isEmpty)
        #expect(upload.attachments.isEmpty)
        #expect(upload.problems == [])
    }

    @Test func rawBodiesAreTheDump() throws {
        for contentType in ["application/octet-stream", "application/x-dmp", "Application/X-DMP; charset=binary", nil] {
            let upload = try Ingest.decode(IngestRequest(contentType: contentType, body: fixtureDump))
            #expect(upload.minidump == fixtureDump, "Content-Type \(contentType ?? "none")")
            #expect(upload.bodyForm == .raw)
            #expect(upload.extra.isEmpty && upload.event.isEmpty && upload.attachments.isEmpty)
        }
    }

    @Test func nestedMultipartTakesTheInnerMinidumpAndKeepsTheInnerFields() throws {
        var inner = Multipart(boundary: "----inner-boundary")
        inner.field("prod", "Electron")
        inner.field("sentry[release]", "app@2.0")
        inner.file("upload_file_minidump", fileName: "inner.dmp", fixtureDump)
        inner.file("log", fileName: "app.log", contentType: "text/plain", Array("log line".utf8))
        var outer = Multipart()
        outer.field("ver", "30.0.1")
        outer.file("upload_file_minidump", fileName: "outer.dmp", inner.closed)

        let upload = try Ingest.decode(outer.request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.bodyForm == .nestedMultipart)
        #expect(upload.minidumpFileName == "inner.dmp")
        // Outer fields first, then the inner ones.
        #expect(upload.extra.json == #"{"ver":"30.0.1","prod":"Electron"}"#)
        #expect(upload.event.json == #"{"release":"app@2.0"}"#)
        #expect(upload.attachments.map(\.info) == [Submission.Attachment(field: "log", fileName: "app.log", contentType: "text/plain", size: 8)])
        #expect(upload.attachments.first?.bytes == Array("log line".utf8))
    }

    @Test func nestedMultipartWithoutInnerMinidumpIsRefused() throws {
        var inner = Multipart(boundary: "inner")
        inner.field("prod", "Electron")
        var outer = Multipart()
        outer.file("upload_file_minidump", inner.closed)
        let error = try #require(refusal(outer.request()))
        #expect(error.status == 400)
        #expect(error.reason == .missingMinidump)
        #expect(error.detail == "part 1 (field `upload_file_minidump`, file `upload.dmp`) is a nested multipart body without its own `upload_file_minidump` part")
        #expect(error.causes == ["its 1 part(s): `prod`"])
    }

    @Test func missingMinidumpFieldIsRefusedNamingTheField() throws {
        var form = Multipart()
        form.field("prod", "Electron")
        form.file("attachment", fixtureDump)
        let error = try #require(refusal(form.request()))
        #expect(error.status == 400)
        #expect(error.reason == .missingMinidump)
        #expect(error.detail == "the multipart body has no `upload_file_minidump` part")
        #expect(error.causes == ["its 2 part(s): `prod`, `attachment`"])
    }

    @Test func emptyMinidumpPartAndEmptyRawBodyAreRefused() throws {
        var form = Multipart()
        form.file("upload_file_minidump", [])
        let error = try #require(refusal(form.request()))
        #expect(error.reason == .missingMinidump)
        #expect(error.detail == "the minidump (part 1 (field `upload_file_minidump`, file `upload.dmp`)) is empty")

        let raw = try #require(refusal(IngestRequest(contentType: "application/octet-stream", body: [])))
        #expect(raw.status == 400)
        #expect(raw.detail == "the request body is empty: there is no minidump")
    }

    @Test func otherContentTypesAreUnsupported() throws {
        for contentType in ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/mixed; boundary=x"] {
            let error = try #require(refusal(IngestRequest(contentType: contentType, body: fixtureDump)))
            #expect(error.status == 415, "\(contentType)")
            #expect(error.reason == .unsupportedContentType)
            #expect(error.detail.hasPrefix("unsupported Content-Type `\(contentType)`"))
        }
    }

    @Test func multipartWithoutUsableBoundaryIsABadRequest() throws {
        let missing = try #require(refusal(IngestRequest(contentType: "multipart/form-data", body: crashpadUpload().closed)))
        #expect(missing.status == 400)
        #expect(missing.reason == .badContentType)
        #expect(missing.detail == "Content-Type multipart/form-data has no boundary parameter")

        let empty = try #require(refusal(IngestRequest(contentType: "multipart/form-data; boundary=\"\"", body: [])))
        #expect(empty.reason == .badContentType)
        #expect(empty.detail == "the multipart boundary `` is not usable: it must be 1 to 200 printable ASCII characters")
    }

    @Test func quotedBoundaryAndParameterOrderAreHandled() throws {
        var form = Multipart(boundary: "a b;c=d")
        form.file("upload_file_minidump", fixtureDump)
        let request = IngestRequest(contentType: #"Multipart/Form-Data; charset=utf-8; BOUNDARY="a b;c=d""#, body: form.closed)
        let upload = try Ingest.decode(request)
        #expect(upload.minidump == fixtureDump)
    }

    @Test func preambleAndEpilogueAreIgnored() throws {
        var form = crashpadUpload()
        form.body = Array("This is a preamble.\r\n".utf8) + form.body
        let body = form.closed + Array("epilogue --\(form.boundary)\r\nnot a part".utf8)
        let upload = try Ingest.decode(IngestRequest(contentType: form.contentType, body: body))
        #expect(upload.minidump == fixtureDump)
        #expect(upload.extra.keys == ["prod", "ver"])
    }

    @Test func minidumpPartWithoutFileNameIsStillTheMinidump() throws {
        var form = Multipart()
        form.raw(headers: ["Content-Disposition: form-data; name=\"upload_file_minidump\""], fixtureDump)
        let upload = try Ingest.decode(form.request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.minidumpFileName == nil)
        #expect(upload.extra.isEmpty)
    }

    @Test func secondMinidumpPartIsKeptAsAnAttachmentAndNoted() throws {
        var form = crashpadUpload()
        form.file("upload_file_minidump", fileName: "second.dmp", Array("MDMPsecond".utf8))
        let upload = try Ingest.decode(form.request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.attachments.map(\.info.fileName) == ["second.dmp"])
        #expect(upload.problems == ["part 4 (field `upload_file_minidump`, file `second.dmp`) is another `upload_file_minidump`; the first one (part 3 (field `upload_file_minidump`, file `upload.dmp`)) is the minidump, this one is kept as an attachment"])
    }

    @Test func submissionCarriesTheFormData() throws {
        var form = crashpadUpload()
        form.field("sentry", #"{"release":"1.0"}"#)
        form.file("log", fileName: "a.log", contentType: "text/plain", Array("xyz".utf8))
        let upload = try Ingest.decode(form.request())
        let submission = upload.submission(eventId: "0123456789abcdef0123456789abcdef", projectId: 7, receivedAt: 1_700_000_000)
        #expect(submission.projectId == 7)
        #expect(submission.extra == upload.extra)
        #expect(submission.event.json == #"{"release":"1.0"}"#)
        #expect(submission.attachments == [Submission.Attachment(field: "log", fileName: "a.log", contentType: "text/plain", size: 3)])
    }

    @Test func errorBodyIsTheDocumentedJSON() throws {
        let error = IngestError(.notAMinidump, #"the "x" part"#, causes: ["a\nb"])
        #expect(error.jsonBody == #"{"detail":"the \"x\" part","causes":["a\nb"]}"#)
        let parsed = try StrictJSON.parse(error.jsonBody)
        #expect(parsed["detail"] == .string(#"the "x" part"#))
        #expect(IngestError(.fileTooLarge, "x").status == 413)
        #expect(IngestError(.unsupportedContentEncoding, "x").status == 415)
        #expect(IngestError(.brokenContainer, "x").status == 400)
    }
}
