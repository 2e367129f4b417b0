import CrashpipeCore
import SymbolsMachO
import TestSupport
import Testing

/// Damaged Mach-O and universal files: a ParseError that says what and where, never a crash, a
/// hang or a huge allocation.
struct MachOMalformedTests {
    static let format = MachODebugFileFormat()

    func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ParseError? {
        debugFileParseError(Self.format, bytes, sourceLocation: sourceLocation)
    }

    @Test func truncatedHeaders() throws {
        let crash = try Fixtures.bytes("symbolic/debug-files/macos/crash")
        for length in 0..<32 {
            let error = parseError(Array(crash.prefix(length)))
            #expect(error?.kind == .truncated, "length \(length)")
        }
        let thin32 = MachOBuilder(is64: false).build()
        #expect(parseError(Array(thin32.prefix(27)))?.context == "Mach-O header")
    }

    @Test func absurdCommandCount() throws {
        var bytes = MachOBuilder().build()
        bytes.put(UInt32.max, at: 16)  // ncmds
        let error = parseError(bytes)
        #expect(error?.kind == .absurdCount && error?.offset == 16)
        #expect(error.map { "\($0)" }?.contains("4294967295 load commands") == true)
    }

    @Test func commandsOutsideTheFile() throws {
        let layout = MachOBuilder().layout()
        var bytes = layout.bytes
        bytes.put(UInt32(bytes.count), at: 20)  // sizeofcmds
        #expect(parseError(bytes)?.kind == .outOfRange)

        // More commands than the area holds: the last one finds no room.
        bytes = layout.bytes
        bytes.put(UInt32(layout.commandOffsets.count + 1), at: 16)
        bytes.put(UInt32(bytes.count - layout.headerSize), at: 20)
        let overrun = parseError(bytes)
        #expect(overrun?.context?.hasPrefix("load command") == true)
    }

    @Test func badCommandSizes() throws {
        let layout = MachOBuilder().layout()
        let first = layout.commandOffsets[0]
        for (size, kind) in [(UInt32(0), ParseError.Kind.invalidValue), (4, .invalidValue), (UInt32.max, .outOfRange),
                             (UInt32(layout.bytes.count), .outOfRange)] {
            var bytes = layout.bytes
            bytes.put(size, at: first + 4)
            let error = parseError(bytes)
            #expect(error?.kind == kind, "cmdsize \(size)")
            #expect(error?.context == "load command 0", "cmdsize \(size)")
            #expect(error?.offset == first + 4, "cmdsize \(size)")
        }
        // LC_UUID shorter than its 16 bytes of UUID.
        var bytes = layout.bytes
        bytes.put(UInt32(16), at: first + 4)
        bytes.put(UInt32(0x1b), at: first)
        let short = parseError(bytes)
        #expect(short?.kind == .truncated && short?.context == "load command 0")
    }

    @Test func segmentsOutsideTheFile() throws {
        let layout = MachOBuilder().layout()
        // The __TEXT segment is the fourth command (LC_UUID, LC_SYMTAB, __PAGEZERO, __TEXT).
        let text = layout.commandOffsets[3]
        var bytes = layout.bytes
        bytes.put(UInt64(bytes.count), at: text + 40)  // fileoff
        bytes.put(UInt64(1), at: text + 48)            // filesize
        let segment = parseError(bytes)
        #expect(segment?.kind == .outOfRange)
        #expect(segment?.context == "load command 3, segment __TEXT")

        bytes = layout.bytes
        bytes.put(UInt32.max, at: text + 64)  // nsects
        let sections = parseError(bytes)
        #expect(sections?.kind == .absurdCount)
        #expect(sections?.context == "load command 3, segment __TEXT")

        bytes = layout.bytes
        let unwind = layout.sectionHeaderOffsets["__TEXT,__unwind_info"]!
        bytes.put(UInt32(bytes.count - 2), at: unwind + 48)  // offset
        let section = parseError(bytes)
        #expect(section?.kind == .outOfRange && section?.context == "load command 3, section __TEXT,__unwind_info")
        #expect(section?.offset == unwind + 48)
    }

