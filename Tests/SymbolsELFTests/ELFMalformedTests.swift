import CrashpipeCore
import SymbolsELF
import TestSupport
import Testing

/// Damaged ELF files: structural damage (the header, the header tables) is a ParseError that
/// says what and where; damage symbolic tolerates (notes, section contents, names) lists the
/// object with what is left. Never a crash, a hang or a huge allocation.
struct ELFMalformedTests {
    static let format = ELFDebugFileFormat()

    func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ParseError? {
        debugFileParseError(Self.format, bytes, sourceLocation: sourceLocation)
    }

    static var sample: ELFBuilder { ELFBuilder(buildId: Array(1...20)) }

    @Test func truncatedHeaders() throws {
        let crash = try Fixtures.bytes("symbolic/debug-files/linux/crash")
        for length in 0..<64 {
            let error = parseError(Array(crash.prefix(length)))
            #expect(error?.kind == (length < 4 ? .badMagic : .truncated), "length \(length)")
            #expect(error?.context == "ELF header", "length \(length)")
        }
        let elf32 = ELFBuilder(is64: false).build()
        #expect(parseError(Array(elf32.prefix(51)))?.kind == .truncated)
    }

    @Test func badIdentification() throws {
        var bytes = Self.sample.build()
        bytes[4] = 3
        let badClass = parseError(bytes)
        #expect(badClass?.kind == .invalidValue && badClass?.offset == 4)
        bytes = Self.sample.build()
        bytes[5] = 0
        let badData = parseError(bytes)
        #expect(badData?.kind == .invalidValue && badData?.offset == 5)
    }

    @Test func programHeaderTableOutsideTheFile() throws {
        for is64 in [true, false] {
            var bytes = ELFBuilder(is64: is64, buildId: Array(1...20)).build()
            let phoff = is64 ? 32 : 28
            if is64 { bytes.put(UInt64(bytes.count + 100), at: phoff) } else { bytes.put(UInt32(bytes.count + 100), at: phoff) }
            let past = parseError(bytes)
            #expect(past?.kind == .outOfRange && past?.context == "program header table")
            #expect(past?.offset == phoff)

            // A table that starts inside the file and runs past its end.
            if is64 { bytes.put(UInt64(bytes.count - 20), at: phoff) } else { bytes.put(UInt32(bytes.count - 20), at: phoff) }
            let partly = parseError(bytes)
            #expect(partly?.kind == .absurdCount && partly?.context == "program header table")
        }
    }

    @Test func absurdProgramHeaderCounts() throws {
        var bytes = Self.sample.build()
        bytes.put(UInt16(0xfffe), at: 56)  // e_phnum
        let error = parseError(bytes)
        #expect(error?.kind == .absurdCount)
        #expect(error.map { "\($0)" }?.contains("65534 program headers") == true)

        // PN_XNUM: the count is section header 0's sh_info.
        let layout = Self.sample.layout()
        bytes = layout.bytes
        bytes.put(UInt16(0xffff), at: 56)
        bytes.put(UInt32.max, at: layout.sectionHeaderTableOffset + 44)
        #expect(parseError(bytes)?.kind == .absurdCount)
    }

    @Test func sectionHeaderTableOutsideTheFile() throws {
        var bytes = Self.sample.build()
        bytes.put(UInt64(bytes.count + 1), at: 40)  // e_shoff
        let past = parseError(bytes)
        #expect(past?.kind == .outOfRange && past?.context == "section header table" && past?.offset == 40)

        bytes = Self.sample.build()
        bytes.put(UInt64(bytes.count - 10), at: 40)
        let partly = parseError(bytes)
        #expect(partly?.kind == .truncated && partly?.context == "section header table")
        #expect(partly?.offset == bytes.count - 10)

        bytes = Self.sample.build()
        bytes.put(UInt64.max, at: 40)
        #expect(parseError(bytes)?.kind == .outOfRange)
    }

    @Test func absurdSectionCounts() throws {
        let layout = Self.sample.layout()
        var bytes = layout.bytes
        bytes.put(UInt16(0xffff), at: 60)  // e_shnum
        let error = parseError(bytes)
        #expect(error?.kind == .absurdCount && error?.context == "section header table")

        // e_shnum 0: the count is section header 0's sh_size.
        bytes = layout.bytes
        bytes.put(UInt16(0), at: 60)
        bytes.put(UInt64(0xffff_ffff), at: layout.sectionHeaderTableOffset + 32)
        #expect(parseError(bytes)?.kind == .absurdCount)
        bytes.put(UInt64.max, at: layout.sectionHeaderTableOffset + 32)
        #expect(parseError(bytes)?.kind == .absurdCount)
    }

    /// Section contents outside the file: the section does not count (symbolic would panic
    /// slicing it); the object is still listed.
    @Test func sectionContentsOutsideTheFile() throws {
        var builder = Self.sample
        builder.sections.append(.init(name: ".debug_info", type: 1, data: [1, 2, 3, 4]))
        builder.sections.append(.init(name: ".eh_frame", type: 1, data: [1, 2, 3, 4]))
        let layout = builder.layout()
        #expect(try list(builder).features == [.debug, .unwind])
        var bytes = layout.bytes
        bytes.put(UInt64(bytes.count - 2), at: layout.sectionHeaderOffsets[".debug_info"]! + 24)  // sh_offset
        bytes.put(UInt64.max, at: layout.sectionHeaderOffsets[".eh_frame"]! + 32)  // sh_size
        let listed = try Self.format.objects(in: ByteView(bytes))
        #expect(listed.count == 1 && listed[0].features == [])
        #expect(listed[0].codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
    }

