import Bundled
import CrashpipeCore
import Foundation
@testable import SymbolsMachO
import TestSupport
import Testing

/// Compact unwind (`__TEXT,__unwind_info`): the STACK CFI symbolic writes for
/// `symbolic/debug-files/macos/crash` (compact unwind merged with the `__eh_frame` FDEs its
/// DWARF-mode entries name), the rules the stackwalker gets, the encodings one by one, and
/// damaged sections.
struct CompactUnwindTests {
    static let crashPath = "symbolic/debug-files/macos/crash"

    static func crash() throws -> SymbolTableSymbols {
        let symbols = try MachOSymbolFormat().load(ByteView(try Fixtures.bytes(crashPath)), location: crashPath)
        return try #require(symbols as? SymbolTableSymbols)
    }

    static func expectedLines() throws -> [String] {
        let text = String(decoding: try Fixtures.bytes("symbolic/expected/cfi/macos__crash.cfi.txt"), as: UTF8.self)
        return text.split(separator: "\n").map(String.init)
    }

    /// The crash binary's `__unwind_info` contents, with the file they came from.
    static func unwindInfoSection() throws -> (file: MachOFile, section: ByteView) {
        let file = try MachOFile(ByteView(try Fixtures.bytes(crashPath)))
        for segment in file.segments {
            for section in segment.sections where section.name == "__unwind_info" {
                return (file, try file.bytes.slice(offset: UInt64(section.offset), size: section.size))
            }
        }
        throw ParseError(.invalidValue, offset: 0, "no __unwind_info in the fixture")
    }

    // MARK: - Agreement with symbolic

    @Test func breakpadRecordsEqualSymbolic() throws {
        let symbols = try Self.crash()
        #expect(symbols.unwindTable != nil)
        #expect(symbols.problems.filter { $0.contains("__unwind_info") }.isEmpty, "\(symbols.problems)")
        let ours = symbols.breakpadCFIRecords().map(\.description)
        let expected = try Self.expectedLines()
        let same = zip(ours, expected).filter { $0 == $1 }.count
        for (number, (a, b)) in zip(ours, expected).enumerated() where a != b {
            Issue.record("line \(number + 1):\n  ours:     \(a)\n  symbolic: \(b)")
            break
        }
        #expect(ours.count == expected.count)
        #expect(same == expected.count)
        let inits = expected.filter { $0.hasPrefix("STACK CFI INIT") }.count
        print("compact unwind + __eh_frame vs symbolic: \(same)/\(expected.count) lines identical "
              + "(\(ours.count) written, \(inits) INIT records expected)")
    }

    /// The rules the stackwalker gets at the start, middle and last byte of every expected
    /// record equal the expected text's (INIT rules with the deltas up to the address applied).
    @Test func rulesAtAddressesAgreeWithSymbolicText() throws {
        let symbols = try Self.crash()
        var groups: [(start: UInt64, size: UInt64, initRules: String, deltas: [(UInt64, String)])] = []
        for line in try Self.expectedLines() {
            let fields = line.split(separator: " ", maxSplits: 5)
            if fields.count == 6, fields[2] == "INIT", let start = UInt64(fields[3], radix: 16), let size = UInt64(fields[4], radix: 16) {
                groups.append((start, size, String(fields[5]), []))
            } else {
                let delta = line.split(separator: " ", maxSplits: 3)
                guard delta.count == 4, let address = UInt64(delta[2], radix: 16), !groups.isEmpty else { continue }
                groups[groups.count - 1].deltas.append((address, String(delta[3])))
            }
        }
        #expect(groups.count > 100)
        let table = try #require(symbols.unwindTable as? CompactUnwindTable)
        var checked = 0, cfaRA = 0, whole = 0, indirect = 0
        for group in groups {
            for address in Set([group.start, group.start + group.size / 2, group.start + group.size - 1]) {
                var expected = try #require(CallFrameRules(parsing: group.initRules))
                for (at, rules) in group.deltas where at <= address {
                    let applied = expected.apply(rules)
                    #expect(applied)
                }
                let ours = symbols.callFrameInfo(at: address)
                // symbolic writes stack-indirect entries as stackless leaves; the stackwalker
                // gets the frame size from the `sub` instruction (checked in stackIndirectFrames).
                if let entry = table.entry(at: address), table.isStackIndirect(entry.encoding) {
                    indirect += 1
                    guard case .rules(let text) = table.rule(for: entry) else {
                        Issue.record("stack-indirect entry at 0x\(String(entry.address, radix: 16)) gives no rules")
                        continue
                    }
                    #expect(ours == CallFrameRules(parsing: text))
                    #expect(ours?.rules[".ra"] == expected.rules[".ra"])
                    continue
                }
                checked += 1
                if ours?.rules[".cfa"] == expected.rules[".cfa"] && ours?.rules[".ra"] == expected.rules[".ra"] { cfaRA += 1 }
                if ours == expected { whole += 1 }
                #expect(ours == expected, "0x\(String(address, radix: 16))")
            }
        }
        #expect(cfaRA == checked && whole == checked)
        print("rules(at:) vs symbolic text: \(cfaRA)/\(checked) addresses same .cfa/.ra, \(whole)/\(checked) same rules; "
              + "\(indirect) more in stack-indirect entries, which symbolic writes as stackless leaves")
    }