    @Test func symbolTableOutsideTheFile() throws {
        let layout = MachOBuilder().layout()
        let symtab = layout.commandOffsets[1]
        var bytes = layout.bytes
        bytes.put(UInt32.max, at: symtab + 12)  // nsyms
        #expect(parseError(bytes)?.context == "load command 1, LC_SYMTAB")
        bytes = layout.bytes
        bytes.put(UInt32(bytes.count), at: symtab + 20)  // strsize
        #expect(parseError(bytes)?.kind == .outOfRange)
    }

    @Test func badFatHeaders() throws {
        let images = [MachOBuilder(), MachOBuilder(cputype: 0x0100_000c, cpusubtype: 0)]
        let (fat, entries) = MachOBuilder.fat(images)

        var bytes = fat
        bytes.put(UInt32.max, at: 4, .big)  // nfat_arch
        let count = parseError(bytes)
        #expect(count?.kind == .absurdCount && count?.context == "fat header")

        // A slice past the end of the file.
        bytes = fat
        bytes.put(UInt32(fat.count - 8), at: entries[1] + 8, .big)
        let past = parseError(bytes)
        #expect(past?.kind == .outOfRange && past?.context == "fat slice 1 (arm64)" && past?.offset == entries[1])

        bytes = fat
        bytes.put(UInt32.max, at: entries[0] + 12, .big)  // size
        #expect(parseError(bytes)?.kind == .outOfRange)

        // Overlapping slices.
        bytes = fat
        bytes.put(UInt32(4096 + 16), at: entries[1] + 8, .big)
        let overlap = parseError(bytes)
        #expect(overlap?.kind == .invalidValue)
        #expect(overlap.map { "\($0)" }?.contains("overlaps fat slice 0") == true)

        // A slice over the fat header itself.
        bytes = fat
        bytes.put(UInt32(0), at: entries[0] + 8, .big)
        #expect(parseError(bytes).map { "\($0)" }?.contains("overlaps the fat header") == true)

        // A universal file inside a universal file.
        bytes = fat
        bytes.replaceSubrange(4096..<4104, with: [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1])
        let nested = parseError(bytes)
        #expect(nested?.kind == .badMagic && nested?.offset == 4096)

        // A broken image names its slice.
        bytes = fat
        bytes.put(UInt32.max, at: 4096 + 16)
        let inner = parseError(bytes)
        #expect(inner?.kind == .absurdCount && inner?.context == "fat slice 0 (x86_64), Mach-O header")
        #expect(inner?.offset == 4096 + 16)

        // FAT_MAGIC_64 with a 64-bit offset that does not fit.
        let (fat64, entries64) = MachOBuilder.fat(images, fat64: true)
        bytes = fat64
        bytes.put(UInt64.max - 10, at: entries64[0] + 8, .big)
        #expect(parseError(bytes)?.kind == .outOfRange)
    }

    /// Random truncations and byte mutations of the real files: objects or a ParseError.
    @Test func randomDamageOfRealFiles() throws {
        var random = SplitMix(state: 0x3ac40)
        var outcomes = (listed: 0, failed: 0)
        for path in ["symbolic/debug-files/macos/crash", "symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash",
                     "symbolic/debug-files/macos/Example.framework.dSYM/Contents/Resources/DWARF/Example"] {
            let original = try Fixtures.bytes(path)
            for round in 0..<120 {
                var bytes = original
                if round % 3 == 0 {
                    bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
                } else {
                    // Most mutations go to the headers and load commands, where they matter.
                    let limit = round % 3 == 1 ? min(bytes.count, 0x1400) : bytes.count
                    for _ in 0..<(1 + Int(random.next() % 8)) {
                        bytes[Int(random.next() % UInt64(limit))] = UInt8(truncatingIfNeeded: random.next())
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
}
