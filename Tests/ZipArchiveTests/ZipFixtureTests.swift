@testable import CrashpipeIngest
import Testing

/// The good fixtures list and extract exactly what `make-fixtures.py` put in them.
struct ZipFixtureTests {
    @Test(arguments: ZipFixture.allCases)
    func everyEntryExtractsToItsKnownContent(_ fixture: ZipFixture) throws {
        let archive = try ZipArchive(bytes: fixture.bytes)
        #expect(archive.entries.map(\.path) == fixture.expected.map(\.path))
        #expect(archive.entries.map(\.isDirectory) == fixture.expected.map(\.isDirectory))
        for (index, (entry, expected)) in zip(archive.entries, fixture.expected).enumerated() {
            #expect(entry.index == index)
            #expect(entry.uncompressedSize == expected.content.count, "\(entry.path)")
            #expect(try archive.extract(entry) == expected.content, "\(entry.path)")
            #expect(entry.crc32 == testCRC32(expected.content), "\(entry.path)")
            if let crc = ZipFixtureContent.crcs[entry.path] {
                #expect(entry.crc32 == crc, "\(entry.path)")
            }
        }
    }

    @Test func theTestCRCAgreesWithPythonsZipfile() {
        #expect(testCRC32(ZipFixtureContent.readme) == 0xC692_1754)
        #expect(testCRC32(ZipFixtureContent.dwarf) == 0xE9B1_EB3B)
        #expect(testCRC32([]) == 0)
    }

    @Test(arguments: ZipFixture.allCases)
    func fixturesAreRecognizedAsZip(_ fixture: ZipFixture) {
        #expect(ZipArchive.isZip(fixture.bytes))
    }

    @Test func otherBytesAreNotZip() {
        #expect(!ZipArchive.isZip([]))
        #expect(!ZipArchive.isZip(Array("PK".utf8)))
        #expect(!ZipArchive.isZip(Array("MDMP\u{93}\u{a7}".utf8)))
        #expect(!ZipArchive.isZip([0x1F, 0x8B, 0x08, 0x00]))
        #expect(!ZipArchive.isZip([0x50, 0x4B, 0x07, 0x08]))
    }

    @Test func storedAndDeflateMethodsAreReported() throws {
        #expect(try ZipArchive(bytes: ZipFixture.stored.bytes).entries.allSatisfy { $0.method == 0 })
        let deflated = try ZipArchive(bytes: ZipFixture.deflated.bytes)
        #expect(deflated.entries.allSatisfy { $0.method == 8 })
        let dwarf = try #require(deflated.entries.first { $0.path.hasSuffix("DWARF/App") })
        #expect(dwarf.compressedSize == 581)
        #expect(dwarf.uncompressedSize == 20000)
    }

    /// zip64.zip has the ZIP64 end record and locator, and central directory sizes (and all but
    /// the first offset) of 0xFFFFFFFF whose real values are in the zip64 extra field.
    @Test func zip64RecordsAndExtraFieldsAreRead() throws {
        let bytes = ZipFixture.zip64.bytes
        #expect(Locate.all([0x50, 0x4B, 0x06, 0x07], in: bytes).count == 1)
        let dwarfRecord = Locate.central("App.dSYM/Contents/Resources/DWARF/App", in: bytes)
        #expect(bytes.u32(dwarfRecord + 20) == 0xFFFF_FFFF)
        #expect(bytes.u32(dwarfRecord + 24) == 0xFFFF_FFFF)
        #expect(bytes.u32(dwarfRecord + 42) == 0xFFFF_FFFF)

        let archive = try ZipArchive(bytes: bytes)
        let dwarf = try #require(archive.entries.last)
        #expect(dwarf.uncompressedSize == 20000)
        #expect(dwarf.compressedSize == 581)
        #expect(dwarf.headerOffset == Locate.local("App.dSYM/Contents/Resources/DWARF/App", in: bytes))
        #expect(try archive.extract(dwarf) == ZipFixtureContent.dwarf)
    }

    /// The ZIP64 end record wins over the plain one: a plain end record of all-ones
    /// placeholders (as large archives have) reads the same.
    @Test func zip64PlaceholdersInTheEndRecordAreReplaced() throws {
        let bytes = edited(.zip64) { b in
            let eocd = Locate.eocd(b)
            b.put16(eocd + 8, 0xFFFF)
            b.put16(eocd + 10, 0xFFFF)
            b.put32(eocd + 12, 0xFFFF_FFFF)
            b.put32(eocd + 16, 0xFFFF_FFFF)
        }
        let archive = try ZipArchive(bytes: bytes)
        #expect(archive.entries.map(\.path) == ZipFixture.zip64.expected.map(\.path))
    }

