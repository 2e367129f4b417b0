@testable import CrashpipeIngest
import TestSupport
import Testing

/// Truncated and randomly mutated archives either throw a `ZipError` or read; they never
/// crash, trap or hang. Whatever reads and extracts has passed its size and CRC-32 checks.
@Suite(.timeLimit(.minutes(2)))
struct ZipFuzzTests {
    static let limits = ZipLimits(entries: 100, totalUncompressed: 4 << 20, perEntry: 1 << 20)

    struct Outcome {
        var refused = 0
        var opened = 0
        var extracted = 0
        var extractRefused = 0
    }

    /// Opens `bytes` and extracts every entry, counting what happened.
    static func exercise(_ bytes: [UInt8], _ outcome: inout Outcome) {
        let archive: ZipArchive
        do {
            archive = try ZipArchive(bytes: bytes, limits: limits)
        } catch {
            #expect(!error.what.isEmpty)
            outcome.refused += 1
            return
        }
        outcome.opened += 1
        for entry in archive.entries {
            do {
                let data = try archive.extract(entry)
                #expect(data.count == entry.uncompressedSize)
                #expect(data.count <= limits.perEntry)
                outcome.extracted += 1
            } catch {
                #expect(!error.what.isEmpty)
                outcome.extractRefused += 1
            }
        }
    }

    @Test(arguments: [ZipFixture.stored, .deflated, .zip64, .descriptor, .infozip])
    func everyTruncation(_ fixture: ZipFixture) {
        let bytes = fixture.bytes
        var outcome = Outcome()
        for length in 0..<bytes.count {
            Self.exercise(Array(bytes[..<length]), &outcome)
        }
        // Cut at the end, the end record is gone (or its comment is short): nothing opens.
        #expect(outcome.opened == 0)
        #expect(outcome.refused == bytes.count)
    }

    @Test(arguments: [ZipFixture.stored, .deflated, .zip64, .descriptor, .infozip])
    func everyCutFromTheFront(_ fixture: ZipFixture) {
        let bytes = fixture.bytes
        var outcome = Outcome()
        for start in 1..<bytes.count {
            Self.exercise(Array(bytes[start...]), &outcome)
        }
        #expect(outcome.opened + outcome.refused == bytes.count - 1)
    }

    /// 300 mutations of each fixture: 1 to 4 random bytes set to random values, half of them in
    /// the last 300 bytes (central directory and end records), where most of the structure is.
    @Test(arguments: [ZipFixture.stored, .deflated, .zip64, .descriptor, .infozip])
    func randomMutations(_ fixture: ZipFixture) {
        let original = fixture.bytes
        var rng = SplitMix(state: 0x5A1F_0000 &+ UInt64(original.count))
        var outcome = Outcome()
        for round in 0..<300 {
            var bytes = original
            let tailStart = max(0, bytes.count - 300)
            for _ in 0...Int.random(in: 0...3, using: &rng) {
                let at = round % 2 == 0 ? Int.random(in: tailStart..<bytes.count, using: &rng) : Int.random(in: 0..<bytes.count, using: &rng)
                // Interesting values as often as random ones.
                let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x2F, 0x2E, 0x5C]
                bytes[at] = Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            Self.exercise(bytes, &outcome)
        }
        #expect(outcome.opened + outcome.refused == 300)
        // Some mutations break the structure; some only the data, which extraction catches.
        #expect(outcome.refused > 0)
        #expect(outcome.extractRefused > 0)
    }

    /// Random mutations of 32-bit fields of the central directory and end records (offsets,
    /// sizes, counts, lengths) with extreme values.
    @Test(arguments: [ZipFixture.stored, .deflated, .zip64])
    func extremeFieldValues(_ fixture: ZipFixture) {
        let original = fixture.bytes
        var rng = SplitMix(state: 0xF1E1_D000 &+ UInt64(original.count))
        var outcome = Outcome()
        let directoryStart = Locate.all([0x50, 0x4B, 0x01, 0x02], in: original).first!
        let values: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF, 0x1_0000, UInt32(original.count),
                                UInt32(original.count - 1), UInt32(original.count + 1), 46, 22]
        for _ in 0..<200 {
            var bytes = original
            let at = Int.random(in: directoryStart..<(original.count - 4), using: &rng)
            bytes.put32(at, values.randomElement(using: &rng)!)
            Self.exercise(bytes, &outcome)
        }
        #expect(outcome.opened + outcome.refused == 200)
    }
}
