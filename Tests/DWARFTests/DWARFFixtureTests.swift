import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// A `STACK CFI INIT` record and its deltas, as expected text.
struct ExpectedBlock {
    var start: UInt64
    var size: UInt64
    var lines: [String]
    /// (address, rules) of the INIT record and each delta.
    var records: [(UInt64, String)]
}

func expectedBlocks(_ text: String) -> [ExpectedBlock] {
    var blocks: [ExpectedBlock] = []
    for line in text.split(separator: "\n").map(String.init) {
        let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        if line.hasPrefix("STACK CFI INIT "), fields.count == 5 {
            let start = UInt64(fields[3], radix: 16)!
            let rest = fields[4].split(separator: " ", maxSplits: 1).map(String.init)
            blocks.append(ExpectedBlock(start: start, size: UInt64(rest[0], radix: 16)!, lines: [line],
                                        records: [(start, rest.count > 1 ? rest[1] : "")]))
        } else if line.hasPrefix("STACK CFI "), !blocks.isEmpty {
            let parts = line.dropFirst("STACK CFI ".count).split(separator: " ", maxSplits: 1).map(String.init)
            blocks[blocks.count - 1].lines.append(line)
            blocks[blocks.count - 1].records.append((UInt64(parts[0], radix: 16)!, parts.count > 1 ? parts[1] : ""))
        }
    }
    return blocks
}

/// The rules the expected text gives at `address` inside `block`.
func expectedRules(_ block: ExpectedBlock, at address: UInt64) -> CallFrameRules? {
    guard var rules = CallFrameRules(parsing: block.records[0].1) else { return nil }
    for (start, text) in block.records.dropFirst() where start <= address { _ = rules.apply(text) }
    return rules
}

