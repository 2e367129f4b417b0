import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// Hand-built and damaged call-frame sections: every problem is a ParseError with the offset
/// where reading stopped, the rest is still read, and nothing crashes or hangs.
struct DWARFMalformedTests {
    /// A well-formed `.eh_frame`: one CIE ("zR", pcrel|sdata4) and one FDE at 0x1000.
    static func sample() -> FrameBuilder {
        var builder = FrameBuilder()
        let cie = builder.cie()
        builder.fde(cie: cie, start: 0x1000, size: 0x20,
                    instructions: [0x41, 0x0e, 16, 0x86, 2, 0x43, 0x0d, 6, 0x4a, 0x0c, 7, 8])
        return builder
    }

    static func parse(_ builder: FrameBuilder) -> DWARFCallFrameInfo {
        DWARFCallFrameInfo(ehFrame: ByteView(builder.bytes), sectionAddress: builder.sectionAddress)
    }

    static let sampleLines = [
        "STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa -8 + ^",
        "STACK CFI 1001 .cfa: $rsp 16 + $rbp: .cfa -16 + ^",
        "STACK CFI 1004 .cfa: $rbp 16 +",
        "STACK CFI 100e .cfa: $rsp 8 +",
    ]

    @Test func wellFormedSample() throws {
        let cfi = Self.parse(Self.sample())
        #expect(cfi.problems.isEmpty)
        #expect(cfi.breakpadRecords(cpu: .amd64).map(\.description) == Self.sampleLines)
        #expect(cfi.rules(at: 0x1005, cpu: .amd64) == CallFrameRules(parsing: ".cfa: $rbp 16 + .ra: .cfa -8 + ^ $rbp: .cfa -16 + ^"))
        #expect(cfi.rules(at: 0x1020, cpu: .amd64) == nil)
        #expect(cfi.rules(at: 0xfff, cpu: .amd64) == nil)
        // With a terminator and trailing bytes after it, nothing changes.
        var terminated = Self.sample()
        terminated.bytes += [0, 0, 0, 0, 0xde, 0xad]
        #expect(Self.parse(terminated).breakpadRecords(cpu: .amd64).map(\.description) == Self.sampleLines)
    }

    @Test func everyTruncationIsReportedNeverFatal() throws {
        let bytes = Self.sample().bytes
        for length in 0..<bytes.count {
            let cfi = DWARFCallFrameInfo(ehFrame: ByteView(Array(bytes.prefix(length))), sectionAddress: 0x2000)
            _ = cfi.breakpadRecords(cpu: .amd64)
            if length > 0 && length != 22 {  // 22: just the whole CIE
                let problem = try #require(cfi.problems.first, "prefix \(length)")
                #expect(problem.offset >= 0 && problem.offset < bytes.count)
                #expect(problem.kind == .truncated || problem.kind == .outOfRange)
            }
            #expect(cfi.fdes.isEmpty)
        }
    }

    @Test func lengthPastTheEnd() throws {
        var builder = Self.sample()
        let fde = builder.bytes.count
        builder.bytes += [0x00, 0x10, 0, 0, 1, 2, 3, 4]  // an entry of 0x1000 bytes in 8
        let cfi = Self.parse(builder)
        #expect(cfi.fdes.count == 1)
        let problem = try #require(cfi.problems.first)
        #expect(problem.kind == .outOfRange)
        #expect(problem.offset == fde)
        #expect(problem.context == "eh_frame")
        // A reserved initial length.
        var reserved = Self.sample()
        reserved.bytes += [0xf0, 0xff, 0xff, 0xff]
        #expect(Self.parse(reserved).problems.first?.kind == .invalidValue)
    }

