internal import CCodecs
import Foundation

/// A compression format ``Decompression`` unpacks with the system library (zlib, liblzma,
/// libbz2, libzstd, libbrotlidec).
public enum Codec: String, Sendable, Hashable, CaseIterable {
    /// gzip (RFC 1952); concatenated members read as one stream, as gzip(1) reads them.
    case gzip
    /// zlib (RFC 1950): deflate with a 2-byte header and an Adler-32 trailer.
    case zlib
    /// Raw deflate (RFC 1951), as zip entries hold it.
    case deflate
    /// xz (liblzma), concatenated streams and stream padding allowed.
    case xz
    /// bzip2, concatenated streams allowed.
    case bzip2
    /// Zstandard, one or more frames.
    case zstd
    /// Brotli (RFC 7932).
    case brotli

    var shimCodec: Int32 {
        switch self {
        case .gzip: return Int32(CCODECS_CODEC_GZIP.rawValue)
        case .zlib: return Int32(CCODECS_CODEC_ZLIB.rawValue)
        case .deflate: return Int32(CCODECS_CODEC_DEFLATE_RAW.rawValue)
        case .xz: return Int32(CCODECS_CODEC_XZ.rawValue)
        case .bzip2: return Int32(CCODECS_CODEC_BZIP2.rawValue)
        case .zstd: return Int32(CCODECS_CODEC_ZSTD.rawValue)
        case .brotli: return Int32(CCODECS_CODEC_BROTLI.rawValue)
        }
    }
}

/// Why a stream could not be decompressed: what, and where in the input it stopped.
public struct DecompressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The output passed `maxOutput`; decoding stopped there (a bomb, or a lying size).
        case tooBig
        /// The library rejected the data (`message` says why).
        case corrupt
        /// The input ended before the end of the stream.
        case truncated
        /// Bytes after the end of the stream that start no further stream.
        case trailing
        case noMemory
    }

    public var kind: Kind
    public var codec: Codec
    /// The library's words.
    public var message: String
    /// Input bytes the library had consumed when it stopped (libraries read ahead a little, so
    /// a fault is at or shortly before this offset).
    public var inputOffset: Int
    /// Output bytes produced when it stopped.
    public var outputSize: Int

    public init(kind: Kind, codec: Codec, message: String, inputOffset: Int, outputSize: Int) {
        self.kind = kind
        self.codec = codec
        self.message = message
        self.inputOffset = inputOffset
        self.outputSize = outputSize
    }

    public var description: String {
        "\(codec) \(kind): \(message) (at input byte \(inputOffset), after \(outputSize) output bytes)"
    }
}

/// Bounded decompression through the system libraries: the whole input is fed to the library's
/// streaming decoder and the output grows until the stream ends, the library fails, or the
/// output would pass `maxOutput` (then decoding stops at once, so a bomb costs at most
/// `maxOutput + 1` bytes of memory). Nothing is decoded in Swift.
public enum Decompression {
    /// Decompresses `input`, producing at most `maxOutput` bytes.
    public static func decompress(_ input: some ContiguousBytes, codec: Codec, maxOutput: Int)
        throws(DecompressionError) -> [UInt8]
    {
        let (data, size) = try run(input, codec: codec, maxOutput: maxOutput)
        guard let data else { return [] }
        defer { ccodecs_free(data) }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The same, handing the library's buffer to a ``ByteStorage`` without a copy: for large
    /// outputs read through a ``ByteView`` (compressed debug sections).
    public static func decompressedStorage(_ input: some ContiguousBytes, codec: Codec, maxOutput: Int)
        throws(DecompressionError) -> ByteStorage
    {
        let (data, size) = try run(input, codec: codec, maxOutput: maxOutput)
        guard let data else { return ByteStorage(copying: [UInt8]()) }
        return ByteStorage(bytes: UnsafeRawBufferPointer(start: data, count: size)) { bytes in
            ccodecs_free(UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
    }

    /// zlib's CRC-32 (the one zip and gzip use) of `bytes`, continuing from `crc` (0 to start).
    public static func crc32(_ bytes: some ContiguousBytes, continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            ccodecs_crc32(crc, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
    }

    /// The shim's malloc'd output (nil when empty) and its size.
    private static func run(_ input: some ContiguousBytes, codec: Codec, maxOutput: Int)
        throws(DecompressionError) -> (UnsafeMutablePointer<UInt8>?, Int)
    {
        var result = ccodecs_result()
        let status = input.withUnsafeBytes { raw in
            ccodecs_decompress(codec.shimCodec, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, max(0, maxOutput), &result)
        }
        if status == Int32(CCODECS_OK.rawValue) {
            return result.size > 0 ? (result.data, result.size) : (nil, 0)
        }
        let message = withUnsafeBytes(of: result.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let kind: DecompressionError.Kind
        switch status {
        case Int32(CCODECS_TOO_BIG.rawValue): kind = .tooBig
        case Int32(CCODECS_TRUNCATED.rawValue): kind = .truncated
        case Int32(CCODECS_TRAILING.rawValue): kind = .trailing
        case Int32(CCODECS_NO_MEMORY.rawValue): kind = .noMemory
        default: kind = .corrupt
        }
        throw DecompressionError(kind: kind, codec: codec, message: message, inputOffset: result.input_offset,
                                 outputSize: result.output_size)
    }
}

/// A view's bytes are contiguous: it can be handed to ``Decompression`` (and Foundation) as is.
extension ByteView: ContiguousBytes {}