    /// Without a readable section name table no section is found by name; ids from PT_NOTE remain.
    @Test func sectionNameTableOutsideTheFile() throws {
        var builder = Self.sample
        builder.sections.append(.init(name: ".debug_info", type: 1, data: [1]))
        let layout = builder.layout()
        var bytes = layout.bytes
        bytes.put(UInt64(1 << 40), at: layout.sectionHeaderOffsets[".shstrtab"]! + 24)
        let object = try #require(try Self.format.objects(in: ByteView(bytes)).first)
        #expect(object.features == [])
        #expect(object.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")

        bytes = layout.bytes
        bytes.put(UInt16(999), at: 62)  // e_shstrndx past the table
        #expect(try Self.format.objects(in: ByteView(bytes)).first?.features == [])
    }

    /// A note whose sizes run past the file ends the search of its group, as in symbolic: the
    /// segment's note is skipped, the section (which here holds the same note) too, and the
    /// debug id falls back to hashing .text.
    @Test func noteWithABadSize() throws {
        let layout = Self.sample.layout()
        let noteOffset = try #require(layout.noteOffset)
        for (field, value) in [(0, UInt32.max), (4, UInt32.max), (4, UInt32(layout.bytes.count))] {
            var bytes = layout.bytes
            bytes.put(value, at: noteOffset + field)
            let object = try #require(try Self.format.objects(in: ByteView(bytes)).first)
            #expect(object.codeId == nil, "field \(field)")
            #expect(object.debugId?.dashed == "80000000-0000-0000-0000-000000800000", "field \(field)")
        }
    }

    /// Only the PT_NOTE is damaged (an alignment goblin rejects); the section still gives the id.
    @Test func noteSegmentWithABadAlignment() throws {
        let layout = Self.sample.layout()
        var bytes = layout.bytes
        // The third program header (PT_LOAD, PT_INTERP, PT_NOTE): p_align.
        bytes.put(UInt64(16), at: layout.programHeaderOffset + 2 * 56 + 48)
        let object = try #require(try Self.format.objects(in: ByteView(bytes)).first)
        #expect(object.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314")
    }

    /// A PT_NOTE whose size runs far past the file: the build id, the first note, is still
    /// found; one of size 0 holds no notes, and the section gives the id.
    @Test func noteSegmentSizes() throws {
        let layout = Self.sample.layout()
        let filesz = layout.programHeaderOffset + 2 * 56 + 32
        for size in [UInt64.max, 0] {
            var bytes = layout.bytes
            bytes.put(size, at: filesz)
            let object = try #require(try Self.format.objects(in: ByteView(bytes)).first)
            #expect(object.codeId?.value == "0102030405060708090a0b0c0d0e0f1011121314", "p_filesz \(size)")
        }
    }

    @Test func interpreterOutsideTheFile() throws {
        let layout = Self.sample.layout()
        var bytes = layout.bytes
        bytes.put(UInt64(1 << 50), at: layout.programHeaderOffset + 56 + 8)  // PT_INTERP's p_offset
        // symbolic: no readable interpreter, so an ET_EXEC counts as a split debug file.
        #expect(try Self.format.objects(in: ByteView(bytes)).first?.kind == "debug")
    }

    /// Random truncations and byte mutations of the real files: objects or a ParseError.
    @Test func randomDamageOfRealFiles() throws {
        var random = SplitMix(state: 0xe1f)
        var outcomes = (listed: 0, failed: 0)
        for path in ["symbolic/debug-files/linux/crash", "symbolic/debug-files/linux/crash.debug",
                     "symbolic/debug-files/linux/arm64/cfi_test"] {
            let original = try Fixtures.bytes(path)
            for round in 0..<120 {
                var bytes = original
                if round % 3 == 0 {
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
                } else {
                    // Mutations in the headers and tables hit more code than ones in the contents.
                    let hot = round % 3 == 1
                    for _ in 0..<(1 + Int(random.next() % 8)) {
                        let limit = hot ? min(bytes.count, 0x400) : bytes.count
                        let at = Int(random.next() % UInt64(limit))
                        bytes[at] = UInt8(truncatingIfNeeded: random.next())
                    }
                    if hot, let tableStart = try? tableOffsets(original) {
                        for offset in tableStart {
                            let at = offset + Int(random.next() % 64)
                            if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: random.next()) }
                        }
                    }
                }
                do {
                    _ = try Self.format.objects(in: ByteView(bytes))
                    outcomes.listed += 1
                } catch is ParseError {
                    outcomes.failed += 1
                } catch {
                    Issue.record("\(path) round \(round): not a ParseError: \(error)")
                }
            }
        }
        #expect(outcomes.listed + outcomes.failed == 360)
        #expect(outcomes.listed > 0 && outcomes.failed > 0)
    }

    /// Where the program and section header tables start in a little-endian ELF64 file.
    func tableOffsets(_ bytes: [UInt8]) throws -> [Int] {
        let view = ByteView(bytes)
        return [Int(try view.u64(at: 32)), Int(try view.u64(at: 40))]
    }
}