    /// Stack-indirect entries: the frame size is the imm32 of `sub rsp, imm32` (48 81 ec) at the
    /// encoded offset into the function, plus the pushes the encoding counts.
    @Test func stackIndirectFrames() throws {
        let symbols = try Self.crash()
        let table = try #require(symbols.unwindTable as? CompactUnwindTable)
        let entries = table.info.entries.filter { table.isStackIndirect($0.encoding) }
        #expect(!entries.isEmpty)
        for entry in entries {
            let at = UInt64(entry.address) + UInt64((entry.encoding >> 16) & 0xff)
            let opcode = try #require(table.readU32(at - 3))
            #expect(opcode & 0x00ff_ffff == 0x00ec_8148, "0x\(String(entry.address, radix: 16)): not sub rsp, imm32")
            let sub = try #require(table.readU32(at))
            let size = Int(sub) + 8 * Int((entry.encoding >> 13) & 7)
            let rules = try #require(table.rules(at: UInt64(entry.address)))
            #expect(rules.rules[".cfa"] == CallFrameRules(parsing: ".cfa: $rsp \(size) +")?.rules[".cfa"])
        }
        let exact = table.breakpadRecords(symbolicCompatible: false)
        let compatible = table.breakpadRecords()
        #expect(exact.count == compatible.count)
        let differing = zip(exact, compatible).filter { $0 != $1 }
        #expect(differing.count == entries.count)
        print("stack-indirect entries: \(entries.count); records that differ from symbolic's when decoded: \(differing.count)")
    }

    /// The compact table alone: every entry either has rules of its own or defers to an FDE,
    /// and defers exactly where the file has an FDE for the function.
    @Test func dwarfModeEntriesNameFDEs() throws {
        let symbols = try Self.crash()
        let table = try #require(symbols.unwindTable as? CompactUnwindTable)
        #expect(table.info.entries.count > 100)
        var deferred = 0
        for entry in table.info.entries {
            if case .dwarf(let offset) = table.rule(for: entry) {
                deferred += 1
                let fde = try #require(table.fdesByOffset[Int(offset)], "entry 0x\(String(entry.address, radix: 16))")
                #expect(fde.initialAddress == table.loadAddress + UInt64(entry.address))
                #expect(table.rules(at: UInt64(entry.address)) == nil)
            } else {
                #expect(table.rules(at: UInt64(entry.address)) != nil)
            }
        }
        #expect(deferred > 0)
        #expect(table.rules(at: UInt64(table.info.entries[0].address) - 1) == nil)
    }

    // MARK: - Encodings

    static func decode(_ encoding: UInt32, _ cpu: CPU, read: (UInt64) -> UInt32? = { _ in nil }) -> CompactUnwindRule {
        CompactUnwindRule.decode(encoding, cpu: cpu, functionStart: 0x1000, readU32: read)
    }

