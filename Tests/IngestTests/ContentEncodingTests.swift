import CrashpipeCore
@testable import CrashpipeIngest
import Foundation
import Testing

/// `Content-Encoding` on the request: gzip (what Crashpad sends), deflate in both forms, br,
/// zstd, identity, lists; unknown and broken codings; the decompression bomb.
struct ContentEncodingTests {
    @Test(arguments: [
        ("gzip", IngestCompression.gzip), ("x-gzip", .gzip), ("GZIP", .gzip), ("deflate", .zlib),
        ("br", .brotli), ("zstd", .zstd),
    ])
    func compressedMultipartBodies(encoding: String, expected: IngestCompression) throws {
        let form = crashpadUpload()
        let body: [UInt8]
        switch expected {
        case .gzip: body = Compress.gzip(form.closed)
        case .zlib: body = Compress.zlib(form.closed)
        case .brotli: body = Compress.brotli(form.closed)
        case .zstd: body = Compress.zstd(form.closed)
        default: body = []
        }
        #expect(body.count < form.closed.count)
        let upload = try Ingest.decode(IngestRequest(contentType: form.contentType, contentEncoding: encoding, body: body))
        #expect(upload.minidump == fixtureDump)
        #expect(upload.contentEncodings == [expected])
        #expect(upload.extra.json == #"{"prod":"Electron","ver":"30.0.1"}"#)
    }

    @Test func rawDeflateIsAcceptedForContentEncodingDeflate() throws {
        let body = Compress.rawDeflate(fixtureDump)
        #expect(!Ingest.looksLikeZlib(body))
        let upload = try Ingest.decode(IngestRequest(contentType: "application/octet-stream", contentEncoding: "deflate", body: body))
        #expect(upload.minidump == fixtureDump)
        #expect(upload.contentEncodings == [.deflate])
    }