    @Test func ciePointerOutsideOrAtAnFDE() throws {
        var before = FrameBuilder()
        let cie = before.cie()
        let bad = before.fde(cie: cie, start: 0x1000, size: 4, instructions: [], ciePointer: 0x1000)  // before the section start
        before.fde(cie: cie, start: 0x2000, size: 4, instructions: [])
        var cfi = Self.parse(before)
        #expect(cfi.fdes.map(\.initialAddress) == [0x2000])
        #expect(cfi.problems.count == 1)
        #expect(cfi.problems.first?.kind == .outOfRange)
        #expect(cfi.problems.first?.offset == bad + 4)

        var atFDE = FrameBuilder()
        let realCIE = atFDE.cie()
        let first = atFDE.fde(cie: realCIE, start: 0x1000, size: 4, instructions: [])
        atFDE.fde(cie: first, start: 0x1100, size: 4, instructions: [])  // "CIE" pointer to an FDE
        cfi = Self.parse(atFDE)
        #expect(cfi.fdes.map(\.initialAddress) == [0x1000])
        #expect(cfi.problems.first?.offset == first)
        #expect(cfi.problems.first?.detail.contains("does not point at a CIE") == true)

        // .debug_frame: a CIE pointer past the end of the section.
        var debug = FrameBuilder()
        debug.debugCIE(version: 3, is64: false)
        debug.debugFDE(cie: 0x9999, is64: false, start: 0x1000, size: 4, instructions: [])
        let debugCFI = DWARFCallFrameInfo(debugFrame: ByteView(debug.bytes))
        #expect(debugCFI.fdes.isEmpty)
        #expect(debugCFI.problems.first?.kind == .outOfRange)
    }

    @Test func badAugmentation() throws {
        // Unknown letters without `z`: the CIE cannot be read, and neither can its FDEs.
        var unknown = FrameBuilder()
        let cie = unknown.cie(augmentation: "xyz", augmentationData: [])
        unknown.fde(cie: cie, start: 0x1000, size: 4, instructions: [])
        let cfi = Self.parse(unknown)
        #expect(cfi.fdes.isEmpty && cfi.cies.isEmpty)
        #expect(cfi.problems.first?.kind == .unsupported)
        #expect(cfi.problems.first?.offset == 0)
        #expect(cfi.problems.count == 2)
        // Unknown letters after `z`: skipped with the augmentation data length (as libgcc does).
        var zUnknown = FrameBuilder()
        let zCIE = zUnknown.cie(augmentation: "zRQ", augmentationData: [0x1b, 0x55])
        zUnknown.fde(cie: zCIE, start: 0x1000, size: 4, instructions: [])
        #expect(Self.parse(zUnknown).fdes.map(\.initialAddress) == [0x1000])
        // An augmentation data length past the entry.
        var long = FrameBuilder()
        long.cie(augmentation: "zR", augmentationData: [])
        long.bytes[long.bytes.count - 6] = 0x7f
        #expect(Self.parse(long).problems.first?.kind == .truncated)
        // A bad pointer encoding in `R`.
        var encoding = FrameBuilder()
        let badCIE = encoding.cie(augmentationData: [0x0f])
        encoding.fde(cie: badCIE, start: 0x1000, size: 4, instructions: [])
        #expect(Self.parse(encoding).problems.first?.kind == .invalidValue)
        // An unsupported CIE version.
        var version = FrameBuilder()
        version.cie(version: 2)
        #expect(Self.parse(version).problems.first?.kind == .unsupported)
    }

    @Test func absurdLEB128() throws {
        var builder = FrameBuilder()
        let cie = builder.cie(caf: Array(repeating: 0x80, count: 11) + [1])
        builder.fde(cie: cie, start: 0x1000, size: 4, instructions: [])
        let cfi = Self.parse(builder)
        #expect(cfi.fdes.isEmpty)
        let problem = try #require(cfi.problems.first)
        #expect(problem.kind == .invalidValue)
        #expect(problem.offset == 12)  // 4 length + 4 id + 1 version + "zR\0"
        // Ten bytes whose last carries bits past 64.
        var overflow = FrameBuilder()
        overflow.cie(caf: Array(repeating: 0xff, count: 9) + [0x7f])
        #expect(Self.parse(overflow).problems.first?.detail.contains("64 bits") == true)
    }

