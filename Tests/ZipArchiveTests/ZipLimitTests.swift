@testable import CrashpipeIngest
import Testing

/// `ZipLimits`: entry count, declared sizes, compression ratio, and zip bombs.
struct ZipLimitTests {
    static let mib = 1 << 20
    /// 10 MiB of zeros, deflated to about 10 KB.
    static let zeros = [UInt8](repeating: 0, count: 10 * mib)

    @Test func defaults() {
        let limits = ZipLimits()
        #expect(limits.entries == 10_000)
        #expect(limits.totalUncompressed == 2 << 30)
        #expect(limits.perEntry == 1 << 30)
        #expect(limits.compressionRatio == nil)
        #expect(ZipLimits.default == limits)
    }

    @Test func tooManyEntries() throws {
        let error = openError(ZipFixture.stored.bytes, limits: ZipLimits(entries: 3))
        #expect(error?.reason == .limitExceeded)
        #expect(error?.offset == 844)
        #expect(error?.description == "at offset 844: the archive has 5 entries, more than the limit of 3")
        #expect(try ZipArchive(bytes: ZipFixture.stored.bytes, limits: ZipLimits(entries: 5)).entries.count == 5)
    }

    /// A real zip bomb, honestly declared: refused when it is opened, before anything is inflated.
    @Test func zipBombIsRefusedByItsDeclaredSize() throws {
        var builder = ZipBuilder()
        builder.add("zeros.bin", Self.zeros)
        #expect(builder.entries[0].data.count < 20_000)
        let error = openError(builder.bytes, limits: ZipLimits(perEntry: Self.mib))
        #expect(error?.reason == .limitExceeded)
        #expect(error?.description == "entry `zeros.bin` at offset \(builder.bytes.count - 22 - 55): declares 10485760 bytes (10 MiB), more than the per-entry limit of 1048576 bytes (1 MiB)")

        // Within the default limits it extracts to what it is.
        let archive = try ZipArchive(bytes: builder.bytes)
        #expect(try archive.extract(archive.entries[0]) == Self.zeros)
    }

    /// The same bomb declaring 1 MiB: it opens, and inflating stops at 1 MiB.
    @Test func zipBombWithALyingHeaderStopsAtItsDeclaredSize() throws {
        var builder = ZipBuilder()
        builder.add("zeros.bin", Self.zeros, declaredSize: Self.mib)
        let error = try extractError(builder.bytes, "zeros.bin", limits: ZipLimits(perEntry: Self.mib))
        #expect(error?.reason == .corruptData)
        #expect(error?.description == "entry `zeros.bin` at offset 39: inflates to more than its declared size of 1048576 bytes (1 MiB); inflating stopped there (a lying header, or a zip bomb)")
    }

    @Test func declaredSizesAddingUpPastTheTotal() {
        var builder = ZipBuilder()
        for name in ["a", "b", "c"] { builder.add(name, [UInt8](repeating: 0, count: Self.mib)) }
        let limits = ZipLimits(totalUncompressed: 5 * Self.mib / 2, perEntry: Self.mib)
        let error = openError(builder.bytes, limits: limits)
        #expect(error?.reason == .limitExceeded)
        #expect(error?.entryIndex == 2)
        #expect(error?.entry == "c")
        #expect(error?.what == "with this entry the declared uncompressed sizes add up to more than the limit of 2621440 bytes (2.5 MiB)")
    }

    @Test func hugeDeclaredSizeIsRefusedByDefault() {
        var builder = ZipBuilder()
        builder.add("big.dwarf", [1, 2, 3], declaredSize: 0xFFFF_FFF0)
        let error = openError(builder.bytes)
        #expect(error?.what == "declares 4294967280 bytes (3.9 GiB), more than the per-entry limit of 1073741824 bytes (1 GiB)")
    }

    @Test func perEntryLimitOnAFixture() {
        let error = openError(ZipFixture.deflated.bytes, limits: ZipLimits(perEntry: 10_000))
        #expect(error?.description == "entry `App.dSYM/Contents/Resources/DWARF/App` at offset 1410: declares 20000 bytes (19.5 KiB), more than the per-entry limit of 10000 bytes (9.7 KiB)")
    }

    @Test func compressionRatioGuard() throws {
        // DWARF/App: 20000 bytes from 581, about 34:1.
        let error = openError(ZipFixture.deflated.bytes, limits: ZipLimits(compressionRatio: 10))
        #expect(error?.reason == .limitExceeded)
        #expect(error?.description == "entry `App.dSYM/Contents/Resources/DWARF/App` at offset 1410: declares 20000 bytes (19.5 KiB) from 581 bytes, more than the compression ratio limit of 10:1")
        #expect(try ZipArchive(bytes: ZipFixture.deflated.bytes, limits: ZipLimits(compressionRatio: 50)).entries.count == 6)
    }
}

/// A non-recursive zip bomb (overlapping entries that all point at one deflate stream) is
/// refused however small its entries are.
struct ZipOverlapTests {
    @Test func entriesSharingOneLocalHeaderAreRefused() {
        var builder = ZipBuilder()
        for name in ["a", "b", "c"] { builder.add(name, [UInt8](repeating: 0, count: 1 << 16)) }
        var bytes = builder.bytes
        bytes.put32(Locate.central("b", in: bytes) + 42, 0)
        bytes.put32(Locate.central("c", in: bytes) + 42, 0)
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.entryIndex == 1)
        let end = 31 + builder.entries[0].data.count
        #expect(error?.description == "entry `b` at offset 0: its local header at offset 0 lies inside entry `a` (offsets 0 to \(end)): entries overlap")
    }

    @Test func anEntryStartingInsideAnotherIsRefused() {
        // bin/data.bin's data, declared 300 bytes from offset 147, covers empty.txt's header at 403.
        let bytes = edited(.stored) { b in
            b.put32(Locate.central("bin/data.bin", in: b) + 20, 300)
            b.put32(Locate.central("bin/data.bin", in: b) + 24, 300)
        }
        #expect(openError(bytes)?.description == "entry `empty.txt` at offset 403: its local header at offset 403 lies inside entry `bin/data.bin` (offsets 105 to 447): entries overlap")
    }
}
