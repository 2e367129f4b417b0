import CIngestTestCodecs
import CrashpipeCore
@testable import CrashpipeIngest
import Foundation
import TestSupport
import Testing

/// A real minidump from the Breakpad fixtures (11 KB, Windows x86).
let fixtureDump: [UInt8] = try! Fixtures.bytes("breakpad/minidumps/minidump2.dmp")

/// 1 GiB of zeros as a single gzip stream of about 1 MiB, made once (streaming) for the bomb tests.
let gzipBomb1GiB: [UInt8] = Compress.gzipZeros(1 << 30)

/// Compressors from the system libraries (test-only shim).
enum Compress {
    static func with(_ codec: cingest_test_codec, _ bytes: [UInt8]) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = bytes.withUnsafeBufferPointer { cingest_test_compress(Int32(codec.rawValue), $0.baseAddress, $0.count, &out, &size) }
        precondition(rc == 0, "compression failed")
        defer { cingest_test_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    static func gzip(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_GZIP, b) }
    static func zlib(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_ZLIB, b) }
    static func rawDeflate(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_DEFLATE_RAW, b) }
    static func xz(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_XZ, b) }
    static func bzip2(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_BZIP2, b) }
    static func zstd(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_ZSTD, b) }
    static func brotli(_ b: [UInt8]) -> [UInt8] { with(CINGEST_TEST_BROTLI, b) }

    /// A gzip stream of `count` zeros, made by streaming.
    static func gzipZeros(_ count: UInt64) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        precondition(cingest_test_gzip_zeros(count, &out, &size) == 0)
        defer { cingest_test_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}

/// Builds `multipart/form-data` bodies byte by byte, as clients send them.
struct Multipart {
    var boundary = "---MultipartBoundary-0123456789abcdef---"
    var body: [UInt8] = []

    init(boundary: String = "---MultipartBoundary-0123456789abcdef---") { self.boundary = boundary }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        raw(headers: ["Content-Disposition: form-data; name=\"\(name)\""], Array(value.utf8))
    }

    mutating func file(_ name: String, fileName: String = "upload.dmp", contentType: String = "application/octet-stream",
                       _ bytes: [UInt8]) {
        raw(headers: ["Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"",
                      "Content-Type: \(contentType)"], bytes)
    }

    mutating func raw(headers: [String], _ bytes: [UInt8]) {
        body += Array("--\(boundary)\r\n".utf8)
        for header in headers { body += Array("\(header)\r\n".utf8) }
        body += Array("\r\n".utf8)
        body += bytes
        body += Array("\r\n".utf8)
    }

    /// The body with its closing boundary.
    var closed: [UInt8] { body + Array("--\(boundary)--\r\n".utf8) }

    func request(encoding: String? = nil) -> IngestRequest {
        IngestRequest(contentType: contentType, contentEncoding: encoding, body: closed)
    }
}

/// A multipart upload with the fixture dump and some Crashpad annotations.
func crashpadUpload(dump: [UInt8] = fixtureDump) -> Multipart {
    var form = Multipart()
    form.field("prod", "Electron")
    form.field("ver", "30.0.1")
    form.file("upload_file_minidump", dump)
    return form
}

/// Decodes `request` expecting a refusal, and returns it.
func refusal(_ request: IngestRequest, limits: IngestLimits = .default,
             sourceLocation: SourceLocation = #_sourceLocation) -> IngestError? {
    do {
        let upload = try Ingest.decode(request, limits: limits)
        Issue.record("expected a refusal, got an upload of \(upload.minidump.count) bytes", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

extension JSONObject {
    /// The object as compact JSON, for whole-value assertions.
    var json: String { StrictJSON.serialize(.object(self)) }
}