    @Test func identityAndListsOfCodings() throws {
        let identity = try Ingest.decode(IngestRequest(contentType: "application/x-dmp", contentEncoding: "identity", body: fixtureDump))
        #expect(identity.minidump == fixtureDump)
        #expect(identity.contentEncodings == [])

        // Applied gzip first, then zstd: undone zstd first, then gzip.
        let twice = Compress.zstd(Compress.gzip(fixtureDump))
        let upload = try Ingest.decode(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip, identity, zstd", body: twice))
        #expect(upload.minidump == fixtureDump)
        #expect(upload.contentEncodings == [.gzip, .zstd])
    }

    @Test func unknownCodingIsUnsupported() throws {
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "compress", body: fixtureDump)))
        #expect(error.status == 415)
        #expect(error.reason == .unsupportedContentEncoding)
        #expect(error.detail == "unsupported Content-Encoding `compress`: supported are gzip, deflate, br, zstd and identity")
    }

    @Test func bodyThatIsNotWhatItsCodingSaysIsABadRequest() throws {
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip", body: fixtureDump)))
        #expect(error.status == 400)
        #expect(error.reason == .brokenContentEncoding)
        #expect(error.detail == "the request body (Content-Encoding gzip) is not valid gzip data: incorrect header check, at or shortly before byte 2 of 11317 bytes (11 KiB)")
        #expect(error.causes == ["incorrect header check"])
    }

    @Test func truncatedAndTrailingRequestStreamsAreBadRequests() throws {
        let gz = Compress.gzip(fixtureDump)
        let truncated = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip", body: Array(gz.dropLast(20)))))
        #expect(truncated.reason == .brokenContentEncoding)
        #expect(truncated.detail == "the request body (Content-Encoding gzip) is not valid gzip data: it ends (after all \(Render.size(gz.count - 20))) before the end of the compressed stream")

        let br = Compress.brotli(fixtureDump)
        let trailing = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "br", body: br + [1, 2, 3])))
        #expect(trailing.reason == .brokenContentEncoding)
        #expect(trailing.detail == "the request body (Content-Encoding br) is not valid br (brotli) data: 3 bytes of other data follow the end of the compressed stream at byte \(br.count)")

        let zs = Compress.zstd(fixtureDump)
        let zstdGarbage = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "zstd", body: zs + Array("garbage!".utf8))))
        #expect(zstdGarbage.reason == .brokenContentEncoding)
        #expect(zstdGarbage.causes == ["Unknown frame descriptor"])
        #expect(zstdGarbage.detail.hasSuffix("at or shortly before byte \(zs.count) of \(Render.size(zs.count + 8))"))
    }

    @Test func brotliErrorsNameTheDecoderError() throws {
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "br", body: [UInt8](repeating: 0xFF, count: 30))))
        #expect(error.reason == .brokenContentEncoding)
        #expect(error.causes == ["brotli decoder error -15 (PADDING_2)"])
        #expect(error.detail == "the request body (Content-Encoding br) is not valid br (brotli) data: brotli decoder error -15 (PADDING_2), at or shortly before byte 1 of 30 bytes")
    }

    @Test func concatenatedZstdFramesAndXzStreamsAreOneBody() throws {
        let half = fixtureDump.count / 2
        let frames = Compress.zstd(Array(fixtureDump[..<half])) + Compress.zstd(Array(fixtureDump[half...]))
        #expect(try Ingest.decode(IngestRequest(contentType: "application/x-dmp", contentEncoding: "zstd", body: frames)).minidump == fixtureDump)
        let streams = Compress.xz(Array(fixtureDump[..<half])) + Compress.xz(Array(fixtureDump[half...]))
        #expect(try Ingest.decode(IngestRequest(contentType: "application/x-dmp", body: streams)).minidump == fixtureDump)
        let bz = Compress.bzip2(Array(fixtureDump[..<half])) + Compress.bzip2(Array(fixtureDump[half...]))
        #expect(try Ingest.decode(IngestRequest(contentType: "application/x-dmp", body: bz)).minidump == fixtureDump)
    }

    @Test func concatenatedGzipMembersAreOneBody() throws {
        let half = fixtureDump.count / 2
        let body = Compress.gzip(Array(fixtureDump[..<half])) + Compress.gzip(Array(fixtureDump[half...]))
        let upload = try Ingest.decode(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip", body: body))
        #expect(upload.minidump == fixtureDump)
    }

    /// 1 GiB of zeros in about 1 MiB of gzip: refused with 413 once the output passes the limit,
    /// without inflating the rest.
    @Test func decompressionBombIsRefusedQuickly() throws {
        let bomb = gzipBomb1GiB
        #expect(bomb.count < 2 << 20)
        let clock = ContinuousClock()
        var error: IngestError?
        let elapsed = clock.measure {
            error = refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip", body: bomb))
        }
        let refused = try #require(error)
        #expect(refused.status == 413)
        #expect(refused.reason == .decompressedRequestTooLarge)
        #expect(refused.detail == "the request body (Content-Encoding gzip) decompresses to more than the limit of 209715200 bytes (200 MiB); decompression stopped there")
        // Inflating 200 MiB takes well under a second; the whole GiB would take several.
        #expect(elapsed < .seconds(10))

        // With a small configured limit it stops within that limit.
        let small = try #require(refusal(IngestRequest(contentType: "application/x-dmp", contentEncoding: "gzip", body: bomb),
                                         limits: IngestLimits(requestDecompressed: 1 << 20)))
        #expect(small.detail == "the request body (Content-Encoding gzip) decompresses to more than the limit of 1048576 bytes (1 MiB); decompression stopped there")
    }

    @Test func decompressorStopsAtTheCapNotAfter() throws {
        let bomb = Compress.gzipZeros(64 << 20)
        do {
            _ = try Decompression.decompress(bomb, codec: .gzip, maxOutput: 1 << 20)
            Issue.record("expected tooBig")
        } catch {
            #expect(error.kind == .tooBig)
            #expect(error.outputSize == (1 << 20) + 1)
            // Only a small part of the input was read.
            #expect(error.inputOffset < bomb.count / 8)
        }
        // Exactly at the cap is fine.
        let exact = try Decompression.decompress(Compress.gzip([UInt8](repeating: 7, count: 4096)), codec: .gzip, maxOutput: 4096)
        #expect(exact == [UInt8](repeating: 7, count: 4096))
    }
}
