import CrashpipeCore
@testable import CrashpipeIngest
import TestSupport
import Testing

/// Broken multipart bodies: truncated, without closing boundary, with bad headers or a boundary
/// that does not match. Each is a 400 that says where; none crashes or hangs.
struct MalformedMultipartTests {
    @Test func missingClosingBoundaryIsATruncatedUpload() throws {
        let form = crashpadUpload()
        let error = try #require(refusal(IngestRequest(contentType: form.contentType, body: form.body)))
        #expect(error.status == 400)
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail == "malformed multipart: the request body ends without its closing boundary `-----MultipartBoundary-0123456789abcdef-----` (truncated upload?); it ended in part 3 (field `upload_file_minidump`, file `upload.dmp`)")
        #expect(error.causes == ["2 complete part(s) before the end"])
    }

    @Test func truncatedInTheMiddleOfTheMinidump() throws {
        let body = crashpadUpload().closed
        let cut = Array(body.prefix(body.count / 2))
        let error = try #require(refusal(IngestRequest(contentType: crashpadUpload().contentType, body: cut)))
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail.contains("ends without its closing boundary"))
        #expect(error.detail.hasSuffix("it ended in part 3 (field `upload_file_minidump`, file `upload.dmp`)"))
    }

    @Test func boundaryThatDoesNotMatchTheBody() throws {
        let form = crashpadUpload()
        let error = try #require(refusal(IngestRequest(contentType: "multipart/form-data; boundary=other", body: form.closed)))
        #expect(error.status == 400)
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail == "malformed multipart: the request body does not contain its boundary `--other` (the boundary in the Content-Type does not match the body?)")
        #expect(error.causes.first?.hasPrefix("the request body is \(Render.size(form.closed.count)), starting 2D 2D 2D 2D 2D 4D 75 6C") == true)
    }

    @Test func emptyAndBoundaryOnlyBodies() throws {
        let contentType = "multipart/form-data; boundary=xyz"
        let empty = try #require(refusal(IngestRequest(contentType: contentType, body: [])))
        #expect(empty.reason == .malformedMultipart)
        #expect(empty.detail == "malformed multipart: the request body does not contain its boundary `--xyz` (the boundary in the Content-Type does not match the body?)")

        let openingOnly = try #require(refusal(IngestRequest(contentType: contentType, body: Array("--xyz\r\n".utf8))))
        #expect(openingOnly.detail == "malformed multipart: the request body has no complete part after its opening boundary")

        // A form with no parts at all is well-formed, and has no minidump.
        let closedOnly = try #require(refusal(IngestRequest(contentType: contentType, body: Array("--xyz--\r\n".utf8))))
        #expect(closedOnly.status == 400)
        #expect(closedOnly.reason == .missingMinidump)
        #expect(closedOnly.causes == ["it has no parts"])
    }

    @Test func badHeaderLineIsRefusedAtItsByte() throws {
        var form = Multipart(boundary: "b")
        form.field("prod", "Electron")
        form.raw(headers: ["Content-Disposition: form-data; name=\"upload_file_minidump\"", "Bad Header Name: x"], fixtureDump)
        let body = form.closed
        let error = try #require(refusal(IngestRequest(contentType: form.contentType, body: body)))
        #expect(error.status == 400)
        #expect(error.reason == .malformedMultipart)
        // The space in "Bad Header Name" is not allowed in a header name.
        let offset = Array(body).firstIndex(of: UInt8(ascii: "B"))! + 3
        #expect(error.detail == "malformed multipart body: syntax error at byte \(offset) of the request body, found 20 (\" \"), in the boundary line or headers of part 2 (after part 1 (field `prod`))")
    }

    @Test func headerWithoutColonAndBareLFAreRefused() throws {
        let noColon = Array("--b\r\nContent-Disposition form-data\r\n\r\nx\r\n--b--\r\n".utf8)
        let error = try #require(refusal(IngestRequest(contentType: "multipart/form-data; boundary=b", body: noColon)))
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail.hasPrefix("malformed multipart body: syntax error at byte 24 of the request body, found 20"))

        let bareLF = Array("--b\nContent-Disposition: form-data; name=\"x\"\n\nv\n--b--\n".utf8)
        let lf = try #require(refusal(IngestRequest(contentType: "multipart/form-data; boundary=b", body: bareLF)))
        #expect(lf.reason == .malformedMultipart)
        #expect(lf.detail.hasPrefix("malformed multipart body: syntax error at byte 3 of the request body, found 0A"))
    }

    /// MultipartKit 4.7.1 traps on a byte >= 0x80 in a header name; the decoder refuses such a
    /// body before the parser sees it, in the first part and in later or nested ones.
    @Test func nonASCIIHeaderNameIsRefusedNotACrash() throws {
        var first = Multipart(boundary: "b")
        first.raw(headers: ["Content-Dispositi\u{00F6}n: form-data; name=\"upload_file_minidump\""], fixtureDump)
        let error = try #require(refusal(first.request()))
        #expect(error.status == 400)
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail == "malformed multipart body: a part header name holds the non-ASCII byte C3 (\".\") at byte 22 of the request body")

        var later = crashpadUpload()
        later.raw(headers: ["X-\u{00FF}: 1"], [1])
        let laterError = try #require(refusal(later.request()))
        #expect(laterError.reason == .malformedMultipart)
        #expect(laterError.detail.hasPrefix("malformed multipart body: a part header name holds the non-ASCII byte C3"))

        // Non-ASCII in header values and bodies is fine.
        var values = Multipart(boundary: "b")
        values.raw(headers: ["Content-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"d\u{00FC}mp.dmp\""], fixtureDump)
        let upload = try Ingest.decode(values.request())
        #expect(upload.minidumpFileName == "dümp.dmp")

        var inner = Multipart(boundary: "in")
        inner.raw(headers: ["\u{00E9}: x"], fixtureDump)
        var outer = Multipart()
        outer.file("upload_file_minidump", inner.closed)
        let nested = try #require(refusal(outer.request()))
        #expect(nested.detail == "malformed multipart body: a part header name holds the non-ASCII byte C3 (\".\") at byte 6 of the nested multipart body in part 1 (field `upload_file_minidump`, file `upload.dmp`)")
    }

    @Test func junkAfterABoundaryLineIsRefused() throws {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--bX\r\n".utf8)
        let error = try #require(refusal(IngestRequest(contentType: "multipart/form-data; boundary=b", body: body)))
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail.hasPrefix("malformed multipart body: syntax error at byte 55 of the request body, found 58 (\"X\")"))
    }

    @Test func brokenNestedMultipartSaysWhere() throws {
        var outer = Multipart()
        outer.file("upload_file_minidump", Array("--inner\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"\r\n\r\nMDMP".utf8))
        let error = try #require(refusal(outer.request()))
        #expect(error.reason == .malformedMultipart)
        #expect(error.detail == "malformed multipart: the nested multipart body in part 1 (field `upload_file_minidump`, file `upload.dmp`) ends without its closing boundary `--inner--` (truncated upload?); it ended in nested part 1 (field `upload_file_minidump`)")
    }

    /// Every prefix of a real upload is refused cleanly (or, past the closing boundary, accepted).
    @Test func everyTruncationIsAnErrorNeverACrash() {
        var form = Multipart(boundary: "cut")
        form.field("prod", "Electron")
        form.field("sentry", #"{"release":"1"}"#)
        form.file("upload_file_minidump", Array(fixtureDump.prefix(600)))
        let body = form.closed
        let closingEnd = body.count - 2  // "--cut--" complete; the final CRLF is optional
        var refused = 0
        for length in 0..<body.count {
            let request = IngestRequest(contentType: form.contentType, body: Array(body.prefix(length)))
            do {
                let upload = try Ingest.decode(request)
                #expect(length >= closingEnd - 1, "accepted a body cut at \(length)")
                #expect(upload.minidump == Array(fixtureDump.prefix(600)))
            } catch {
                #expect(error.status == 400)
                refused += 1
            }
        }
        #expect(refused >= body.count - 3)
    }

    /// Random byte changes to a compressed, nested, annotated upload: a result or an IngestError.
    @Test func mutatedUploadsNeverCrash() {
        var inner = Multipart(boundary: "in")
        inner.file("upload_file_minidump", Compress.gzip(Array(fixtureDump.prefix(2000))))
        var outer = Multipart(boundary: "out")
        outer.field("sentry[tags][a]", "b")
        outer.field("sentry__1", #"{"x":"#)
        outer.field("sentry__2", #"1}"#)
        outer.file("upload_file_minidump", inner.closed)
        let base = outer.closed
        var rng = SplitMix(state: 42)
        var statuses: [Int: Int] = [:]
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                _ = try Ingest.decode(IngestRequest(contentType: outer.contentType, body: bytes))
                statuses[200, default: 0] += 1
            } catch {
                #expect([400, 413, 415].contains(error.status))
                #expect(!error.detail.isEmpty)
                statuses[error.status, default: 0] += 1
            }
        }
        #expect(statuses[200, default: 0] > 0)
        #expect(statuses[400, default: 0] > 0)
    }
}
