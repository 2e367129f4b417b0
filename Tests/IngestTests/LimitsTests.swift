import CrashpipeCore
@testable import CrashpipeIngest
import Testing

/// Each limit refuses with 413 and says which limit and what was too big (small limits here).
struct LimitsTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let limits = IngestLimits()
        #expect(limits.requestCompressed == 40 * 1024 * 1024)
        #expect(limits.requestDecompressed == 200 * 1024 * 1024)
        #expect(limits.file == 100 * 1024 * 1024)
        #expect(limits.maxDepth == 15)
        #expect(IngestLimits.default == limits)
    }

    @Test func requestBodyAsReceived() throws {
        let request = crashpadUpload().request()
        let limits = IngestLimits(requestCompressed: request.body.count - 1)
        let error = try #require(refusal(request, limits: limits))
        #expect(error.status == 413)
        #expect(error.reason == .requestTooLarge)
        #expect(error.detail == "the request body is \(Render.size(request.body.count)), more than the limit of \(Render.size(request.body.count - 1))")
        // At the limit it passes.
        let upload = try Ingest.decode(request, limits: IngestLimits(requestCompressed: request.body.count))
        #expect(upload.minidump == fixtureDump)
    }

    @Test func requestBodyDecompressed() throws {
        let form = crashpadUpload()
        let body = Compress.gzip(form.closed)
        let request = IngestRequest(contentType: form.contentType, contentEncoding: "gzip", body: body)
        let error = try #require(refusal(request, limits: IngestLimits(requestDecompressed: 8192)))
        #expect(error.status == 413)
        #expect(error.reason == .decompressedRequestTooLarge)
        #expect(error.detail == "the request body (Content-Encoding gzip) decompresses to more than the limit of 8192 bytes (8 KiB); decompression stopped there")
        #expect(error.causes == ["\(Render.size(body.count)) as received"])
        let upload = try Ingest.decode(request, limits: IngestLimits(requestDecompressed: form.closed.count))
        #expect(upload.minidump == fixtureDump)
    }

    @Test func multipartPart() throws {
        var form = crashpadUpload()
        form.file("big", fileName: "big.bin", [UInt8](repeating: 0x41, count: 20_000))
        let error = try #require(refusal(form.request(), limits: IngestLimits(file: 12_000)))
        #expect(error.status == 413)
        #expect(error.reason == .fileTooLarge)
        #expect(error.detail == "part 4 (field `big`, file `big.bin`) of the request body is larger than the per-file limit of 12000 bytes (11.7 KiB)")

        let dumpError = try #require(refusal(crashpadUpload().request(), limits: IngestLimits(file: 10_000)))
        #expect(dumpError.reason == .fileTooLarge)
        #expect(dumpError.detail == "part 3 (field `upload_file_minidump`, file `upload.dmp`) of the request body is larger than the per-file limit of 10000 bytes (9.7 KiB)")
    }

    @Test func rawMinidumpBody() throws {
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: fixtureDump), limits: IngestLimits(file: 4096)))
        #expect(error.status == 413)
        #expect(error.reason == .fileTooLarge)
        #expect(error.detail == "the minidump (the raw request body) is 11317 bytes (11 KiB), more than the per-file limit of 4096 bytes (4 KiB)")
    }

    @Test func unpackedMinidumpContainer() throws {
        let packed = Compress.xz(fixtureDump)
        let limits = IngestLimits(file: 8192)
        #expect(packed.count < 8192)
        let error = try #require(refusal(crashpadUpload(dump: packed).request(), limits: limits))
        #expect(error.status == 413)
        #expect(error.reason == .fileTooLarge)
        #expect(error.detail == "the minidump (part 3 (field `upload_file_minidump`, file `upload.dmp`)) is a xz container that unpacks to more than the per-file limit of 8192 bytes (8 KiB); unpacking stopped there")
    }

    @Test func containerBombInsideACompressedRequest() throws {
        // A 1 GiB gzip bomb as the minidump part, the whole request gzip'd again.
        var form = Multipart()
        form.file("upload_file_minidump", gzipBomb1GiB)
        let request = IngestRequest(contentType: form.contentType, contentEncoding: "gzip", body: Compress.gzip(form.closed))
        let error = try #require(refusal(request, limits: IngestLimits(file: 16 << 20)))
        #expect(error.status == 413)
        #expect(error.reason == .fileTooLarge)
        #expect(error.detail.hasSuffix("is a gzip container that unpacks to more than the per-file limit of 16777216 bytes (16 MiB); unpacking stopped there"))
    }

    @Test func bracketNestingDeeperThanTheLimit() throws {
        var form = crashpadUpload()
        let fifteen = "sentry" + (1...15).map { "[k\($0)]" }.joined()
        form.field(fifteen, "ok")
        let upload = try Ingest.decode(form.request())
        #expect(upload.event["k1"]?["k2"]?["k3"]?["k4"]?["k5"]?["k6"]?["k7"]?["k8"]?["k9"]?["k10"]?["k11"]?["k12"]?["k13"]?["k14"]?["k15"] == .string("ok"))

        form.field(fifteen + "[k16]", "too deep")
        let error = try #require(refusal(form.request()))
        #expect(error.status == 400)
        #expect(error.reason == .nestingTooDeep)
        let deep = fifteen + "[k16]"
        #expect(error.detail == "form field `\(deep)` (part 5 (field `\(deep)`)) nests 16 levels; at most 15 are accepted")

        let custom = try #require(refusal(crashpadUpload().with(field: "sentry[a][b][c]", "x").request(), limits: IngestLimits(maxDepth: 2)))
        #expect(custom.reason == .nestingTooDeep)
        #expect(custom.detail == "form field `sentry[a][b][c]` (part 4 (field `sentry[a][b][c]`)) nests 3 levels; at most 2 are accepted")
    }

    /// Output exactly one byte over the limit: the decompressor stops once it holds limit + 1
    /// bytes, so a stream that ends on that very byte must still count as too big.
    @Test(arguments: [IngestCompression.gzip, .zlib, .deflate, .xz, .bzip2, .zstd, .brotli])
    func decompressionOneByteOverTheLimit(codec: IngestCompression) throws {
        let packed: [UInt8] = switch codec {
        case .gzip: Compress.gzip(fixtureDump)
        case .zlib: Compress.zlib(fixtureDump)
        case .deflate: Compress.rawDeflate(fixtureDump)
        case .xz: Compress.xz(fixtureDump)
        case .bzip2: Compress.bzip2(fixtureDump)
        case .zstd: Compress.zstd(fixtureDump)
        case .brotli: Compress.brotli(fixtureDump)
        }
        do {
            let output = try Decompression.decompress(packed, codec: codec.codec, maxOutput: fixtureDump.count - 1)
            Issue.record("\(codec) gave \(output.count) bytes with a limit of \(fixtureDump.count - 1)")
        } catch {
            #expect(error.kind == .tooBig)
        }
        #expect(try Decompression.decompress(packed, codec: codec.codec, maxOutput: fixtureDump.count) == fixtureDump)
    }

    @Test(arguments: [IngestCompression.gzip, .xz, .bzip2, .zstd])
    func containerOneByteOverTheFileLimit(container: IngestCompression) throws {
        let packed: [UInt8] = switch container {
        case .gzip: Compress.gzip(fixtureDump)
        case .xz: Compress.xz(fixtureDump)
        case .bzip2: Compress.bzip2(fixtureDump)
        default: Compress.zstd(fixtureDump)
        }
        let error = try #require(refusal(crashpadUpload(dump: packed).request(), limits: IngestLimits(file: fixtureDump.count - 1)))
        #expect(error.status == 413)
        #expect(error.reason == .fileTooLarge)
        let upload = try Ingest.decode(crashpadUpload(dump: packed).request(), limits: IngestLimits(file: fixtureDump.count))
        #expect(upload.minidump == fixtureDump)
    }
}

extension Multipart {
    func with(field name: String, _ value: String) -> Multipart {
        var copy = self
        copy.field(name, value)
        return copy
    }
}
