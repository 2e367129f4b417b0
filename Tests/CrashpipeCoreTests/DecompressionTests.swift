import CIngestTestCodecs
import CrashpipeCore
import Testing

/// Core's bounded decompression over the system libraries: round trips, the cap, and damaged
/// streams reported with the kind and where the library stopped.
struct DecompressionTests {
    static func pack(_ codec: Codec, _ bytes: [UInt8]) -> [UInt8] {
        let test: cingest_test_codec = switch codec {
        case .gzip: CINGEST_TEST_GZIP
        case .zlib: CINGEST_TEST_ZLIB
        case .deflate: CINGEST_TEST_DEFLATE_RAW
        case .xz: CINGEST_TEST_XZ
        case .bzip2: CINGEST_TEST_BZIP2
        case .zstd: CINGEST_TEST_ZSTD
        case .brotli: CINGEST_TEST_BROTLI
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let rc = bytes.withUnsafeBufferPointer { cingest_test_compress(Int32(test.rawValue), $0.baseAddress, $0.count, &out, &size) }
        precondition(rc == 0, "test compressor failed")
        defer { cingest_test_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    static let sample: [UInt8] = (0..<100_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 31 ^ $0) }

    @Test(arguments: Codec.allCases)
    func roundTripAndCap(codec: Codec) throws {
        let packed = Self.pack(codec, Self.sample)
        #expect(try Decompression.decompress(packed, codec: codec, maxOutput: Self.sample.count) == Self.sample)
        // The same through a ByteView and into owned storage that outlives the input.
        let storage = try Decompression.decompressedStorage(ByteView(packed), codec: codec, maxOutput: 1 << 20)
        #expect(storage.view.array == Self.sample)
        do {
            _ = try Decompression.decompress(packed, codec: codec, maxOutput: Self.sample.count - 1)
            Issue.record("\(codec): no error one byte under the size")
        } catch {
            #expect(error.kind == .tooBig && error.codec == codec)
            #expect(error.outputSize == Self.sample.count, "stops at the cap + 1")
        }
    }

    @Test(arguments: Codec.allCases)
    func truncatedAndCorruptStreams(codec: Codec) throws {
        let packed = Self.pack(codec, Self.sample)
        do {
            _ = try Decompression.decompress(packed.prefix(packed.count / 2), codec: codec, maxOutput: 1 << 20)
            Issue.record("\(codec): half a stream decoded")
        } catch {
            #expect(error.kind == .truncated || error.kind == .corrupt, "\(error)")
            #expect(error.inputOffset <= packed.count / 2)
        }
        do {
            _ = try Decompression.decompress([0xDE, 0xAD, 0xBE, 0xEF] + packed, codec: codec, maxOutput: 1 << 20)
            Issue.record("\(codec): a stream with a bad start decoded")
        } catch {
            #expect(error.kind != .tooBig, "\(error)")
            #expect(!error.message.isEmpty && error.inputOffset <= packed.count + 4)
        }
    }

    @Test func trailingDataAndEmptyInput() throws {
        let packed = Self.pack(.zlib, [1, 2, 3])
        do {
            _ = try Decompression.decompress(packed + [9, 9, 9], codec: .zlib, maxOutput: 100)
            Issue.record("trailing bytes accepted")
        } catch {
            #expect(error.kind == .trailing && error.inputOffset == packed.count, "\(error)")
        }
        #expect(throws: DecompressionError.self) { try Decompression.decompress([UInt8](), codec: .xz, maxOutput: 10) }
    }

    @Test func crc32IsZlibs() {
        #expect(Decompression.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Decompression.crc32(Array("56789".utf8), continuing: Decompression.crc32(Array("1234".utf8))) == 0xCBF4_3926)
    }
}
