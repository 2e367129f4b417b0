import CrashpipeCore
@testable import CrashpipeIngest
import Testing

/// INGEST.md "Form fields": extra, `sentry` JSON, brackets, namespaces, chunks, first wins.
struct FormFieldTests {
    private func decode(_ build: (inout Multipart) -> Void) throws -> IngestedUpload {
        var form = Multipart()
        form.file("upload_file_minidump", fixtureDump)
        build(&form)
        return try Ingest.decode(form.request())
    }

    @Test func crashpadAnnotationsLandInExtraInOrder() throws {
        let upload = try decode { form in
            form.field("prod", "Chrome_Linux")
            form.field("ver", "120.0.6099.109")
            form.field("guid", "5a6f3b2c-1d2e-4f50-8a9b-0c1d2e3f4a5b")
            form.field("ptype", "renderer")
            form.field("plat", "Linux")
            form.field("lsb-release", "Debian GNU/Linux 12 (bookworm)")
            form.field("empty", "")
            form.field("unicode", "Grüße ❤")
        }
        #expect(upload.extra.keys == ["prod", "ver", "guid", "ptype", "plat", "lsb-release", "empty", "unicode"])
        #expect(upload.extra["ptype"] == .string("renderer"))
        #expect(upload.extra["guid"] == .string("5a6f3b2c-1d2e-4f50-8a9b-0c1d2e3f4a5b"))
        #expect(upload.extra["empty"] == .string(""))
        #expect(upload.extra["unicode"] == .string("Grüße ❤"))
        #expect(upload.event.isEmpty)
        #expect(upload.problems.isEmpty)
    }

