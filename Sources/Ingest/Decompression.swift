import CIngestCodecs

/// A compression format the decoder unpacks, as a request `Content-Encoding` or as the minidump
/// part's container.
public enum IngestCompression: String, Sendable, Hashable, CaseIterable {
    /// gzip (RFC 1952): `Content-Encoding: gzip` (or `x-gzip`), or a container starting `1F 8B`.
    case gzip
    /// `Content-Encoding: deflate` with the zlib wrapper (RFC 1950), as the RFC says it should be.
    case zlib
    /// `Content-Encoding: deflate` as raw deflate (RFC 1951), as some clients send it.
    case deflate
    /// xz: a container starting `FD 37 7A 58 5A 00`.
    case xz
    /// bzip2: a container starting `42 5A 68` ("BZh").
    case bzip2
    /// Zstandard: `Content-Encoding: zstd`, or a container starting `28 B5 2F FD`.
    case zstd
    /// Brotli: `Content-Encoding: br`.
    case brotli

    var codec: Int32 {
        switch self {
        case .gzip: return Int32(CINGEST_CODEC_GZIP.rawValue)
        case .zlib: return Int32(CINGEST_CODEC_ZLIB.rawValue)
        case .deflate: return Int32(CINGEST_CODEC_DEFLATE_RAW.rawValue)
        case .xz: return Int32(CINGEST_CODEC_XZ.rawValue)
        case .bzip2: return Int32(CINGEST_CODEC_BZIP2.rawValue)
        case .zstd: return Int32(CINGEST_CODEC_ZSTD.rawValue)
        case .brotli: return Int32(CINGEST_CODEC_BROTLI.rawValue)
        }
    }

    /// The name used in messages.
    var displayName: String {
        switch self {
        case .gzip: return "gzip"
        case .zlib: return "deflate (zlib)"
        case .deflate: return "deflate (raw)"
        case .xz: return "xz"
        case .bzip2: return "bzip2"
        case .zstd: return "zstd"
        case .brotli: return "br (brotli)"
        }
    }

    /// The container whose magic bytes start `bytes`, if any.
    static func container(startingWith bytes: some Collection<UInt8>) -> IngestCompression? {
        let head = Array(bytes.prefix(6))
        if head.starts(with: [0x1F, 0x8B]) { return .gzip }
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if head.starts(with: [0x42, 0x5A, 0x68]) { return .bzip2 }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        return nil
    }
}

/// Why a stream could not be decompressed.
struct DecompressionFailure: Error {
    enum Kind { case tooBig, corrupt, truncated, trailing, noMemory }
    var kind: Kind
    /// The library's words.
    var message: String
    /// Input bytes the library had consumed when it stopped.
    var inputOffset: Int
    /// Output bytes produced when it stopped.
    var outputSize: Int
}

enum Decompressor {
    /// Decompresses `input`, producing at most `maxOutput` bytes: past that it stops at once
    /// and fails with `.tooBig`.
    static func decompress(_ input: [UInt8], as compression: IngestCompression, maxOutput: Int)
        throws(DecompressionFailure) -> [UInt8]
    {
        try decompress(input[...], as: compression, maxOutput: maxOutput)
    }

    /// The same, for part of a buffer (a zip entry's data), without copying it.
    static func decompress(_ input: ArraySlice<UInt8>, as compression: IngestCompression, maxOutput: Int)
        throws(DecompressionFailure) -> [UInt8]
    {
        var result = cingest_result()
        let status = input.withUnsafeBufferPointer { buffer in
            cingest_decompress(compression.codec, buffer.baseAddress, buffer.count, max(0, maxOutput), &result)
        }
        if status == Int32(CINGEST_OK.rawValue) {
            guard let data = result.data, result.size > 0 else { return [] }
            defer { cingest_free(data) }
            return Array(UnsafeBufferPointer(start: data, count: result.size))
        }
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let kind: DecompressionFailure.Kind
        switch status {
        case Int32(CINGEST_TOO_BIG.rawValue): kind = .tooBig
        case Int32(CINGEST_TRUNCATED.rawValue): kind = .truncated
        case Int32(CINGEST_TRAILING.rawValue): kind = .trailing
        case Int32(CINGEST_NO_MEMORY.rawValue): kind = .noMemory
        default: kind = .corrupt
        }
        throw DecompressionFailure(kind: kind, message: message, inputOffset: result.input_offset,
                                   outputSize: result.output_size)
    }
}
