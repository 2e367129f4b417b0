import CrashpipeCore
import SymbolsPE
import TestSupport
import Testing

/// Random truncations and byte mutations of the real files: every outcome is a result or a
/// ParseError, never a crash, a hang or another error. Mutations aim at the bytes the readers
/// look at (headers, tables, the MSF superblock, block map and directory) and are seeded, so a
/// failure reproduces.
struct MutationTests {
    static let perFile = 60

    /// Outcome of one run: parsed or failed with a ParseError.
    static func run(_ bytes: [UInt8], pdb: Bool) -> Bool {
        do {
            let view = ByteView(bytes)
            _ = pdb ? try PDBDebugFileFormat().objects(in: view) : try PEDebugFileFormat().objects(in: view)
            return true
        } catch is ParseError {
            return true
        } catch {
            Issue.record("not a ParseError: \(error)")
            return false
        }
    }

    /// The byte ranges worth mutating in a PE: the headers and section table, the debug
    /// directory and its CodeView record, and the export/exception directory heads.
    static func peTargets(_ bytes: [UInt8]) -> [Range<Int>] {
        let layout = PELayout(bytes: bytes)
        var ranges = [0..<min(bytes.count, layout.sectionTableOffset + layout.sectionCount * 40)]
        for index in [0, 3, 6] {
            let entry = layout.directoryEntry(index)
            guard let offset = layout.fileOffset(ofRVA: bytes.u32(entry)), offset < bytes.count else { continue }
            ranges.append(offset..<min(bytes.count, offset + 64))
        }
        if let debug = layout.fileOffset(ofRVA: bytes.u32(layout.directoryEntry(6))), debug + 28 <= bytes.count {
            let record = Int(bytes.u32(debug + 24))
            if record < bytes.count { ranges.append(record..<min(bytes.count, record + 48)) }
        }
        return ranges
    }

    /// The byte ranges worth mutating in a PDB: the superblock, the block map, the directory
    /// and the first blocks of the info and DBI streams.
    static func pdbTargets(_ bytes: [UInt8]) -> [Range<Int>] {
        let blockSize = Int(bytes.u32(32))
        let directorySize = Int(bytes.u32(44))
        let map = Int(bytes.u32(52))
        var ranges = [0..<64, map * blockSize..<map * blockSize + 64]
        let directoryBlocks = (0..<(directorySize + blockSize - 1) / blockSize).map { Int(bytes.u32(map * blockSize + $0 * 4)) }
        for block in directoryBlocks { ranges.append(block * blockSize..<block * blockSize + blockSize) }
        // Streams 1 and 3: their first blocks, found through the directory.
        var directory: [UInt8] = []
        for block in directoryBlocks { directory += bytes[block * blockSize..<block * blockSize + blockSize] }
        let count = Int(directory.u32(0))
        var position = 4 + count * 4
        for stream in 0..<min(count, 4) {
            let size = directory.u32(4 + stream * 4)
            let blocks = size == 0xffff_ffff ? 0 : (Int(size) + blockSize - 1) / blockSize
            if (stream == 1 || stream == 3) && blocks > 0 {
                let first = Int(directory.u32(position))
                ranges.append(first * blockSize..<first * blockSize + 64)
            }
            position += blocks * 4
        }
        return ranges.filter { $0.upperBound <= bytes.count }
    }

    @Test(arguments: Files.pe + Files.pdb)
    func mutations(_ relative: String) throws {
        let original = try Fixtures.bytes(relative)
        let pdb = Files.pdb.contains(relative)
        let targets = pdb ? Self.pdbTargets(original) : Self.peTargets(original)
        try #require(!targets.isEmpty)
        var random = SplitMix(state: UInt64(relative.utf8.count) &* 0x9e37_79b9 &+ UInt64(original.count))
        let interesting: [UInt32] = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x200, 0x1000]
        var ok = 0
        for _ in 0..<Self.perFile {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let range = targets.randomElement(using: &random)!
                let at = Int.random(in: range, using: &random)
                if Bool.random(using: &random) || at + 4 > bytes.count {
                    bytes[at] = UInt8.random(in: 0...255, using: &random)
                } else {
                    bytes.put32(interesting.randomElement(using: &random)!, at: at & ~3)
                }
            }
            if Self.run(bytes, pdb: pdb) { ok += 1 }
        }
        #expect(ok == Self.perFile)
    }

    @Test(arguments: Files.pe + Files.pdb)
    func truncations(_ relative: String) throws {
        let original = try Fixtures.bytes(relative)
        let pdb = Files.pdb.contains(relative)
        var random = SplitMix(state: UInt64(original.count))
        // Every length in the first 1 KiB that matters, then random lengths.
        var lengths = [0, 1, 2, 0x3c, 0x40, 0x80, 0x100, 0x17f, 0x180, 0x200, 0x3ff]
        for _ in 0..<30 { lengths.append(Int.random(in: 0..<original.count, using: &random)) }
        for length in lengths {
            #expect(Self.run(Array(original.prefix(length)), pdb: pdb), "length \(length)")
        }
        // And the whole file still reads.
        let whole = pdb ? try PDBDebugFileFormat().objects(in: ByteView(original))
                        : try PEDebugFileFormat().objects(in: ByteView(original))
        #expect(whole.count == 1)
    }
}