    @Test func sentryJSONIsMergedKeepingKeyOrderAndKinds() throws {
        let upload = try decode { form in
            form.field("sentry", #"{"release":"app@1.2.3","environment":"production","tags":{"b":"2","a":"1"},"user":{"id":42},"fingerprint":["x","y"],"extra":{"ratio":0.5,"ok":true,"none":null}}"#)
        }
        #expect(upload.event.keys == ["release", "environment", "tags", "user", "fingerprint", "extra"])
        #expect(upload.event["tags"]?.objectValue?.keys == ["b", "a"])
        #expect(upload.event["user"]?["id"] == .int(42))
        #expect(upload.event["fingerprint"] == .array([.string("x"), .string("y")]))
        #expect(upload.event["extra"]?["ratio"] == .double(0.5))
        #expect(upload.event["extra"]?["ok"] == .bool(true))
        #expect(upload.event["extra"]?["none"] == .null)
        #expect(upload.extra.isEmpty)
    }

    @Test func bracketKeysBuildNestedStringValues() throws {
        let upload = try decode { form in
            form.field("sentry[release]", "1.0.0")
            form.field("sentry[tags][mytag]", "value")
            form.field("sentry[tags][other]", "42")
            form.field("sentry[user][id]", "7")
            form.field("sentry[contexts][app][]", "empty key")
        }
        #expect(upload.event.json == #"{"release":"1.0.0","tags":{"mytag":"value","other":"42"},"user":{"id":"7"},"contexts":{"app":{"":"empty key"}}}"#)
        #expect(upload.extra.isEmpty)
    }

    @Test func malformedBracketNamesStayInExtraAndAreNoted() throws {
        let upload = try decode { form in
            form.field("sentry[a", "unclosed")
            form.field("sentry[a]b", "junk after")
        }
        #expect(upload.event.isEmpty)
        #expect(upload.extra.json == #"{"sentry[a":"unclosed","sentry[a]b":"junk after"}"#)
        #expect(upload.problems == [
            "field `sentry[a` is not a well-formed `sentry[key][key]...` name; kept in extra",
            "field `sentry[a]b` is not a well-formed `sentry[key][key]...` name; kept in extra",
        ])
    }

    @Test func namespacedSentryFieldsAreMergedLikeSentry() throws {
        let upload = try decode { form in
            form.field("sentry___initialScope", #"{"user":{"username":"ann"},"tags":{"scope":"initial"}}"#)
            form.field("sentry___other", #"{"release":"r1"}"#)
        }
        #expect(upload.event.json == #"{"user":{"username":"ann"},"tags":{"scope":"initial"},"release":"r1"}"#)
        #expect(upload.extra.isEmpty)
    }

    @Test func chunksAreJoinedInIndexOrderWhateverTheirFieldOrder() throws {
        let document = #"{"release":"electron@1.0","contexts":{"app":{"name":"Grüße ❤ app"}},"tags":{"t":"v"}}"#
        let bytes = Array(document.utf8)
        // Split inside the multi-byte characters on purpose: chunks are joined as bytes.
        let cuts = [0, 20, 56, 58, 63, bytes.count]
        var form = Multipart()
        form.file("upload_file_minidump", fixtureDump)
        for index in [3, 1, 5, 2, 4] {
            form.raw(headers: ["Content-Disposition: form-data; name=\"sentry__\(index)\""], Array(bytes[cuts[index - 1]..<cuts[index]]))
        }
        let upload = try Ingest.decode(form.request())
        #expect(upload.event.json == document)
        #expect(upload.extra.isEmpty)
        #expect(upload.problems.isEmpty)
    }

    @Test func chunkIndexesNeedNotStartAtOneOrBeContiguous() throws {
        let upload = try decode { form in
            form.field("sentry__10", #""b"}"#)
            form.field("sentry__0", #"{"a":"#)
        }
        #expect(upload.event.json == #"{"a":"b"}"#)
    }

    @Test func namesThatOnlyLookLikeSentryFieldsAreExtra() throws {
        let upload = try decode { form in
            form.field("sentry__", "no index")
            form.field("sentry__x", "not a number")
            form.field("sentry__-1", "negative")
            form.field("Sentry", #"{"release":"case matters"}"#)
            form.field("sentryfoo", "x")
        }
        #expect(upload.extra.keys == ["sentry__", "sentry__x", "sentry__-1", "Sentry", "sentryfoo"])
        #expect(upload.event.isEmpty)
    }

    @Test func invalidSentryJSONIsIgnoredAcceptedAndNoted() throws {
        let upload = try decode { form in
            form.field("prod", "Electron")
            form.field("sentry", #"{"release": "1.0",}"#)
            form.field("sentry___initialScope", "[1, 2]")
            form.field("sentry__1", #"{"release": "#)
        }
        #expect(upload.minidump == fixtureDump)
        #expect(upload.event.isEmpty)
        #expect(upload.extra.json == #"{"prod":"Electron"}"#)
        #expect(upload.problems == [
            "field `sentry` (part 3 (field `sentry`)) is not valid JSON (expected a string key but found '}' at byte 18); ignored",
            "field `sentry___initialScope` (part 4 (field `sentry___initialScope`)) is JSON but not an object (an array); ignored",
            "the 1 chunk(s) `sentry__1`…`sentry__1` joined is not valid JSON (expected a JSON value but found the end of input at byte 12); ignored",
        ])
    }

    @Test func tooDeepSentryJSONIsIgnoredAndNoted() throws {
        let deep = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        let upload = try decode { form in form.field("sentry", deep) }
        #expect(upload.event.isEmpty)
        #expect(upload.problems.count == 1)
        #expect(upload.problems.first?.contains("nesting deeper than 64 levels") == true)
    }

    /// The documented order: every source at the position of its field in the upload; the
    /// chunked document at its first chunk's position; first to set a key wins, objects merge.
    @Test func firstSourceInUploadOrderWins() throws {
        let upload = try decode { form in
            form.field("sentry[release]", "from-brackets")                                    // part 2
            form.field("sentry__2", #""chunks","tags":{"c":"chunks","a":"chunks"}}"#)          // part 3: chunks' position
            form.field("sentry", #"{"release":"from-sentry","environment":"from-sentry","tags":{"a":"sentry","b":"sentry"}}"#)
            form.field("sentry__1", #"{"environment":"#)                                       // joined: sentry__1 + sentry__2
            form.field("sentry___initialScope", #"{"environment":"scope","user":{"id":"scope"},"tags":"not an object"}"#)
            form.field("sentry[user][id]", "brackets-late")
            form.field("sentry[user][email]", "late@example.com")
        }
        #expect(upload.event["release"] == .string("from-brackets"))
        #expect(upload.event["environment"] == .string("chunks"))
        #expect(upload.event["tags"]?.objectValue?.json == #"{"c":"chunks","a":"chunks","b":"sentry"}"#)
        #expect(upload.event["user"]?.objectValue?.json == #"{"id":"scope","email":"late@example.com"}"#)
        #expect(upload.event.keys == ["release", "environment", "tags", "user"])
        #expect(upload.problems.isEmpty)
    }

    @Test func repeatedFieldsKeepTheFirstValueAndAreNoted() throws {
        let upload = try decode { form in
            form.field("ver", "1")
            form.field("ver", "2")
            form.field("sentry__1", #"{"a":1}"#)
            form.field("sentry__1", #"{"a":2}"#)
        }
        #expect(upload.extra.json == #"{"ver":"1"}"#)
        #expect(upload.event.json == #"{"a":1}"#)
        #expect(upload.problems == [
            "field `ver` appears more than once; the first value is kept (part 3 (field `ver`) dropped)",
            "part 5 (field `sentry__1`) repeats chunk index 1; the first chunk with that index is kept",
        ])
    }

    @Test func fileAndUnnamedPartsAreAttachmentsNeverExtra() throws {
        let upload = try decode { form in
            form.field("prod", "p")
            form.file("attachment", fileName: "log.txt", contentType: "text/plain", Array("hello\r\nworld".utf8))
            form.file("sentry", fileName: "event.json", contentType: "application/json", Array(#"{"release":"x"}"#.utf8))
            form.raw(headers: ["Content-Disposition: form-data; filename=\"orphan.bin\""], [1, 2, 3])
            form.raw(headers: ["Content-Type: text/plain"], Array("no disposition".utf8))
            form.raw(headers: ["Content-Disposition: form-data; name=\"weird\"; filename*=UTF-8''na%C3%AFve%20file.txt"], [9])
        }
        #expect(upload.extra.json == #"{"prod":"p"}"#)
        #expect(upload.event.isEmpty)
        #expect(upload.attachments.map(\.info) == [
            Submission.Attachment(field: "attachment", fileName: "log.txt", contentType: "text/plain", size: 12),
            Submission.Attachment(field: "sentry", fileName: "event.json", contentType: "application/json", size: 15),
            Submission.Attachment(field: "", fileName: "orphan.bin", contentType: nil, size: 3),
            Submission.Attachment(field: "weird", fileName: "naïve file.txt", contentType: nil, size: 1),
        ])
        #expect(upload.attachments[0].bytes == Array("hello\r\nworld".utf8))
        #expect(upload.problems == [
            "part 5 (file `orphan.bin`) has no field name; kept as an attachment",
            "part 6 has no field name and no file name; its 14 bytes were dropped",
        ])
    }

    @Test func invalidUTF8FieldValuesAreReplacedAndNoted() throws {
        var form = Multipart()
        form.file("upload_file_minidump", fixtureDump)
        form.raw(headers: ["Content-Disposition: form-data; name=\"ver\""], [0x31, 0xFF, 0x32])
        let upload = try Ingest.decode(form.request())
        #expect(upload.extra["ver"] == .string("1\u{FFFD}2"))
        #expect(upload.problems == ["part 2 (field `ver`) is not valid UTF-8; invalid bytes were replaced with U+FFFD"])
    }

    @Test func headerNamesAreCaseInsensitiveAndQuotedNamesMayHoldSemicolons() throws {
        var form = Multipart()
        form.raw(headers: ["content-disposition: form-data; NAME=\"upload_file_minidump\"; FileName=\"a;b.dmp\"",
                           "CONTENT-TYPE: application/x-dmp"], fixtureDump)
        form.raw(headers: ["Content-Disposition: form-data; name=\"quoted \\\"name\\\"\""], Array("v".utf8))
        let upload = try Ingest.decode(form.request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.minidumpFileName == "a;b.dmp")
        #expect(upload.extra.json == #"{"quoted \"name\"":"v"}"#)
    }
}