struct DWARFFixtureTests {
    static func elfCFI(_ relative: String) throws -> (DWARFCallFrameInfo, UInt64) {
        let bytes = try Fixtures.bytes(relative)
        let section = try #require(ObjectSections.elfSection(bytes, named: ".eh_frame"))
        let view = try ByteView(bytes).slice(offset: section.offset, size: section.size)
        return (DWARFCallFrameInfo(ehFrame: view, sectionAddress: section.address), ObjectSections.elfLoadAddress(bytes))
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: Fixtures.path(relative), encoding: .utf8)
    }

    /// Share of expected lines reproduced at the same position.
    static func agreement(_ actual: [String], _ expected: [String]) -> (same: Int, total: Int) {
        let same = zip(actual, expected).filter { $0 == $1 }.count
        return (same, max(actual.count, expected.count))
    }

    @Test func linuxCrashMatchesSymbolic() throws {
        let (cfi, load) = try Self.elfCFI("symbolic/debug-files/linux/crash")
        #expect(cfi.problems.isEmpty, "\(cfi.problems)")
        let actual = cfi.breakpadRecords(cpu: .amd64, loadAddress: load).map(\.description)
        let expected = try Self.text("symbolic/expected/cfi/linux__crash.cfi.txt").split(separator: "\n").map(String.init)
        let (same, total) = Self.agreement(actual, expected)
        print("linux/crash .eh_frame: \(same)/\(total) rows identical to symbolic (\(actual.count) written, \(expected.count) expected)")
        for (a, e) in zip(actual, expected) where a != e { print("  got  \(a)\n  want \(e)"); break }
        #expect(same == total)
        #expect(actual == expected)
    }

    @Test func arm64MatchesSymbolic() throws {
        let (cfi, load) = try Self.elfCFI("symbolic/debug-files/linux/arm64/cfi_test")
        #expect(cfi.problems.isEmpty, "\(cfi.problems)")
        let actual = cfi.breakpadRecords(cpu: .arm64, loadAddress: load).map(\.description)
        let expected = try Self.text("symbolic/expected/cfi/linux__arm64__cfi_test.cfi.txt").split(separator: "\n").map(String.init)
        let (same, total) = Self.agreement(actual, expected)
        print("linux/arm64/cfi_test .eh_frame: \(same)/\(total) rows identical to symbolic")
        #expect(actual == expected)
    }

    /// symbolic writes a Mach-O's compact unwind entries and, for the functions whose compact
    /// entry says "use DWARF", the `__eh_frame` FDE. Only those blocks are compared here: every
    /// FDE block in the expected file must be one our reader writes identically.
    @Test func macOSEhFrameBlocksMatchSymbolic() throws {
        let bytes = try Fixtures.bytes("symbolic/debug-files/macos/crash")
        let (section, text) = try #require(ObjectSections.machOSection(bytes, segment: "__TEXT", section: "__eh_frame"))
        let view = try ByteView(bytes).slice(offset: section.offset, size: section.size)
        let cfi = DWARFCallFrameInfo(ehFrame: view, sectionAddress: section.address)
        #expect(cfi.problems.isEmpty, "\(cfi.problems)")
        let expected = expectedBlocks(try Self.text("symbolic/expected/cfi/macos__crash.cfi.txt"))
        var byStart: [UInt64: ExpectedBlock] = [:]
        for block in expected { byStart[block.start] = block }
        var compared = 0
        var identical = 0
        var compactOnly = 0
        for fde in cfi.fdes {
            let lines = cfi.breakpadRecords(for: fde, cpu: .amd64, loadAddress: text).map(\.description)
            guard !lines.isEmpty, let block = byStart[fde.initialAddress - text] else { continue }
            // A compact unwind entry can start where an FDE does but cover more (its own INIT
            // size): that block is symbolic's compact-unwind output, not the FDE's.
            guard block.size == fde.addressRange else { compactOnly += 1; continue }
            compared += 1
            if lines == block.lines { identical += 1 } else { print("  got  \(lines)\n  want \(block.lines)") }
        }
        print("macos/crash __eh_frame: \(cfi.fdes.count) FDEs; \(compared) blocks of symbolic's output are FDE blocks, "
              + "\(identical) identical; \(compactOnly) start where an FDE does but are compact-unwind entries")
        #expect(compared > 0)
        #expect(identical == compared)
    }

    /// Breakpad's mac dump_syms reads `__eh_frame` (not compact unwind): its crash.sym against
    /// dumpSymsRecords.
    @Test func macOSAgainstBreakpadDumpSyms() throws {
        let bytes = try Fixtures.bytes("symbolic/debug-files/macos/crash")
        let (section, text) = try #require(ObjectSections.machOSection(bytes, segment: "__TEXT", section: "__eh_frame"))
        let view = try ByteView(bytes).slice(offset: section.offset, size: section.size)
        let cfi = DWARFCallFrameInfo(ehFrame: view, sectionAddress: section.address)
        let ours = cfi.dumpSymsRecords(cpu: .amd64, loadAddress: text).map(\.description)
        let expected = try Self.text("symbolic/expected/cfi/macos__crash.sym.cfi.txt").split(separator: "\n").map(String.init)
        let same = Set(ours).intersection(expected).count
        print("macos/crash dumpSymsRecords vs Breakpad dump_syms: \(same)/\(expected.count) expected lines reproduced (\(ours.count) written)")
        for line in ours where !expected.contains(line) { print("  extra \(line)"); break }
        for line in expected where !ours.contains(line) { print("  missing \(line)"); break }
        #expect(same == expected.count)
        #expect(ours == expected)
    }

    /// Breakpad's dump_syms (crash.sym) writes registers alphabetically and differs in a few
    /// rules; compare row by row as rule sets.
    @Test func linuxCrashAgainstBreakpadDumpSyms() throws {
        let (cfi, load) = try Self.elfCFI("symbolic/debug-files/linux/crash")
        let ours = expectedBlocks(cfi.breakpadText(cpu: .amd64, loadAddress: load))
        let breakpad = expectedBlocks(try Self.text("symbolic/expected/cfi/linux__crash.sym.cfi.txt"))
        var rows = 0
        var same = 0
        for (a, b) in zip(ours, breakpad) {
            for (ra, rb) in zip(a.records, b.records) {
                rows += 1
                if ra.0 == rb.0, CallFrameRules(parsing: ra.1) == CallFrameRules(parsing: rb.1) { same += 1 }
            }
        }
        print("linux/crash vs Breakpad dump_syms (crash.sym): \(same)/\(rows) rows with the same rules")
        #expect(ours.count == breakpad.count)
        // The rest are rows where Breakpad restates registers symbolic leaves implicit:
        // `$rbx: $rbx` after DW_CFA_restore, saved registers again after DW_CFA_restore_state,
        // and `.ra` for `_start`, whose return address is DW_CFA_undefined.
        #expect(same == 1400 && rows == 1498)

        // dump_syms' own layout.
        let dumpSyms = cfi.dumpSymsRecords(cpu: .amd64, loadAddress: load).map(\.description)
        let expected = try Self.text("symbolic/expected/cfi/linux__crash.sym.cfi.txt").split(separator: "\n").map(String.init)
        let (identical, total) = Self.agreement(dumpSyms, expected)
        print("linux/crash dumpSymsRecords vs Breakpad dump_syms: \(identical)/\(total) lines identical")
        for (a, e) in zip(dumpSyms, expected) where a != e { print("  got  \(a)\n  want \(e)"); break }
        #expect(identical == total)
    }

    @Test func rulesAtAgreeWithExpectedText() throws {
        for (path, expectedPath, cpu) in [("symbolic/debug-files/linux/crash", "symbolic/expected/cfi/linux__crash.cfi.txt", CPU.amd64),
                                          ("symbolic/debug-files/linux/arm64/cfi_test", "symbolic/expected/cfi/linux__arm64__cfi_test.cfi.txt", .arm64)] {
            let (cfi, load) = try Self.elfCFI(path)
            var checked = 0
            let blocks = expectedBlocks(try Self.text(expectedPath))
            for block in blocks {
                var addresses: Set<UInt64> = [block.start, block.start + block.size - 1]
                for (address, _) in block.records {
                    addresses.insert(address)
                    if address > block.start { addresses.insert(address - 1) }
                }
                for address in addresses where block.size > 0 {
                    let got = cfi.rules(at: address, cpu: cpu, loadAddress: load)
                    #expect(got == expectedRules(block, at: address), "\(path) at 0x\(String(address, radix: 16))")
                    checked += 1
                }
                let after = block.start + block.size
                #expect(cfi.rules(at: after, cpu: cpu, loadAddress: load) == nil
                        || blocks.contains { $0.start <= after && after < $0.start + $0.size })
            }
            print("\(path): rules(at:) checked at \(checked) addresses")
            #expect(checked > 0)
        }
    }
}
