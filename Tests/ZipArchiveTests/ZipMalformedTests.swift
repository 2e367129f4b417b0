@testable import CrashpipeIngest
import Testing

/// Archives broken by editing bytes of the good fixtures: each is refused with an error that
/// says what is wrong, where (the file offset) and in which entry.
struct ZipMalformedTests {
    // MARK: End records

    @Test func truncatedEndRecordIsNotFound() {
        let stored = ZipFixture.stored.bytes
        let error = openError(Array(stored.dropLast(5)))
        #expect(error?.reason == .malformed)
        #expect(error?.description == "no end of central directory record in the last 861 bytes: not a zip archive, or one cut short")

        // deflated.zip's end record has a 24-byte comment; cut the comment short.
        let deflated = ZipFixture.deflated.bytes
        #expect(openError(Array(deflated.dropLast(3)))?.what.hasPrefix("no end of central directory record") == true)
    }

    @Test func fileShorterThanAnEndRecordIsRefused() {
        let error = openError([0x50, 0x4B, 0x05, 0x06])
        #expect(error?.reason == .malformed)
        #expect(error?.description == "the file is 4 bytes: too short for a zip archive, whose end of central directory record alone is 22 bytes")
        #expect(openError([])?.reason == .malformed)
    }

    @Test func centralDirectoryOffsetOutOfRange() {
        let bytes = edited(.stored) { $0.put32(Locate.eocd($0) + 16, 966) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.offset == 844)
        #expect(error?.description == "at offset 844: the central directory (279 bytes at offset 966) does not lie inside the file before its end record at offset 844")
    }

    @Test func centralDirectorySizeOutOfRange() {
        let bytes = edited(.stored) { $0.put32(Locate.eocd($0) + 12, 0xFFFF_FF00) }
        #expect(openError(bytes)?.description.contains("does not lie inside the file before its end record at offset 844") == true)
    }

    @Test func hugeEntryCountIsRefusedBeforeReadingEntries() {
        let bytes = edited(.stored) { b in
            b.put16(Locate.eocd(b) + 8, 0xFFFF)
            b.put16(Locate.eocd(b) + 10, 0xFFFF)
        }
        let error = openError(bytes)
        #expect(error?.reason == .limitExceeded)
        #expect(error?.description == "at offset 844: the archive has 65535 entries, more than the limit of 10000")
    }