    @Test func dataDescriptorEntriesTakeTheirSizesFromTheCentralDirectory() throws {
        let bytes = ZipFixture.descriptor.bytes
        let local = Locate.local("README.txt", in: bytes)
        #expect(bytes.u16(local + 6) & 0x08 != 0)
        #expect(bytes.u32(local + 18) == 0)  // compressed size left 0 in the local header
        let archive = try ZipArchive(bytes: bytes)
        #expect(try archive.extract(archive.entries[0]) == ZipFixtureContent.readme)
    }

    @Test func symbolicLinksAreFlaggedAndNotFollowed() throws {
        let archive = try ZipArchive(bytes: ZipFixture.infozip.bytes)
        #expect(archive.entries.filter(\.isSymbolicLink).map(\.path) == ["symbols/latest.sym"])
        let link = try #require(archive.entries.first { $0.isSymbolicLink })
        #expect(try archive.extract(link) == Array("x.so/x.sym".utf8))
    }

    @Test func emptyArchiveHasNoEntries() throws {
        #expect(ZipFixture.empty.bytes.count == 22)
        #expect(try ZipArchive(bytes: ZipFixture.empty.bytes).entries.isEmpty)
    }

    /// The end record is found behind an archive comment (deflated.zip has one) and behind a
    /// comment of the largest size, 65535 bytes.
    @Test func endRecordIsFoundBehindAComment() throws {
        #expect(Locate.eocd(ZipFixture.deflated.bytes) + 22 < ZipFixture.deflated.bytes.count)
        let bytes = edited(.stored) { b in
            b.put16(Locate.eocd(b) + 20, 0xFFFF)
            b += [UInt8](repeating: 0x50, count: 0xFFFF)
        }
        #expect(try ZipArchive(bytes: bytes).entries.count == 5)
    }

    @Test func namesWithoutTheUTF8FlagThatAreNotUTF8AreCodePage437() throws {
        let bytes = edited(.stored) { b in
            b[Locate.central("README.txt", in: b) + 46] = 0x80  // Ç
        }
        #expect(try ZipArchive(bytes: bytes).entries[0].path == "ÇEADME.txt")
    }

    @Test func flaggedUTF8NamesMustBeUTF8() {
        let bytes = edited(.deflated) { b in
            let record = Locate.central("Résumé.txt", in: b)
            b[record + 47] = 0xFF  // inside "é"
        }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.entryIndex == 5)
        #expect(error?.description.contains("the name is not valid UTF-8, though flag bit 11 says it is") == true)
    }

    @Test func backslashesAreReadAsSlashes() throws {
        let bytes = edited(.stored) { b in
            b[Locate.central("bin/data.bin", in: b) + 46 + 3] = UInt8(ascii: "\\")
        }
        let archive = try ZipArchive(bytes: bytes)
        #expect(archive.entries[2].path == "bin/data.bin")
        #expect(try archive.extract(archive.entries[2]) == ZipFixtureContent.data)
    }

    @Test func emptyDeflateEntryWithoutDataIsEmpty() throws {
        let bytes = edited(.deflated) { $0.put32(Locate.central("empty", in: $0) + 20, 0) }
        let archive = try ZipArchive(bytes: bytes)
        let empty = try #require(archive.entries.first { $0.path == "empty" })
        #expect(empty.compressedSize == 0)
        #expect(try archive.extract(empty) == [])
    }

    @Test func anEntryOfAnotherArchiveIsRefused() throws {
        let stored = try ZipArchive(bytes: ZipFixture.stored.bytes)
        let deflated = try ZipArchive(bytes: ZipFixture.deflated.bytes)
        let error = zipError { () throws(ZipError) in _ = try stored.extract(deflated.entries[2]) }
        #expect(error?.description == "entry `App.dSYM/Contents/Info.plist`: the entry is not one of this archive's")
    }

    @Test func builtArchivesReadBack() throws {
        var builder = ZipBuilder()
        builder.add("a.txt", Array("hello".utf8))
        builder.add("b/c.bin", [1, 2, 3], deflate: false)
        let archive = try ZipArchive(bytes: builder.bytes)
        #expect(archive.entries.map(\.path) == ["a.txt", "b/c.bin"])
        #expect(try archive.extract(archive.entries[0]) == Array("hello".utf8))
        #expect(try archive.extract(archive.entries[1]) == [1, 2, 3])
    }
}