    func table(_ instructions: [UInt8]) -> (DWARFUnwindTable, [String]) {
        var builder = FrameBuilder()
        let cie = builder.cie()
        builder.fde(cie: cie, start: 0x1000, size: 0x20, instructions: instructions)
        let cfi = Self.parse(builder)
        let table = cfi.unwindTable(for: cfi.fdes[0])!
        return (table, cfi.breakpadRecords(cpu: .amd64).map(\.description))
    }

    @Test func rememberStateUnderflowAndUnknownOpcodes() throws {
        // advance 1, def_cfa_offset 16, advance 1, restore_state (nothing remembered), advance 1, def_cfa_offset 24
        var (result, lines) = table([0x41, 0x0e, 16, 0x41, 0x0b, 0x41, 0x0e, 24])
        #expect(result.problem?.kind == .invalidValue)
        #expect(result.problem?.offset == 22 + 17 + 4)  // CIE (22 bytes), FDE header (17), the restore_state
        #expect(lines == ["STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa -8 + ^", "STACK CFI 1001 .cfa: $rsp 16 +"])
        #expect(result.rows.last?.end == 0x1020)

        (result, lines) = table([0x41, 0x0e, 16, 0x3f, 0x41, 0x0e, 24])
        #expect(result.problem?.kind == .unsupported)
        #expect(result.problem?.detail.contains("0x3f") == true)
        #expect(lines.count == 2)

        // Deep remember_state nesting is bounded.
        (result, _) = table(Array(repeating: 0x0a, count: 500))
        #expect(result.problem?.kind == .absurdCount)
        // An expression that runs past the entry.
        (result, _) = table([0x0f, 0x7f, 1])
        #expect(result.problem?.kind == .truncated)
    }