    @Test func x86_64Encodings() {
        // push rbp; mov rbp, rsp; push r15; push r14; push rbx: rbx at rbp-24 (offset 3), then
        // r14 and r15 in the next slots up (registers 1, 4, 5 from the lowest bits).
        #expect(Self.decode(0x0103_0161, .amd64) == .rules(".cfa: $rbp 16 + $rbp: .cfa -16 + ^ .ra: .cfa -8 + ^ "
                                                            + "$rbx: .cfa -40 + ^ $r14: .cfa -32 + ^ $r15: .cfa -24 + ^"))
        // Frameless, 2 x 8 bytes, one register (rbx).
        #expect(Self.decode(0x0202_0400, .amd64) == .rules(".cfa: $rsp 16 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^"))
        // Stack-indirect: the `sub` immediate 4 bytes into the function, plus 2 x 8 bytes.
        let indirect: UInt32 = 0x0300_0000 | (4 << 16) | (2 << 13)
        #expect(Self.decode(indirect, .amd64, read: { $0 == 0x1004 ? 0x1000 : nil }) == .rules(".cfa: $rsp 4112 + .ra: .cfa -8 + ^"))
        #expect(Self.decode(indirect, .amd64) == .none)
        #expect(Self.decode(0x0400_1234, .amd64) == .dwarf(offsetInEhFrame: 0x1234))
        #expect(Self.decode(0, .amd64) == .rules(".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        #expect(Self.decode(0, .x86) == .none)
        #expect(Self.decode(0x0204_0400, .x86) == .rules(".cfa: $esp 16 + .ra: .cfa -4 + ^ $ebx: .cfa -8 + ^"))
        #expect(Self.decode(0x0101_0001, .x86) == .rules(".cfa: $ebp 8 + $ebp: .cfa -8 + ^ .ra: .cfa -4 + ^ $ebx: .cfa -12 + ^"))
    }

    @Test func framelessRegisterPermutations() {
        #expect(CompactUnwindRule.framelessRegisters(0x0000_1800) == [1, 2, 3, 4, 5, 6])
        #expect(CompactUnwindRule.framelessRegisters(0x0000_0800 | 25) == [6, 1])
        #expect(CompactUnwindRule.framelessRegisters(0).isEmpty)
        // A permutation too large for the count gives "no register", not a trap.
        #expect(CompactUnwindRule.framelessRegisters(0x0000_0400 | 900) == [0])
    }

    @Test func arm64Encodings() {
        #expect(Self.decode(0x0400_0021, .arm64) == .rules(".cfa: x29 16 + x29: .cfa -16 + ^ .ra: .cfa -8 + ^ "
                                                            + "x19: .cfa -24 + ^ x20: .cfa -32 + ^ d8: .cfa -40 + ^ d9: .cfa -48 + ^"))
        #expect(Self.decode(0x0200_2000, .arm64) == .rules(".cfa: sp 32 + .ra: x30 0 +"))
        #expect(Self.decode(0x0300_0123, .arm64) == .dwarf(offsetInEhFrame: 0x123))
        #expect(Self.decode(0, .arm64) == .rules(".cfa: sp .ra: x30"))
    }

    @Test func everyRuleListParses() {
        for (encoding, cpu) in [(0x0103_0161, CPU.amd64), (0x0202_0400, .amd64), (0, .amd64), (0x0204_0400, .x86),
                                (0x0400_03ff, .arm64), (0x0200_2000, .arm64), (0, .arm64)] as [(UInt32, CPU)] {
            guard case .rules(let text) = Self.decode(encoding, cpu) else {
                Issue.record("0x\(String(encoding, radix: 16)) has no rules")
                continue
            }
            let rules = CallFrameRules(parsing: text)
            #expect(rules?.rules[".cfa"] != nil && rules?.rules[".ra"] != nil, "\(text)")
        }
    }

    // MARK: - Synthetic sections

    enum Page {
        case regular([(UInt32, UInt32)])
        case compressed(entries: [(offset: UInt32, index: UInt8)], local: [UInt32])
        case raw([UInt8])
    }

    /// An `__unwind_info` section: header, common encodings, the index (one entry per page,
    /// then the sentinel), then the pages.
    static func section(common: [UInt32], pages: [(first: UInt32, page: Page)], end: UInt32, version: UInt32 = 1) -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u16(_ v: UInt16) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        let commonOffset: UInt32 = 28
        let indexOffset = commonOffset + UInt32(common.count * 4)
        var pageBytes: [[UInt8]] = []
        for (_, page) in pages {
            var p: [UInt8] = []
            func pu32(_ v: UInt32) { p += withUnsafeBytes(of: v.littleEndian, Array.init) }
            func pu16(_ v: UInt16) { p += withUnsafeBytes(of: v.littleEndian, Array.init) }
            switch page {
            case .regular(let entries):
                pu32(2); pu16(8); pu16(UInt16(entries.count))
                for (address, encoding) in entries { pu32(address); pu32(encoding) }
            case .compressed(let entries, let local):
                pu32(3); pu16(12); pu16(UInt16(entries.count)); pu16(UInt16(12 + 4 * entries.count)); pu16(UInt16(local.count))
                for entry in entries { pu32(UInt32(entry.index) << 24 | entry.offset) }
                for encoding in local { pu32(encoding) }
            case .raw(let bytes):
                p = bytes
            }
            pageBytes.append(p)
        }
        u32(version); u32(commonOffset); u32(UInt32(common.count)); u32(indexOffset); u32(0)
        u32(indexOffset); u32(UInt32(pages.count + 1))
        for encoding in common { u32(encoding) }
        var pageOffset = indexOffset + UInt32((pages.count + 1) * 12)
        for (i, (first, _)) in pages.enumerated() {
            u32(first); u32(pageOffset); u32(0)
            pageOffset += UInt32(pageBytes[i].count)
        }
        u32(end); u32(0); u32(0)
        for p in pageBytes { out += p }
        return out
    }

    static func parse(_ bytes: [UInt8]) throws(ParseError) -> CompactUnwindInfo {
        try CompactUnwindInfo(ByteView(bytes), endian: .little)
    }

    @Test func regularAndCompressedPages() throws {
        let bytes = Self.section(common: [0x0201_0000], pages: [
            (0x1000, .compressed(entries: [(0, 0), (0x20, 1)], local: [0x0400_0010])),
            (0x1100, .regular([(0x1100, 0x0103_0161), (0x1180, 0x0202_0400)])),
        ], end: 0x1200)
        let info = try Self.parse(bytes)
        #expect(info.problems.isEmpty)
        #expect(info.commonEncodings == [0x0201_0000])
        #expect(info.entries == [
            .init(address: 0x1000, length: 0x20, encoding: 0x0201_0000),
            .init(address: 0x1020, length: 0xe0, encoding: 0x0400_0010),
            .init(address: 0x1100, length: 0x80, encoding: 0x0103_0161),
            .init(address: 0x1180, length: 0x80, encoding: 0x0202_0400),
        ])
        let table = CompactUnwindTable(info: info, cpu: .amd64, ehFrame: nil, loadAddress: 0, text: [], endian: .little,
                                       functionName: { _ in nil })
        #expect(table.rules(at: 0x1010) == CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        #expect(table.rules(at: 0x1020) == nil)  // DWARF mode: the caller asks __eh_frame
        #expect(table.rules(at: 0x11ff) == CallFrameRules(parsing: ".cfa: $rsp 16 + .ra: .cfa -8 + ^ $rbx: .cfa -16 + ^"))
        #expect(table.rules(at: 0x1200) == nil)
        #expect(table.rules(at: 0xfff) == nil)
        // The DWARF entry names no FDE (no __eh_frame), so it writes nothing.
        #expect(table.breakpadRecords().map(\.address) == [0x1000, 0x1100, 0x1180])
    }

    /// Whole images: an arm64 and an i386 Mach-O whose `__unwind_info` is read by the symbol
    /// format (the i386 one with a stack-indirect entry whose `sub` is in `__text`).
    @Test func arm64AndI386Images() throws {
        var arm64 = MachOBuilder(cputype: 0x0100_000C, cpusubtype: 0)
        arm64.segments[1].sections[1].data = Self.section(common: [0x0400_0001], pages: [
            (0, .regular([(0, 0x0400_0001), (0x40, 0x0200_1000)])),
        ], end: 0x80)
        let a = try #require(try MachOSymbolFormat().load(ByteView(arm64.build()), location: "arm64") as? SymbolTableSymbols)
        #expect(a.problems.isEmpty, "\(a.problems)")
        #expect(a.callFrameInfo(at: 0x10) == CallFrameRules(parsing: ".cfa: x29 16 + x29: .cfa -16 + ^ .ra: .cfa -8 + ^ "
                                                                      + "x19: .cfa -24 + ^ x20: .cfa -32 + ^"))
        #expect(a.callFrameInfo(at: 0x7f) == CallFrameRules(parsing: ".cfa: sp 16 + .ra: x30 0 +"))
        #expect(a.callFrameInfo(at: 0x80) == nil)
        #expect(a.breakpadCFIRecords().map(\.description) == [
            "STACK CFI INIT 0 40 .cfa: x29 16 + x29: .cfa -16 + ^ .ra: .cfa -8 + ^ x19: .cfa -24 + ^ x20: .cfa -32 + ^",
            "STACK CFI INIT 40 40 .cfa: sp 16 + .ra: x30 0 +",
        ])

        // push ebp; mov ebp, esp; sub esp, 0x200; ret: the immediate is 5 bytes in, plus one push.
        var i386 = MachOBuilder(is64: false, cputype: 7, cpusubtype: 3)
        i386.segments[1].sections[0].data = [0x55, 0x89, 0xe5, 0x81, 0xec, 0x00, 0x02, 0x00, 0x00, 0xc3]
        i386.segments[1].sections[1].data = Self.section(common: [], pages: [
            (0, .regular([(0, 0x0300_0000 | (5 << 16) | (1 << 13))])),
        ], end: 0x10)
        let b = try #require(try MachOSymbolFormat().load(ByteView(i386.build()), location: "i386") as? SymbolTableSymbols)
        #expect(b.problems.isEmpty, "\(b.problems)")
        #expect(b.callFrameInfo(at: 3) == CallFrameRules(parsing: ".cfa: $esp 516 + .ra: .cfa -4 + ^"))
        #expect(b.breakpadCFIRecords().isEmpty)  // symbolic writes nothing for i386 stack-indirect
        let table = try #require(b.unwindTable as? CompactUnwindTable)
        #expect(table.breakpadRecords(symbolicCompatible: false).map(\.description) == ["STACK CFI INIT 0 10 .cfa: $esp 516 + .ra: .cfa -4 + ^"])
    }

    /// A dSYM keeps `__unwind_info`'s header but not its contents: no table, no problem.
    @Test func dSYMHasNoTable() throws {
        let path = "symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash"
        let symbols = try #require(try MachOSymbolFormat().load(ByteView(try Fixtures.bytes(path)), location: path) as? SymbolTableSymbols)
        #expect(symbols.unwindTable == nil)
        #expect(!symbols.problems.contains { $0.contains("__unwind_info") })
    }

    // MARK: - Malformed sections

    @Test func truncatedHeader() {
        let good = Self.section(common: [], pages: [], end: 0x1000)
        for length in 0..<28 {
            #expect(throws: ParseError.self, "length \(length)") { try Self.parse(Array(good.prefix(length))) }
            do { _ = try Self.parse(Array(good.prefix(length))) } catch { #expect(error.kind == .truncated) }
        }
    }

    @Test func unknownVersion() {
        do {
            _ = try Self.parse(Self.section(common: [], pages: [], end: 0x1000, version: 2))
            Issue.record("version 2 was accepted")
        } catch {
            #expect(error.kind == .unsupported && error.offset == 0)
        }
    }

    @Test func absurdCountsAndOffsets() {
        var bytes = Self.section(common: [0x0201_0000], pages: [], end: 0x1000)
        var huge = bytes
        huge.replaceSubrange(24..<28, with: [0xff, 0xff, 0xff, 0xff])  // index count
        do { _ = try Self.parse(huge); Issue.record("accepted") } catch { #expect(error.kind == .absurdCount && error.offset == 24) }
        bytes.replaceSubrange(4..<8, with: [0, 0, 0xff, 0xff])  // common encodings offset
        do { _ = try Self.parse(bytes); Issue.record("accepted") } catch { #expect(error.kind == .outOfRange && error.offset == 4) }
    }

    @Test func brokenPagesAreLeftOut() throws {
        // Page 0 points past the section; page 1 has an unknown kind; page 2 is fine.
        var bytes = Self.section(common: [0x0201_0000], pages: [
            (0x1000, .regular([(0x1000, 0x0201_0000)])),
            (0x1100, .raw([7, 0, 0, 0, 8, 0, 0, 0])),
            (0x1200, .regular([(0x1200, 0x0202_0000)])),
        ], end: 0x1300)
        let firstPageField = 28 + 4 + 4  // header, one common encoding, index entry 0's function offset
        bytes.replaceSubrange(firstPageField..<firstPageField + 4, with: [0, 0, 1, 0])
        let info = try Self.parse(bytes)
        #expect(info.entries == [.init(address: 0x1200, length: 0x100, encoding: 0x0202_0000)])
        #expect(info.problems.count == 2)
        #expect(info.problems.first?.context?.contains("second-level page 0") == true)
        #expect(info.problems.last?.detail.contains("kind 7") == true)
    }

    @Test func encodingIndexOutOfRange() throws {
        let bytes = Self.section(common: [0x0201_0000], pages: [
            (0x1000, .compressed(entries: [(0, 0), (0x10, 9), (0x20, 1)], local: [0x0202_0000])),
        ], end: 0x1100)
        let info = try Self.parse(bytes)
        // The bad entry's range (0x1010..<0x1020) is covered by nothing.
        #expect(info.entries == [.init(address: 0x1000, length: 0x10, encoding: 0x0201_0000),
                                 .init(address: 0x1020, length: 0xe0, encoding: 0x0202_0000)])
        #expect(info.problems.count == 1 && info.problems[0].detail.contains("index 9"))
    }

    @Test func entriesGoingBackwards() throws {
        let bytes = Self.section(common: [], pages: [
            (0x1000, .regular([(0x1000, 0x0201_0000), (0x0800, 0x0202_0000), (0x1080, 0x0203_0000)])),
        ], end: 0x1100)
        let info = try Self.parse(bytes)
        #expect(info.entries.map(\.address) == [0x1000, 0x1080])
        #expect(info.problems.count == 1 && info.problems[0].kind == .invalidValue)
    }

    /// Every prefix of the real section and every byte of it set to 0x00 and 0xff: an error or
    /// a table whose entries are sorted and disjoint, and whose rules and records never trap.
    @Test func fuzzedRealSection() throws {
        let (file, section) = try Self.unwindInfoSection()
        let original = section.array
        #expect(original.count > 28)
        let ehFrame = MachOSymbolTable.callFrameInfo(file)?.cfi
        var parsed = 0, failed = 0
        func exercise(_ bytes: [UInt8]) {
            do throws(ParseError) {
                let info = try Self.parse(bytes)
                parsed += 1
                for (a, b) in zip(info.entries, info.entries.dropFirst()) {
                    #expect(UInt64(a.address) + UInt64(a.length) <= UInt64(b.address))
                }
                let table = CompactUnwindTable(info: info, cpu: .amd64, ehFrame: ehFrame, loadAddress: file.loadAddress,
                                               text: [], endian: .little, functionName: { _ in nil })
                _ = table.breakpadRecords()
                for entry in info.entries.prefix(4) { _ = table.rules(at: UInt64(entry.address)) }
            } catch {
                failed += 1
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        for length in 0...original.count { exercise(Array(original.prefix(length))) }
        for offset in 0..<original.count {
            for value: UInt8 in [0x00, 0xff] where original[offset] != value {
                var copy = original
                copy[offset] = value
                exercise(copy)
            }
        }
        #expect(parsed > 0 && failed > 0)
        print("__unwind_info fuzz (\(original.count) bytes): \(parsed) parsed, \(failed) refused with an error")
    }

    /// A whole binary with a damaged `__unwind_info` still loads: names and `__eh_frame` rules
    /// stay, the damage is a problem with its offset.
    @Test func damagedSectionInAWholeBinary() throws {
        var bytes = try Fixtures.bytes(Self.crashPath)
        let (_, section) = try Self.unwindInfoSection()
        let start = section.fileOffset(0)
        bytes[start] = 2  // version 2
        let symbols = try #require(try MachOSymbolFormat().load(ByteView(bytes), location: "damaged") as? SymbolTableSymbols)
        #expect(symbols.unwindTable == nil)
        let problem = try #require(symbols.problems.first { $0.contains("__unwind_info") })
        #expect(problem.contains("version 2") && problem.contains("0x\(String(start, radix: 16))"), "\(problem)")
        #expect(symbols.lookup(0xd20) != nil)
        #expect(!symbols.breakpadCFIRecords().isEmpty)  // every __eh_frame FDE instead

        // The first-level index pointing past the section: the same, with the index's offset.
        var index = try Fixtures.bytes(Self.crashPath)
        index.replaceSubrange(start + 20..<start + 24, with: [0xf0, 0xff, 0xff, 0x7f])
        let second = try #require(try MachOSymbolFormat().load(ByteView(index), location: "damaged") as? SymbolTableSymbols)
        #expect(second.unwindTable == nil)
        #expect(second.problems.contains { $0.contains("__unwind_info") && $0.contains("0x\(String(start + 20, radix: 16))") },
                "\(second.problems)")
    }

    // MARK: - Stackwalk

    /// symbolicator's macos.dmp walked with only the crash binary: with compact unwind the
    /// frames are the ones `__eh_frame` alone gives, or better (no frame found by scanning
    /// where CFI now knows the frame). The binary with `__unwind_info` renamed stands for the
    /// reader before compact unwind.
    @Test func macosDumpWalk() async throws {
        let original = try Fixtures.bytes(Self.crashPath)
        var renamed = original
        let name = Array("__unwind_info".utf8)
        let at = try #require((0..<4096).first { Array(original[$0..<$0 + name.count]) == name })
        renamed[at + 2] = UInt8(ascii: "x")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-cu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        var reports: [[Frame]] = []
        for (label, bytes) in [("with", original), ("without", renamed)] {
            let path = root.appendingPathComponent(label).appendingPathComponent("crash")
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: path)
            let pipeline = try StackwalkPipeline.make(registry: try Bundled.registry(), symbolPaths: [path.path])
            let report = try await pipeline.run(PipelineInput(name: "macos.dmp",
                                                              bytes: ByteView(try Fixtures.bytes("symbolicator/minidumps/macos.dmp"))))
            let frames = try #require(report.crashingThread).frames
            reports.append(frames)
            print("macos.dmp \(label) compact unwind: \(frames.count) frames")
            for (i, frame) in frames.enumerated() {
                print("  \(i) 0x\(String(frame.instruction, radix: 16)) \(frame.trust) \(frame.function ?? "?")")
            }
        }
        let (with, without) = (reports[0], reports[1])
        // Without compact unwind main has no rules (its FDE was left out by the linker), so the
        // scanner's first find, a stale address inside main, became frame 1; with it, main's
        // caller (libdyld's start) comes from CFI, and every later frame is one scanning found too.
        #expect(with.count >= 2 && without.count >= 2)
        #expect(with.first?.instruction == without.first?.instruction)
        #expect(with[1].trust == .cfi)
        #expect(without[1].trust == .scan)
        #expect(Set(with.dropFirst().map(\.instruction)).isSubset(of: Set(without.dropFirst().map(\.instruction))))
        #expect(with.filter { $0.trust == .scan }.count < without.filter { $0.trust == .scan }.count)
    }
}
