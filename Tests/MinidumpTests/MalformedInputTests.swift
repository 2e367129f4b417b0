import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// Malformed dumps give an error with an offset or a partial result with notes; never a crash,
/// a hang, or an allocation sized by a bogus count.
struct MalformedInputTests {
    /// Parses `bytes` every way the CLI and pipelines do: stream reading, report filling, text
    /// and JSON rendering. Returns the report when the header was readable.
    @discardableResult
    static func exercise(_ bytes: [UInt8]) -> CrashReport? {
        guard let contents = try? MinidumpContents(bytes: ByteView(bytes), contexts: .bundled) else { return nil }
        var report = CrashReport(source: "malformed")
        MinidumpReport.fill(&report, from: contents)
        _ = MinidumpDump.text(contents)
        _ = try? JSONOutput.string(MinidumpDump.document(contents))
        _ = ReportText.render(report)
        _ = try? JSONOutput.string(report)
        return report
    }

    static let validDumps: [String] = InventoryTests.entries.map(\.path)

    @Test(arguments: validDumps)
    func truncatedAtEveryStreamBoundaryAndRandomPoints(_ path: String) throws {
        let bytes = try Fixtures.bytes(path)
        let file = try MinidumpFile(ByteView(bytes), contexts: .bundled)
        var cuts = Set<Int>([0, 1, 4, 31, 32, Int(file.header.streamDirectoryRva)])
        for entry in file.directory {
            for cut in [Int(entry.rva), Int(entry.rva) + 1, Int(entry.rva) + Int(entry.dataSize) - 1,
                        Int(entry.rva) + Int(entry.dataSize)] {
                cuts.insert(cut)
            }
        }
        var random = SplitMix(state: UInt64(bytes.count))
        for _ in 0..<24 { cuts.insert(Int.random(in: 0..<bytes.count, using: &random)) }
        for cut in cuts.sorted() where cut >= 0 && cut < bytes.count {
            let report = Self.exercise(Array(bytes[..<cut]))
            if cut < 32 {
                #expect(report == nil, "a header cut at \(cut) bytes must be an error")
            }
        }
    }

    @Test(arguments: validDumps)
    func randomByteCorruption(_ path: String) throws {
        let original = try Fixtures.bytes(path)
        var random = SplitMix(state: UInt64(original.count) &* 31)
        for _ in 0..<40 {
            var bytes = original
            // Corrupt a few bytes, biased toward the header, the directory and stream starts,
            // where counts and offsets live.
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let position = Bool.random(using: &random)
                    ? Int.random(in: 0..<min(bytes.count, 512), using: &random)
                    : Int.random(in: 0..<bytes.count, using: &random)
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            }
            Self.exercise(bytes)
        }
    }

    @Test func emptyAndTinyInputsAreErrorsWithOffsets() {
        for size in 0..<32 {
            let bytes = Array([0x4d, 0x44, 0x4d, 0x50] + [UInt8](repeating: 0, count: 28)).prefix(size)
            #expect(throws: ParseError.self) { try MinidumpFile(ByteView(Array(bytes)), contexts: .bundled) }
        }
        do {
            _ = try MinidumpFile(ByteView(Array("not a minidump at all, just text".utf8)), contexts: .bundled)
            Issue.record("text parsed as a minidump")
        } catch {
            #expect(error.kind == .badMagic)
            #expect(error.offset == 0)
            #expect("\(error)".contains("signature"))
        }
    }

    /// rust-minidump's invalid-range.dmp: a LinuxMaps stream whose range is outside the file.
    @Test func invalidRangeDumpIsPartial() throws {
        let bytes = try Fixtures.bytes("rust-minidump/minidumps/invalid-range.dmp")
        let contents = try MinidumpContents(bytes: ByteView(bytes), contexts: .bundled)
        #expect(contents.file.directory.contains { $0.type == .linuxMaps })
        let report = try #require(Self.exercise(bytes))
        #expect(report.linux?.maps == nil)
        #expect(!report.notes.isEmpty)
    }

    /// rust-minidump's invalid-record-count.dmp: a Mac crash info stream with a bogus count.
    @Test func invalidRecordCountDumpDoesNotCrash() throws {
        let bytes = try Fixtures.bytes("rust-minidump/minidumps/invalid-record-count.dmp")
        let report = try #require(Self.exercise(bytes))
        #expect(report.streams.contains { $0.name == "MozMacosCrashInfo" })
    }

    /// A directory that claims far more streams than the file holds is cut, with a note.
    @Test func absurdStreamCountIsCut() throws {
        var bytes = try Fixtures.bytes("breakpad/minidumps/minidump2.dmp")
        bytes[8] = 0xff; bytes[9] = 0xff; bytes[10] = 0xff; bytes[11] = 0x7f
        let file = try MinidumpFile(ByteView(bytes), contexts: .bundled)
        #expect(file.directory.count < bytes.count / 12)
        #expect(file.notes.contains { $0.contains("claims") })
        #expect(Self.exercise(bytes) != nil)
    }
}
