import CrashpipeCore
@testable import CrashpipeIngest
import Foundation
import Testing

/// The minidump part as a gzip/xz/bzip2/zstd container, found by its magic; the MDMP/PMDM check.
struct ContainerAndMagicTests {
    @Test(arguments: [IngestCompression.gzip, .xz, .bzip2, .zstd])
    func compressedMinidumpParts(container: IngestCompression) throws {
        let packed: [UInt8]
        switch container {
        case .gzip: packed = Compress.gzip(fixtureDump)
        case .xz: packed = Compress.xz(fixtureDump)
        case .bzip2: packed = Compress.bzip2(fixtureDump)
        default: packed = Compress.zstd(fixtureDump)
        }
        #expect(IngestCompression.container(startingWith: packed) == container)
        let upload = try Ingest.decode(crashpadUpload(dump: packed).request())
        #expect(upload.minidump == fixtureDump)
        #expect(upload.minidumpContainer == container)
        #expect(upload.isBigEndian == false)

        // The same container as a raw body.
        let raw = try Ingest.decode(IngestRequest(contentType: "application/octet-stream", body: packed))
        #expect(raw.minidump == fixtureDump)
        #expect(raw.minidumpContainer == container)
    }

    @Test func containersMadeByTheCommandLineToolsAreRead() throws {
        // The tools are on the machine image; a missing one skips only its own case.
        for (tool, args, expected) in [("xz", ["-c"], IngestCompression.xz), ("bzip2", ["-c"], .bzip2),
                                       ("zstd", ["-q", "-c"], .zstd), ("gzip", ["-c", "-n"], .gzip)] {
            guard let path = ["/usr/bin/\(tool)", "/bin/\(tool)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                continue
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = args
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(fixtureDump))
            try input.fileHandleForWriting.close()
            let packed = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let upload = try Ingest.decode(crashpadUpload(dump: packed).request())
            #expect(upload.minidump == fixtureDump, "\(tool)")
            #expect(upload.minidumpContainer == expected)
        }
    }

    @Test func garbageAfterTheGzipMagicIsABrokenContainer() throws {
        let bogus: [UInt8] = [0x1F, 0x8B] + Array("this is not deflate data at all".utf8)
        let error = try #require(refusal(crashpadUpload(dump: bogus).request()))
        #expect(error.status == 400)
        #expect(error.reason == .brokenContainer)
        #expect(error.detail.hasPrefix("the minidump (part 3 (field `upload_file_minidump`, file `upload.dmp`)) is a broken gzip container: "))
        #expect(error.detail.contains("at or shortly before byte"))
        #expect(error.causes.last == "the container starts 1F 8B 74 68 69 73 20 69 (\"..this i\")")
    }

    @Test(arguments: [IngestCompression.gzip, .xz, .bzip2, .zstd])
    func truncatedContainersAreBroken(container: IngestCompression) throws {
        let packed: [UInt8]
        switch container {
        case .gzip: packed = Compress.gzip(fixtureDump)
        case .xz: packed = Compress.xz(fixtureDump)
        case .bzip2: packed = Compress.bzip2(fixtureDump)
        default: packed = Compress.zstd(fixtureDump)
        }
        let cut = Array(packed.prefix(packed.count / 2))
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: cut)))
        #expect(error.status == 400)
        #expect(error.reason == .brokenContainer)
        #expect(error.detail == "the minidump (the raw request body) is a broken \(container.displayName) container: it ends (after all \(Render.size(cut.count))) before the end of the compressed stream")
    }

    @Test func corruptedXzAndBzip2ReportTheLibraryMessage() throws {
        var xz = Compress.xz(fixtureDump)
        xz[xz.count / 2] ^= 0xFF
        let xzError = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: xz)))
        #expect(xzError.reason == .brokenContainer)
        #expect(xzError.causes.first == "corrupt data")

        var bz = Compress.bzip2(fixtureDump)
        bz[bz.count / 2] ^= 0xFF
        let bzError = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: bz)))
        #expect(bzError.reason == .brokenContainer)
        #expect(bzError.causes.first == "corrupt data (block checksum or structure)")
    }

    @Test func trailingDataAfterAContainerIsBroken() throws {
        let gz = Compress.gzip(fixtureDump)
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: gz + Array("tail".utf8))))
        #expect(error.reason == .brokenContainer)
        #expect(error.detail == "the minidump (the raw request body) is a broken gzip container: 4 bytes of other data follow the end of the compressed stream at byte \(gz.count)")
    }

    @Test func wrongMagicIsNotAMinidump() throws {
        var pe = [UInt8](repeating: 0, count: 64)
        pe[0] = 0x4D; pe[1] = 0x5A; pe[2] = 0x90
        let error = try #require(refusal(crashpadUpload(dump: pe).request()))
        #expect(error.status == 400)
        #expect(error.reason == .notAMinidump)
        #expect(error.detail == "the minidump (part 3 (field `upload_file_minidump`, file `upload.dmp`)) is not a minidump: it starts with 4D 5A 90 00 (\"MZ..\"), where MDMP (little endian) or PMDM (big endian) was expected")

        let short = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: Array("MDM".utf8))))
        #expect(short.detail == "the minidump (the raw request body) is not a minidump: it is only 3 bytes long (4D 44 4D (\"MDM\")), where a minidump starts with MDMP or PMDM")
    }

    @Test func wrongMagicAfterUnpackingSaysSo() throws {
        let error = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: Compress.gzip(Array("hello world".utf8)))))
        #expect(error.reason == .notAMinidump)
        #expect(error.detail == "the minidump (the raw request body) is not a minidump: it starts with 68 65 6C 6C (\"hell\") after unpacking its gzip container, where MDMP (little endian) or PMDM (big endian) was expected")

        let doubly = try #require(refusal(IngestRequest(contentType: "application/x-dmp", body: Compress.gzip(Compress.xz(fixtureDump)))))
        #expect(doubly.reason == .notAMinidump)
        #expect(doubly.causes == ["that is the magic of a xz container; only one container level is unpacked"])
    }

    @Test func anythingAfterTheMagicIsAccepted() throws {
        let garbage = Array("MDMP".utf8) + [0xDE, 0xAD, 0xBE, 0xEF, 0x00]
        let upload = try Ingest.decode(crashpadUpload(dump: garbage).request())
        #expect(upload.minidump == garbage)
        #expect(upload.isBigEndian == false)

        let magicOnly = try Ingest.decode(IngestRequest(contentType: "application/x-dmp", body: Array("MDMP".utf8)))
        #expect(magicOnly.minidump == Array("MDMP".utf8))
    }

    @Test func bigEndianMinidumpIsFlagged() throws {
        let bigEndian = Array("PMDM".utf8) + fixtureDump.dropFirst(4)
        let upload = try Ingest.decode(crashpadUpload(dump: Compress.zstd(bigEndian)).request())
        #expect(upload.isBigEndian)
        #expect(upload.minidump == bigEndian)
    }
}