    @Test func entryCountTheDirectoryCannotHoldIsALie() {
        let bytes = edited(.stored) { b in
            b.put16(Locate.eocd(b) + 8, 5000)
            b.put16(Locate.eocd(b) + 10, 5000)
        }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.description == "at offset 844: the end record declares 5000 entries, but a central directory of 279 bytes holds at most 6 (each record takes at least 46 bytes)")
    }

    @Test func entryCountBelowTheRecordsIsALie() {
        let bytes = edited(.stored) { b in
            b.put16(Locate.eocd(b) + 8, 3)
            b.put16(Locate.eocd(b) + 10, 3)
        }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.description == "at offset 729: the central directory has 115 bytes after its 3 declared entries")
    }

    @Test func entryCountOneAboveTheRecordsRunsPastTheDirectory() {
        let bytes = edited(.stored) { b in
            b.put16(Locate.eocd(b) + 8, 6)
            b.put16(Locate.eocd(b) + 10, 6)
        }
        let error = openError(bytes)
        #expect(error?.entryIndex == 5)
        #expect(error?.description == "at offset 844: central directory record 6 of 6 runs past the end of the central directory at offset 844")
    }

    @Test func splitArchivesAreRefused() {
        let disk = edited(.stored) { $0.put16(Locate.eocd($0) + 4, 1) }
        let error = openError(disk)
        #expect(error?.reason == .unsupported)
        #expect(error?.description == "at offset 844: this is one part of a split (multi-disk) archive (disk 1, central directory on disk 0, 5 of 5 entries here); split archives are not supported")

        let part = edited(.stored) { $0.put16(Locate.eocd($0) + 8, 4) }
        #expect(openError(part)?.reason == .unsupported)

        let entryOnDisk = edited(.stored) { $0.put16(Locate.central("bin/data.bin", in: $0) + 34, 2) }
        let entryError = openError(entryOnDisk)
        #expect(entryError?.description == "entry `bin/data.bin` at offset 671: the entry starts on disk 2 of a split archive; split archives are not supported")
    }

    // MARK: ZIP64

    @Test func zip64LocatorPointingOutsideTheFile() {
        let bytes = edited(.zip64) { $0.put64(Locate.eocd($0) - 20 + 8, 1 << 62) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.offset == Locate.eocd(bytes) - 20)
        #expect(error?.what == "the ZIP64 end of central directory locator points at offset 4611686018427387904, where no 56-byte ZIP64 end record fits before the locator")
    }

    @Test func zip64LocatorPointingAtSomethingElse() {
        let bytes = edited(.zip64) { $0.put64(Locate.eocd($0) - 20 + 8, 0) }
        let error = openError(bytes)
        #expect(error?.what == "no ZIP64 end of central directory record at offset 0, where its locator points")
    }

    @Test func zip64EndRecordWithAHugeCount() {
        let bytes = edited(.zip64) { b in
            b.put64(Locate.eocd64(b) + 24, 1 << 40)
            b.put64(Locate.eocd64(b) + 32, 1 << 40)
        }
        let error = openError(bytes)
        #expect(error?.reason == .limitExceeded)
        #expect(error?.description == "at offset 1352: the archive has 1099511627776 entries, more than the limit of 10000")
    }

    @Test func zip64EndRecordWithOffsetsPast2To63() {
        let bytes = edited(.zip64) { $0.put64(Locate.eocd64($0) + 48, UInt64.max) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.description == "at offset 1352: the central directory (273 bytes at offset 18446744073709551615) does not lie inside the file before its end record at offset 1352")
    }

    @Test func zip64ExtraFieldTooShort() {
        let bytes = edited(.zip64) { $0.put16(Locate.central("bin/data.bin", in: $0) + 46 + 12 + 2, 8) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.description == "entry `bin/data.bin` at offset 1155: the zip64 extra field (8 bytes) is too short to hold the compressed size")
    }

    @Test func zip64SizesPast2To63() {
        let bytes = edited(.zip64) { $0.put64(Locate.central("bin/data.bin", in: $0) + 46 + 12 + 4, UInt64.max) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.description == "entry `bin/data.bin` at offset 1155: sizes or offset past 2^63: compressed 256, uncompressed 18446744073709551615, local header at 93")
    }

    // MARK: Central directory records

    @Test func brokenCentralRecordSignature() {
        let bytes = edited(.stored) { $0[Locate.central("bin/", in: $0) + 2] = 0 }
        let error = openError(bytes)
        #expect(error?.entryIndex == 1)
        #expect(error?.description == "at offset 621: no central directory record signature for entry 2 of 5")
    }

    @Test func centralRecordNameRunningPastTheDirectory() {
        let bytes = edited(.stored) { $0.put16(Locate.central("bin/deep/x.sym", in: $0) + 28, 0xFFFF) }
        let error = openError(bytes)
        #expect(error?.description == "at offset 784: the central directory record's name (65535 bytes), extra field (0) and comment (0) run past the end of the central directory at offset 844")
    }

    // MARK: Local headers and data

    @Test func localHeaderOffsetPastTheEnd() {
        let bytes = edited(.stored) { $0.put32(Locate.central("bin/data.bin", in: $0) + 42, 0x7FFF_FFF0) }
        let error = openError(bytes)
        #expect(error?.reason == .malformed)
        #expect(error?.entry == "bin/data.bin")
        #expect(error?.description == "entry `bin/data.bin` at offset 671: its local header offset 2147483632 is outside the entry data (offsets 0 to 565, where the central directory starts)")
    }

    @Test func localHeaderOffsetInsideTheDirectory() {
        let bytes = edited(.stored) { $0.put32(Locate.central("README.txt", in: $0) + 42, 565) }
        #expect(openError(bytes)?.what.hasPrefix("its local header offset 565 is outside the entry data") == true)
    }

    @Test func localHeaderOffsetAtNoLocalHeader() {
        let bytes = edited(.stored) { $0.put32(Locate.central("bin/data.bin", in: $0) + 42, 1) }
        let error = openError(bytes)
        #expect(error?.offset == 1)
        #expect(error?.description == "entry `bin/data.bin` at offset 1: no local header signature at offset 1, where the central directory says the entry starts")
    }

    @Test func localHeaderNameAndExtraMustFit() {
        let name = edited(.stored) { $0.put16(Locate.local("bin/deep/x.sym", in: $0) + 26, 0xFFFF) }
        let error = openError(name)
        #expect(error?.description == "entry `bin/deep/x.sym` at offset 442: the local header's name (65535 bytes) and extra field (0 bytes) run past the start of the central directory at offset 565")

        let extra = edited(.stored) { $0.put16(Locate.local("bin/deep/x.sym", in: $0) + 28, 200) }
        #expect(openError(extra)?.what.contains("and extra field (200 bytes) run past the start of the central directory") == true)
    }

    @Test func entryDataRunningIntoTheDirectory() {
        let bytes = edited(.stored) { b in
            b.put32(Locate.central("bin/data.bin", in: b) + 20, 100_000)
            b.put32(Locate.central("bin/data.bin", in: b) + 24, 100_000)
        }
        let error = openError(bytes)
        #expect(error?.offset == 147)
        #expect(error?.description == "entry `bin/data.bin` at offset 147: its 100000 bytes (97.6 KiB) of data at offset 147 run past the start of the central directory at offset 565")
    }

    @Test func storedEntryWhoseSizesDiffer() {
        let bytes = edited(.stored) { $0.put32(Locate.central("README.txt", in: $0) + 24, 30) }
        let error = openError(bytes)
        #expect(error?.description == "entry `README.txt` at offset 565: the entry is stored, yet its compressed size 31 differs from its uncompressed size 30")
    }

    @Test func localHeaderContradictingTheDirectory() {
        let bytes = edited(.stored) { $0.put16(Locate.local("README.txt", in: $0) + 8, 8) }
        let error = openError(bytes)
        #expect(error?.description == "entry `README.txt` at offset 0: the local header (method 8, flags 0x0000) contradicts the central directory (method 0, flags 0x0000)")
    }

    // MARK: Encryption and methods

    @Test func encryptedEntriesAreRefused() {
        let bytes = edited(.stored) { $0[Locate.central("README.txt", in: $0) + 8] |= 1 }
        let error = openError(bytes)
        #expect(error?.reason == .unsupported)
        #expect(error?.entryIndex == 0)
        #expect(error?.description == "entry `README.txt` at offset 565: the entry is encrypted (flag bits 0x0001); encrypted entries are not supported")

        let strong = edited(.deflated) { $0[Locate.central("empty", in: $0) + 8] |= 0x40 }
        #expect(openError(strong)?.description.contains("entry `empty` at offset 1493: the entry is encrypted (flag bits 0x0040)") == true)
    }

    @Test(arguments: [(99, "compression method 99 (WinZip AES encryption) is not supported (only 0, stored, and 8, deflate, are)"),
                      (12, "compression method 12 (bzip2) is not supported (only 0, stored, and 8, deflate, are)"),
                      (9, "compression method 9 (deflate64) is not supported (only 0, stored, and 8, deflate, are)"),
                      (1234, "compression method 1234 is not supported (only 0, stored, and 8, deflate, are)")])
    func unsupportedMethodsAreRefused(method: Int, message: String) {
        let bytes = edited(.deflated) { b in
            b.put16(Locate.central("App.dSYM/Contents/Info.plist", in: b) + 10, method)
            b.put16(Locate.local("App.dSYM/Contents/Info.plist", in: b) + 8, method)
        }
        let error = openError(bytes)
        #expect(error?.reason == .unsupported)
        #expect(error?.description == "entry `App.dSYM/Contents/Info.plist` at offset 1336: " + message)
    }

    // MARK: Entry data

    @Test func crcMismatchOfAStoredEntry() throws {
        let bytes = edited(.stored) { $0.put32(Locate.central("bin/data.bin", in: $0) + 16, 0xDEAD_BEEF) }
        let error = try extractError(bytes, "bin/data.bin")
        #expect(error?.reason == .corruptData)
        #expect(error?.entryIndex == 2)
        #expect(error?.description == "entry `bin/data.bin` at offset 147: CRC-32 mismatch: the extracted data's is 0x29058c73, the header says 0xdeadbeef")
    }

    @Test func crcMismatchOfADeflatedEntry() throws {
        let bytes = edited(.deflated) { $0.put32(Locate.central("App.dSYM/Contents/Info.plist", in: $0) + 16, 0) }
        let error = try extractError(bytes, "App.dSYM/Contents/Info.plist")
        #expect(error?.description == "entry `App.dSYM/Contents/Info.plist` at offset 149: CRC-32 mismatch: the extracted data's is 0x4fd2aff8, the header says 0x00000000")
    }

    /// The bomb guard: a header declaring less than the data inflates to stops inflating at the
    /// declared size.
    @Test func inflatingPastTheDeclaredSizeIsRefused() throws {
        let bytes = edited(.deflated) { $0.put32(Locate.central("App.dSYM/Contents/Resources/DWARF/App", in: $0) + 24, 1000) }
        let error = try extractError(bytes, "App.dSYM/Contents/Resources/DWARF/App")
        #expect(error?.reason == .corruptData)
        #expect(error?.description == "entry `App.dSYM/Contents/Resources/DWARF/App` at offset 527: inflates to more than its declared size of 1000 bytes; inflating stopped there (a lying header, or a zip bomb)")
    }

    @Test func inflatingShortOfTheDeclaredSizeIsRefused() throws {
        let bytes = edited(.deflated) { $0.put32(Locate.central("App.dSYM/Contents/Resources/DWARF/App", in: $0) + 24, 30000) }
        let error = try extractError(bytes, "App.dSYM/Contents/Resources/DWARF/App")
        #expect(error?.description == "entry `App.dSYM/Contents/Resources/DWARF/App` at offset 527: inflates to 20000 bytes (19.5 KiB), but its header declares 30000 bytes (29.2 KiB)")
    }

    @Test func corruptDeflateData() throws {
        let bytes = edited(.deflated) { $0[527] = 0xFF }  // block type 3: reserved
        let error = try extractError(bytes, "App.dSYM/Contents/Resources/DWARF/App")
        #expect(error?.reason == .corruptData)
        #expect(error?.description.hasPrefix("entry `App.dSYM/Contents/Resources/DWARF/App` at offset 527: its deflate data is corrupt near byte") == true)
        #expect(error?.description.hasSuffix("invalid block type") == true)
    }

    @Test func deflateDataCutShort() throws {
        let bytes = edited(.deflated) { $0.put32(Locate.central("App.dSYM/Contents/Resources/DWARF/App", in: $0) + 20, 100) }
        let error = try extractError(bytes, "App.dSYM/Contents/Resources/DWARF/App")
        #expect(error?.description == "entry `App.dSYM/Contents/Resources/DWARF/App` at offset 527: its 100 bytes of deflate data end before the deflate stream does")
    }

    @Test func deflateStreamEndingBeforeItsData() throws {
        // README.txt's 33 bytes are followed by its 16-byte data descriptor.
        let bytes = edited(.descriptor) { $0.put32(Locate.central("README.txt", in: $0) + 20, 49) }
        let error = try extractError(bytes, "README.txt")
        #expect(error?.description == "entry `README.txt` at offset 40: its deflate stream ends after 33 of its 49 bytes of data")
    }
}