    @Test func everyInstructionKind() throws {
        // def_cfa_sf, offset_extended(_sf), val_offset(_sf), register, same_value, undefined,
        // GNU_args_size, GNU_negative_offset_extended, negate_ra_state, expressions, advance_loc1/2/4,
        // remember/restore, restore_extended.
        let (result, lines) = table([
            0x12, 7, 0x7e,                     // def_cfa_sf rsp, -2 * -8 = 16
            0x05, 3, 3,                         // offset_extended rbx, 3 * -8
            0x11, 12, 0x7c,                     // offset_extended_sf r12, -4 * -8 = +32
            0x02, 1,                            // advance_loc1 1
            0x14, 13, 1,                        // val_offset r13, -8
            0x15, 14, 0x7f,                     // val_offset_sf r14, +8
            0x09, 15, 6,                        // register r15 = rbp
            0x08, 6,                            // same_value rbp
            0x2e, 0x10, 0x2d,                   // GNU_args_size 16, negate_ra_state
            0x03, 1, 0,                         // advance_loc2 1
            0x0a, 0x2f, 3, 2, 0x07, 12,         // remember; GNU_negative_offset_extended rbx, +16; undefined r12
            0x10, 5, 1, 0x9c, 0x16, 4, 1, 0x9c, // expression rdi, val_expression rsi
            0x04, 1, 0, 0, 0,                   // advance_loc4 1
            0x0b, 0x06, 3, 0x0f, 1, 0x9c,       // restore_state; restore_extended rbx; def_cfa_expression
            0x41, 0x0c, 7, 8,                   // advance 1, def_cfa rsp 8
        ])
        #expect(result.problem == nil)
        #expect(lines == [
            "STACK CFI INIT 1000 20 .cfa: $rsp 16 + .ra: .cfa -8 + ^ $rbx: .cfa -24 + ^ $r12: .cfa 32 + ^",
            "STACK CFI 1001 $r13: .cfa -8 + $r14: .cfa 8 + $r15: $rbp $rbp: $rbp",
            "STACK CFI 1002 $rbx: .cfa 16 + ^",
            "STACK CFI 1004 .cfa: $rsp 8 +",
        ])
        #expect(result.rows.map(\.start) == [0x1000, 0x1001, 0x1002, 0x1003, 0x1004])
        #expect(result.rows[2].rule(for: 12) == nil)
        #expect(result.rows[2].rule(for: 5) != nil)
        #expect(result.rows[3].rule(for: 3) == nil)   // restored to the CIE's (no rule)
        #expect(result.rows[3].rule(for: 12) == .offset(32))  // back from the remembered state
    }

    @Test func exactRowsAndARMNames() throws {
        let cfi = Self.parse(Self.sample())
        let row = try #require(cfi.row(at: 0x1005))
        #expect(row.start == 0x1004 && row.end == 0x100e)
        #expect(row.cfa == .registerOffset(register: 6, offset: 16))
        #expect(row.rule(for: 16) == .offset(-8) && row.rule(for: 6) == .offset(-16))
        #expect(cfi.row(at: 0x101f)?.cfa == .registerOffset(register: 7, offset: 8))
        #expect(cfi.row(at: 0x1020) == nil)

        // 32-bit ARM: CFA sp, return address in lr until saved.
        var arm = FrameBuilder()
        let cie = arm.debugCIE(version: 3, is64: false, addressSize: 4, caf: 2, daf: -4, ra: 14, instructions: [0x0c, 13, 0])
        arm.debugFDE(cie: cie, is64: false, addressSize: 4, start: 0x8000, size: 0x20,
                     instructions: [0x41, 0x0e, 8, 0x8e, 1, 0x8b, 2, 0x42, 0x0d, 11])
        let armCFI = DWARFCallFrameInfo(debugFrame: ByteView(arm.bytes), addressSize: 4)
        #expect(armCFI.problems.isEmpty)
        #expect(armCFI.breakpadRecords(cpu: .arm).map(\.description) == [
            "STACK CFI INIT 8000 20 .cfa: sp 0 + .ra: lr",
            "STACK CFI 8002 .cfa: sp 8 + .ra: .cfa -4 + ^ r11: .cfa -8 + ^",
            "STACK CFI 8006 .cfa: r11 8 +",
        ])
        #expect(DWARFRegisterNames.name(16, cpu: .amd64) == "$rip")
        #expect(DWARFRegisterNames.name(8, cpu: .x86) == "$eip")
        #expect(DWARFRegisterNames.name(31, cpu: .arm64) == "sp")
        #expect(DWARFRegisterNames.name(257, cpu: .arm) == "d1")
        #expect(DWARFRegisterNames.name(1000, cpu: .amd64) == nil)
        #expect(DWARFRegisterNames.name(0, cpu: .riscv64) == nil)
    }

    @Test func zeroLengthEntriesNeverLoop() throws {
        // .eh_frame: a zero length is the terminator.
        var builder = FrameBuilder()
        builder.bytes = [0, 0, 0, 0]
        let tail = Self.sample().bytes
        builder.bytes += tail
        #expect(Self.parse(builder).fdes.isEmpty)
        // .debug_frame: zero words are padding and skipped.
        var debug = FrameBuilder()
        debug.bytes = Array(repeating: 0, count: 4000)
        let cie = debug.debugCIE(version: 1, is64: false)
        debug.debugFDE(cie: cie, is64: false, start: 0x1000, size: 0x10, instructions: [0x41, 0x0e, 16])
        let cfi = DWARFCallFrameInfo(debugFrame: ByteView(debug.bytes))
        #expect(cfi.problems.isEmpty)
        #expect(cfi.breakpadRecords(cpu: .amd64).map(\.description)
                == ["STACK CFI INIT 1000 10 .cfa: $rsp 8 + .ra: .cfa -8 + ^", "STACK CFI 1001 .cfa: $rsp 16 +"])
        // A FDE whose CIE pointer names itself.
        var selfish = FrameBuilder()
        selfish.debugFDE(cie: 0, is64: false, start: 0x1000, size: 4, instructions: [])
        #expect(DWARFCallFrameInfo(debugFrame: ByteView(selfish.bytes)).problems.first?.detail.contains("does not point at a CIE") == true)
    }

    @Test func debugFrameVersionsWidthsAndEndianness() throws {
        let expected = ["STACK CFI INIT 401000 10 .cfa: $rsp 8 + .ra: .cfa -8 + ^", "STACK CFI 401004 .cfa: $rsp 16 + $rbp: .cfa -16 + ^"]
        for version: UInt8 in [1, 3, 4] {
            for is64 in [false, true] {
                for bigEndian in [false, true] {
                    var builder = FrameBuilder()
                    builder.bigEndian = bigEndian
                    let cie = builder.debugCIE(version: version, is64: is64, caf: 4)
                    builder.debugFDE(cie: cie, is64: is64, start: 0x401000, size: 0x10, instructions: [0x41, 0x0e, 16, 0x86, 2])
                    let cfi = DWARFCallFrameInfo(debugFrame: ByteView(builder.bytes), endian: bigEndian ? .big : .little)
                    #expect(cfi.problems.isEmpty, "v\(version) 64:\(is64) be:\(bigEndian) \(cfi.problems)")
                    #expect(cfi.breakpadRecords(cpu: .amd64).map(\.description) == expected, "v\(version) 64:\(is64) be:\(bigEndian)")
                }
            }
        }
        // 32-bit x86, address size 4, version 4 CIE naming its address size.
        var x86 = FrameBuilder()
        let cie = x86.debugCIE(version: 4, is64: false, addressSize: 4, daf: -4, ra: 8, instructions: [0x0c, 4, 4, 0x88, 1])
        x86.debugFDE(cie: cie, is64: false, addressSize: 4, start: 0x8048000, size: 0x10, instructions: [0x41, 0x0e, 8, 0x85, 2])
        let cfi = DWARFCallFrameInfo(debugFrame: ByteView(x86.bytes), addressSize: 4)
        #expect(cfi.breakpadRecords(cpu: .x86, loadAddress: 0x8048000).map(\.description)
                == ["STACK CFI INIT 0 10 .cfa: $esp 4 + .ra: .cfa -4 + ^", "STACK CFI 1 .cfa: $esp 8 + $ebp: .cfa -8 + ^"])
    }

    @Test func pointerEncodings() throws {
        // udata4 absolute, sdata8 pcrel, uleb128, udata2 datarel (with a data base), and "zPLR".
        for (encoding, value) in [(UInt8(0x03), [UInt8](arrayLiteral: 0x00, 0x10, 0, 0)),
                                  (0x02, [0x00, 0x10]), (0x01, FrameBuilder.uleb(0x1000)), (0x09, FrameBuilder.sleb(0x1000)),
                                  (0x0a, [0x00, 0x10]), (0x04, [0, 0x10, 0, 0, 0, 0, 0, 0]), (0x00, [0, 0x10, 0, 0, 0, 0, 0, 0])] {
            var builder = FrameBuilder()
            let cieOffset = builder.cie(augmentationData: [encoding])
            var body: [UInt8] = builder.le(UInt64(builder.bytes.count + 4 - cieOffset), 4) + value
            let range: [UInt8] = switch encoding & 0x0f {
            case 0x02, 0x0a: [8, 0]
            case 0x01, 0x09: [8]
            case 0x04, 0x00: [8, 0, 0, 0, 0, 0, 0, 0]
            default: [8, 0, 0, 0]
            }
            body += range + [0]
            builder.bytes += builder.le(UInt64(body.count), 4) + body
            let cfi = Self.parse(builder)
            #expect(cfi.problems.isEmpty, "encoding 0x\(String(encoding, radix: 16)): \(cfi.problems)")
            #expect(cfi.fdes.first?.initialAddress == 0x1000 && cfi.fdes.first?.addressRange == 8, "encoding 0x\(String(encoding, radix: 16))")
        }
        // "zPLR": personality (indirect pcrel sdata4), LSDA (pcrel sdata4), FDE pcrel sdata4.
        var builder = FrameBuilder()
        let cie = builder.cie(augmentation: "zPLR", augmentationData: [0x9b, 0, 0, 0, 0, 0x1b, 0x1b])
        var fdeBody: [UInt8] = builder.le(UInt64(builder.bytes.count + 4 - cie), 4)
        fdeBody += builder.le(UInt64(UInt32(truncatingIfNeeded: 0x1000 - 0x2000 - (builder.bytes.count + 8))), 4)
        fdeBody += builder.le(8, 4) + [4] + builder.le(0x100, 4)
        builder.bytes += builder.le(UInt64(fdeBody.count), 4) + fdeBody
        let cfi = Self.parse(builder)
        #expect(cfi.problems.isEmpty, "\(cfi.problems)")
        #expect(cfi.cies.first?.value.personality != nil)
        #expect(cfi.fdes.first?.initialAddress == 0x1000)
        #expect(cfi.fdes.first?.lsda == 0x2000 + UInt64(builder.bytes.count - 4) + 0x100)
        // datarel without a base: the FDE is skipped with a problem naming it.
        var datarel = FrameBuilder()
        let d = datarel.cie(augmentationData: [0x33])
        datarel.fde(cie: d, start: 0x1000, size: 4, instructions: [])
        #expect(Self.parse(datarel).problems.first?.kind == .unsupported)
    }

    /// A few hundred random mutations of the real `.eh_frame`: partial results, never a crash or hang.
    @Test func randomMutationsOfRealEhFrame() throws {
        let bytes = try Fixtures.bytes("symbolic/debug-files/linux/crash")
        let section = try #require(ObjectSections.elfSection(bytes, named: ".eh_frame"))
        let original = Array(bytes[section.offset..<(section.offset + section.size)])
        var random = SplitMix(state: 0xcf1)
        var withProblems = 0
        let started = Date()
        for round in 0..<400 {
            var mutated = original
            switch round % 4 {
            case 0:
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            case 1:
                let at = Int.random(in: 0..<(mutated.count - 4), using: &random)
                let value: UInt32 = [0, 0xffff_ffff, 0xffff_fff0, UInt32.random(in: 0...UInt32.max, using: &random)][Int.random(in: 0...3, using: &random)]
                for i in 0..<4 { mutated[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            case 2:
                mutated = Array(mutated.prefix(Int.random(in: 0..<mutated.count, using: &random)))
            default:
                // Random opcodes into the programs.
                for _ in 0..<32 {
                    mutated[Int.random(in: 0..<mutated.count, using: &random)] = [0x0a, 0x0b, 0x0f, 0x10, 0x3f, 0xff, 0x80][Int.random(in: 0...6, using: &random)]
                }
            }
            let cfi = DWARFCallFrameInfo(ehFrame: ByteView(mutated), sectionAddress: section.address)
            let records = cfi.breakpadRecords(cpu: .amd64, loadAddress: 0x400000)
            for record in records.prefix(50) { _ = cfi.rules(at: record.address, cpu: .amd64, loadAddress: 0x400000) }
            for fde in cfi.fdes.prefix(20) { _ = cfi.unwindTable(for: fde) }
            if !cfi.problems.isEmpty { withProblems += 1 }
        }
        let seconds = Date().timeIntervalSince(started)
        print("400 mutations of linux/crash .eh_frame: \(withProblems) reported problems; \(seconds) s")
        #expect(withProblems > 0)
        #expect(seconds < 120)
    }
}
