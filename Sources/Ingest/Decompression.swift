import CrashpipeCore

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

    /// Core's codec for it.
    public var codec: Codec {
        switch self {
        case .gzip: return .gzip
        case .zlib: return .zlib
        case .deflate: return .deflate
        case .xz: return .xz
        case .bzip2: return .bzip2
        case .zstd: return .zstd
        case .brotli: return .brotli
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
