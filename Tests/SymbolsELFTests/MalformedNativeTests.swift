import Bundled
import CrashpipeCore
import Foundation
import SymbolsELF
import TestSupport
import Testing

/// A real little-endian ELF64 file with its section headers by name, to damage one section at a
/// time (cut it, move it, point it outside the file).
struct RealELF {
    struct Section {
        var header: Int
        var offset: Int
        var size: Int
        var address: UInt64
    }
    var bytes: [UInt8]
    var sections: [String: Section] = [:]

    init(_ relative: String) throws {
        bytes = try Fixtures.bytes(relative)
        let view = ByteView(bytes)
        let shoff = Int(try view.u64(at: 40))
        let count = Int(try view.u16(at: 60))
        let names = Int(try view.u16(at: 62))
        let namesOffset = Int(try view.u64(at: shoff + names * 64 + 24))
        for index in 0..<count {
            let header = shoff + index * 64
            let name = try ByteView(bytes).cString(at: namesOffset + Int(try view.u32(at: header)))
            sections[name] = Section(header: header, offset: Int(try view.u64(at: header + 24)),
                                     size: Int(try view.u64(at: header + 32)), address: try view.u64(at: header + 16))
        }
    }

    /// The file with section `name`'s sh_offset and sh_size replaced.
    func with(_ name: String, offset: UInt64? = nil, size: UInt64? = nil) -> [UInt8] {
        var copy = bytes
        let section = sections[name]!
        if let offset { copy.put(offset, at: section.header + 24) }
        if let size { copy.put(size, at: section.header + 32) }
        return copy
    }

    /// Moves section `name` to `offset` with `size` in place (the stored file changes).
    mutating func narrow(_ name: String, offset: Int, size: Int) {
        bytes = with(name, offset: UInt64(offset), size: UInt64(size))
        sections[name]!.offset = offset
        sections[name]!.size = size
    }
}

/// Damaged native debug files loaded through the `elf` symbol format (the Bundled registry's),
/// then asked for functions, lines and call frame rules: each case is a ParseError that says
/// what and where, or partial results; never a crash, a hang or a huge allocation.
struct MalformedNativeTests {
    static let format: any SymbolFormat = {
        let registry = try! Bundled.registry()
        return registry.symbolFormats.first { $0.name == "elf" }!
    }()

    static let debugPath = "symbolic/debug-files/linux/crash.debug"
    static let binaryPath = "symbolic/debug-files/linux/crash"
    static let loadAddress: UInt64 = 0x400000

    /// crash.debug with `.debug_info` narrowed to three small compile units (0xa16b6..<0xa2ad2:
    /// 61 subprograms, 12 inlined calls), so a load takes milliseconds; the other sections are
    /// whole. Returns the file and where each unit ends (relative to the narrowed section).
    static func smallDebugFile() throws -> (file: RealELF, unitEnds: [Int]) {
        var file = try RealELF(debugPath)
        let info = file.sections[".debug_info"]!
        let start = 0xa16b6, end = 0xa2ad2
        file.narrow(".debug_info", offset: info.offset + start, size: end - start)
        return (file, try dwarfUnitEnds(file.bytes, offset: info.offset + start, size: end - start))
    }

    /// Every function symbol of the file (module-relative), to probe at; plus one byte inside each.
    static func probes(_ bytes: [UInt8]) throws -> [UInt64] {
        let symbols = try #require(try format.load(ByteView(bytes), location: "probes") as? SymbolTableSymbols)
        return symbols.entries.flatMap { [$0.address, $0.address + min(1, $0.size)] }
    }

    func load(_ bytes: [UInt8], _ probes: [UInt64], _ label: String,
              sourceLocation: SourceLocation = #_sourceLocation) -> DamagedLoad {
        loadDamaged(Self.format, bytes, probes: probes, label: label, sourceLocation: sourceLocation)
    }

    // MARK: Cut files and cut sections

    /// A file cut anywhere loses its section header table (at the end): always a ParseError
    /// about that table, at e_shoff (40) or where the table is cut.
    @Test func cutFilesAreParseErrors() throws {
        for path in [Self.debugPath, Self.binaryPath] {
            let file = try RealELF(path)
            var cuts = stride(from: 64, to: file.bytes.count, by: file.bytes.count / 40).map { $0 }
            for name in [".debug_info", ".debug_line", ".debug_abbrev", ".eh_frame", ".symtab"] {
                guard let section = file.sections[name], section.offset > 0, section.size > 0 else { continue }
                cuts += [section.offset + 1, section.offset + section.size / 2, section.offset + section.size - 1]
            }
            for cut in cuts {
                let result = load(Array(file.bytes.prefix(cut)), [], "\(path) cut at \(cut)")
                let error = try #require(result.error, "\(path) cut at \(cut) loaded")
                #expect(error.context?.contains("section header") == true, "\(error)")
                #expect([.outOfRange, .truncated, .absurdCount].contains(error.kind), "\(error)")
            }
        }
    }

    /// `.debug_info` cut inside unit k+1: the units before it still give their functions
    /// and lines, and the damage is reported.
    @Test func cutDebugInfoKeepsEarlierUnits() throws {
        let (file, ends) = try Self.smallDebugFile()
        #expect(ends.count == 3)
        let probes = try Self.probes(file.bytes)
        // What each prefix of whole units gives.
        var linedBy: [Int: Set<UInt64>] = [0: []]
        for end in ends {
            let whole = load(file.with(".debug_info", size: UInt64(end)), probes, "units to \(end)")
            #expect(whole.error == nil)
            #expect(!whole.problems.contains { $0.hasPrefix("DWARF") }, "\(whole.problems)")
            linedBy[end] = whole.linedAddresses
        }
        let all = try #require(linedBy[ends.last!])
        #expect(all.count > 20, "the three units give lines for \(all.count) probes")
        var cases = 0
        for cut in stride(from: 1, to: ends.last!, by: 23) where !ends.contains(cut) {
            let before = ([0] + ends).last { $0 < cut }!
            let result = load(file.with(".debug_info", size: UInt64(cut)), probes, "debug_info cut at \(cut)")
            cases += 1
            #expect(result.error == nil, "cut at \(cut): \(String(describing: result.error))")
            #expect(result.linedAddresses.isSuperset(of: linedBy[before]!), "cut at \(cut)")
            #expect(result.linedAddresses.isSubset(of: all), "cut at \(cut)")
            // Names still come from the symbol table.
            #expect(result.found >= probes.count / 2, "cut at \(cut): \(result.found) of \(probes.count)")
            // Reported even when no unit is left whole.
            #expect(result.problems.contains { $0.hasPrefix("DWARF") && $0.contains("unit") }, "cut at \(cut): \(result.problems)")
        }
        #expect(cases > 200)
    }

    /// `.debug_line` and `.debug_abbrev` cut at many places: names stay, lines only shrink.
    @Test func cutLineAndAbbreviationTables() throws {
        let (file, _) = try Self.smallDebugFile()
        let probes = try Self.probes(file.bytes)
        let whole = load(file.bytes, probes, "whole")
        for name in [".debug_line", ".debug_abbrev", ".debug_str", ".debug_ranges"] {
            let size = file.sections[name]!.size
            var cuts = stride(from: 0, to: size, by: max(1, size / 25)).map { $0 }
            cuts += [size - 1, 1, 7]
            for cut in cuts {
                let result = load(file.with(name, size: UInt64(cut)), probes, "\(name) cut at \(cut)")
                #expect(result.error == nil, "\(name) cut at \(cut): \(String(describing: result.error))")
                #expect(result.found >= probes.count / 2, "\(name) cut at \(cut)")
                #expect(result.lined <= whole.lined + probes.count / 10, "\(name) cut at \(cut)")
            }
        }
    }

    /// `.eh_frame` of the binary cut at every 8th byte: the FDEs before the cut keep their
    /// rules, the ones after have none, and a cut inside an entry is reported.
    @Test func cutEhFrameKeepsEarlierEntries() throws {
        let file = try RealELF(Self.binaryPath)
        let section = file.sections[".eh_frame"]!
        let cfi = DWARFCallFrameInfo(ehFrame: ByteView(Array(file.bytes[section.offset..<(section.offset + section.size)])),
                                     sectionAddress: section.address)
        let fdes = cfi.fdes
        #expect(fdes.count > 100 && cfi.problems.isEmpty)
        let probes = try Self.probes(file.bytes)
        let whole = try #require(load(file.bytes, probes, "whole").symbols)
        let boundaries = Set(fdes.map(\.offset) + fdes.map(\.instructions.upperBound) + cfi.cies.keys)
        var random = SplitMix(state: 0xeb)
        for cut in stride(from: 0, to: section.size, by: 8) {
            let result = load(file.with(".eh_frame", size: UInt64(cut)), [], "eh_frame cut at \(cut)")
            let symbols = try #require(result.symbols, "eh_frame cut at \(cut): \(String(describing: result.error))")
            // A few FDEs wholly before the cut and a few after it.
            let before = fdes.filter { $0.instructions.upperBound <= cut }
            let after = fdes.filter { $0.offset >= cut }
            for fde in (0..<3).compactMap({ _ in before.randomElement(using: &random) }) {
                let address = fde.initialAddress - Self.loadAddress
                #expect(symbols.callFrameInfo(at: address) == whole.callFrameInfo(at: address), "cut \(cut), FDE 0x\(String(fde.offset, radix: 16))")
            }
            for fde in (0..<3).compactMap({ _ in after.randomElement(using: &random) }) {
                #expect(symbols.callFrameInfo(at: fde.initialAddress - Self.loadAddress) == nil, "cut \(cut)")
            }
            if !boundaries.contains(cut) && cut > 0 {
                #expect(symbols.problems.contains { $0.contains("eh_frame") }, "cut at \(cut): \(symbols.problems)")
            }
        }
    }

    // MARK: Bad section headers and counts

    /// Sections pointing outside the file or with absurd sizes: a debug section is dropped
    /// (names stay, its lines go), the symbol table's is a ParseError naming the section.
    @Test func sectionsOutsideTheFile() throws {
        let (file, _) = try Self.smallDebugFile()
        let probes = try Self.probes(file.bytes)
        let whole = load(file.bytes, probes, "whole")
        #expect(whole.lined > 20)
        let end = UInt64(file.bytes.count)
        let damages: [(offset: UInt64?, size: UInt64?)] = [(end + 16, 16), (end, 1), (nil, UInt64.max), (nil, 1 << 63),
                                                            (UInt64.max, 8), (UInt64.max - 4, 8), (nil, end)]
        for name in [".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_ranges"] {
            for damage in damages {
                let label = "\(name) at \(damage.offset.map { String($0) } ?? "-") size \(damage.size.map { String($0) } ?? "-")"
                let result = load(file.with(name, offset: damage.offset, size: damage.size), probes, label)
                #expect(result.error == nil, "\(label)")
                #expect(result.found >= probes.count / 2, "\(label)")
                if name == ".debug_info" { #expect(result.lined == 0, "\(label)") }
            }
        }
        for name in [".symtab", ".strtab"] {
            for damage in damages {
                let label = "\(name) at \(damage.offset.map { String($0) } ?? "-") size \(damage.size.map { String($0) } ?? "-")"
                let result = load(file.with(name, offset: damage.offset, size: damage.size), probes, label)
                // The symbol table cannot be read: an error naming it.
                let error = try #require(result.error, "\(label) loaded")
                #expect([.outOfRange, .truncated].contains(error.kind) && error.context?.hasPrefix("ELF symbol table") == true,
                        "\(label): \(error)")
            }
        }
        let binary = try RealELF(Self.binaryPath)
        let binaryProbes = try Self.probes(binary.bytes)
        for damage in damages {
            let result = load(binary.with(".eh_frame", offset: damage.offset, size: damage.size), binaryProbes, "eh_frame \(damage)")
            #expect(result.error == nil && result.rules == 0 && result.found > 100, "eh_frame \(damage)")
        }
    }

    /// Absurd entry sizes, links and counts in the headers.
    @Test func absurdSymbolTableFieldsAndCounts() throws {
        let (file, _) = try Self.smallDebugFile()
        let probes = try Self.probes(file.bytes)
        let symtab = file.sections[".symtab"]!
        for entsize: UInt64 in [1, 23, 25, 4096, 1 << 32, 1 << 62, 1 << 63, UInt64.max] {
            var bytes = file.bytes
            bytes.put(entsize, at: symtab.header + 56)
            let result = load(bytes, probes, "entsize \(entsize)")
            if entsize < 24 {
                #expect(result.error?.kind == .invalidValue && result.error?.context == "ELF symbol table", "entsize \(entsize)")
            } else {
                // Entries that far apart: at most a few symbols, the DWARF still names functions.
                #expect(result.error == nil, "entsize \(entsize): \(String(describing: result.error))")
                #expect(result.lined > 20, "entsize \(entsize)")
            }
        }
        for link: UInt32 in [40, 0xffff, UInt32.max] {
            var bytes = file.bytes
            bytes.put(link, at: symtab.header + 40)
            let error = load(bytes, probes, "sh_link \(link)").error
            #expect(error?.kind == .outOfRange && error?.context == "ELF symbol table", "sh_link \(link)")
        }
        for count: UInt16 in [0xffff, 0xfff0, 41] {
            var bytes = file.bytes
            bytes.put(count, at: 60)
            let error = load(bytes, probes, "e_shnum \(count)").error
            #expect(error?.context == "section header table", "e_shnum \(count): \(String(describing: error))")
        }
        // e_shnum 0: the count is section header 0's sh_size.
        var bytes = file.bytes
        bytes.put(UInt16(0), at: 60)
        bytes.put(UInt64.max, at: Int(try ByteView(bytes).u64(at: 40)) + 32)
        #expect(load(bytes, probes, "extended count").error?.kind == .absurdCount)
    }

    // MARK: Synthetic DWARF and CFI in an ELF file

    /// An ELF executable (load address 0x400000) with an empty symbol table, the synthetic
    /// DWARF and `.eh_frame`.
    static func elf(_ dwarf: SyntheticDWARF, ehFrame: [UInt8]? = nil, extra: [(String, [UInt8])] = []) -> [UInt8] {
        var builder = ELFBuilder(buildId: Array(1...20))
        builder.sections.append(.init(name: ".symtab", type: ELFBuilder.symtab, data: [UInt8](repeating: 0, count: 24), entsize: 24))
        for (name, data) in dwarf.sections + extra { builder.sections.append(.init(name: name, type: ELFBuilder.progbits, data: data)) }
        if let ehFrame { builder.sections.append(.init(name: ".eh_frame", type: ELFBuilder.progbits, flags: 2, data: ehFrame)) }
        return builder.build()
    }

    /// Two units: `good` at 0x1000 (with an inlined `decl` at 0x1010) and whatever `second`
    /// writes, in a unit at 0x2000.
    static func twoUnits(_ second: (inout SyntheticDWARF, _ unitStart: Int) -> Void) -> SyntheticDWARF {
        var dwarf = SyntheticDWARF()
        dwarf.lineProgram(rows: [(0x401000, 1, 10), (0x401010, 1, 11), (0x402000, 1, 20)], end: 0x403000)
        let first = dwarf.beginUnit(low: 0x401000, size: 0x100)
        let decl = dwarf.declaration("decl")
        dwarf.function("good", low: 0x401000, size: 0x40) { $0.inlined(origin: decl, low: 0x401010, size: 0x10) }
        dwarf.endUnit(first)
        let start = dwarf.beginUnit(name: "b.c", low: 0x402000, size: 0x1000)
        second(&dwarf, start)
        dwarf.endUnit(start)
        return dwarf
    }

    static let syntheticProbes: [UInt64] = [0x1000, 0x1010, 0x1018, 0x2000, 0x2008, 0x2100, 0x2800, 0x3000, 0x4000, 0x5000]

    /// What the first unit must still give, whatever the second does.
    func expectGoodUnit(_ result: DamagedLoad, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let symbols = result.symbols
        #expect(symbols?.lookup(0x1000)?.function == "good", "\(label)", sourceLocation: sourceLocation)
        #expect(symbols?.lookup(0x1000)?.line == 10, "\(label)", sourceLocation: sourceLocation)
        #expect(symbols?.lookup(0x1018)?.inlines.map(\.function) == ["decl"], "\(label)", sourceLocation: sourceLocation)
    }

    /// A function the linker discarded keeps an address near 0 (its section's offset): it points
    /// into no executable section, so it names nothing, in lookups nor in `symbols convert`.
    @Test func discardedFunctionsAreLeftOut() throws {
        // A position-independent executable (load address 0), as the toolchain's binaries are.
        var dwarf = SyntheticDWARF()
        dwarf.lineProgram(rows: [(0x1000, 1, 10), (0x1040, 1, 20)], end: 0x1080)
        let live = dwarf.beginUnit(low: 0x1000, size: 0x80)
        dwarf.function("live", low: 0x1000, size: 0x40)
        dwarf.endUnit(live)
        let discarded = dwarf.beginUnit(name: "gc.c", low: 0x10, size: 0x20)
        dwarf.function("discarded", low: 0x10, size: 0x20)
        dwarf.endUnit(discarded)
        func build(textAddress: UInt64) -> [UInt8] {
            var builder = ELFBuilder(buildId: Array(1...20))
            builder.loadAddress = 0
            builder.sections = [.init(name: ".text", type: ELFBuilder.progbits, flags: 6,
                                      data: (0..<0x1000).map { UInt8($0 & 0xff) }, address: textAddress)]
            builder.sections.append(.init(name: ".symtab", type: ELFBuilder.symtab, data: [UInt8](repeating: 0, count: 24), entsize: 24))
            for (name, data) in dwarf.sections { builder.sections.append(.init(name: name, type: ELFBuilder.progbits, data: data)) }
            return builder.build()
        }
        let symbols = try #require(load(build(textAddress: 0x1000), [0x10, 0x1000, 0x1040], "discarded function").symbols)
        #expect(symbols.lookup(0x1000)?.function == "live" && symbols.lookup(0x1000)?.line == 10)
        #expect(symbols.lookup(0x10) == nil && !symbols.hasFunction(at: 0x10))
        // With .text at 0 (the file says nothing useful), the function stays.
        let unfiltered = try #require(load(build(textAddress: 0), [0x10, 0x1000], "text at 0").symbols)
        #expect(unfiltered.lookup(0x10)?.function == "discarded")
    }

    @Test func referenceCyclesEnd() throws {
        var cases: [(String, SyntheticDWARF)] = []
        // An inlined call whose origin is itself.
        cases.append(("inlinee refers to itself", Self.twoUnits { dwarf, _ in
            dwarf.function("outer", low: 0x402000, size: 0x100) { d in
                let at = d.info.count
                let field = d.inlined(origin: 0, low: 0x402010, size: 0x10)
                d.info.patch32(at: field, UInt32(at))
            }
        }))
        // A -> B -> A through abstract_origin, and through specification.
        for specification in [false, true] {
            cases.append(("A -> B -> A (\(specification ? "specification" : "abstract_origin"))", Self.twoUnits { dwarf, _ in
                let a = dwarf.reference(to: 0, specification: specification)
                let b = dwarf.reference(to: a.offset, specification: !specification)
                dwarf.info.patch32(at: a.field, b.offset)
                dwarf.function("outer", low: 0x402000, size: 0x100) { $0.inlined(origin: a.offset, low: 0x402010, size: 0x10) }
            }))
        }
        // A chain longer than the walker follows.
        cases.append(("a chain of 100 references", Self.twoUnits { dwarf, _ in
            var previous = dwarf.declaration("deep")
            for _ in 0..<100 { previous = dwarf.reference(to: previous).offset }
            dwarf.function("outer", low: 0x402000, size: 0x100) { $0.inlined(origin: previous, low: 0x402010, size: 0x10) }
        }))
        cases.append(("reference into the middle of a DIE / past the end", Self.twoUnits { dwarf, _ in
            dwarf.function("outer", low: 0x402000, size: 0x100) { d in
                d.inlined(origin: 3, low: 0x402010, size: 0x8)
                d.inlined(origin: 0xffff_fff0, low: 0x402020, size: 0x8)
            }
        }))
        for (label, dwarf) in cases {
            let result = load(Self.elf(dwarf), Self.syntheticProbes, label)
            #expect(result.error == nil, "\(label): \(String(describing: result.error))")
            expectGoodUnit(result, label)
            let outer = result.symbols?.lookup(0x2010)
            #expect(outer?.function == "outer", "\(label)")
            // The inlinee is still there; a cycle leaves it nameless, a long chain is cut short.
            #expect(outer?.inlines.count == 1, "\(label): \(String(describing: outer))")
            if label.contains("->") || label.contains("itself") {
                #expect(outer?.inlines.first?.function == "", "\(label)")
                #expect(result.problems.contains { $0.contains("DWARF") && $0.contains("cycle") }, "\(label): \(result.problems)")
            }
            if label.contains("chain") {
                #expect(result.problems.contains { $0.contains("DWARF") && $0.contains("deeper") }, "\(label): \(result.problems)")
            }
        }
    }

    /// DW_AT_sibling is not followed: a sibling that points at its own DIE, back at the unit
    /// or past the unit changes nothing.
    @Test func siblingLoopsChangeNothing() throws {
        var reference: [String?] = []
        for (index, sibling) in [nil, UInt32?(0), 11, 0xffff_ffff].enumerated() {
            let dwarf = Self.twoUnits { d, start in
                d.withSibling("self", sibling: sibling, unitStart: start, low: 0x402000, size: 0x40)
                d.withSibling("next", sibling: sibling, unitStart: start, low: 0x402100, size: 0x40)
            }
            let result = load(Self.elf(dwarf), Self.syntheticProbes, "sibling \(String(describing: sibling))")
            expectGoodUnit(result, "sibling")
            let names = [0x2000, 0x2100].map { result.symbols?.lookup($0)?.function }
            if index == 0 { reference = names } else { #expect(names == reference, "sibling \(String(describing: sibling))") }
        }
        #expect(reference == ["self", "next"])
    }

    /// Range lists, line programs and abbreviation tables that point outside their sections
    /// or never end, and LEB128s of 20+ bytes.
    @Test func outOfBoundsOffsetsAndEndlessTables() throws {
        // DW_AT_ranges past the end of .debug_ranges; and a list that never ends.
        for rangesOffset: UInt32 in [0x7fff_0000, 8, 0] {
            var dwarf = Self.twoUnits { d, _ in
                d.function("before", low: 0x402000, size: 0x40)
                d.ranged("ranged", rangesOffset: rangesOffset)
            }
            var ranges = LEBytes()
            if rangesOffset == 0 {
                // Entries up to the end of the section without the 0, 0 terminator.
                for k in 0..<4 { ranges.u64(0x402100 + UInt64(k) * 0x10); ranges.u64(0x402108 + UInt64(k) * 0x10) }
            } else {
                ranges.u64(0); ranges.u64(0)
            }
            dwarf.ranges = ranges.bytes
            let label = "ranges at \(rangesOffset)"
            let result = load(Self.elf(dwarf), Self.syntheticProbes, label)
            expectGoodUnit(result, label)
            #expect(result.symbols?.lookup(0x2000)?.function == "before", "\(label)")
            #expect(result.problems.contains { $0.contains("DWARF") && $0.contains("range") }, "\(label): \(result.problems)")
        }

        // A line program whose file index is huge: the row answers with no file.
        var huge = SyntheticDWARF()
        huge.lineProgram(rows: [(0x401000, 1, 10), (0x401010, UInt64.max, 12), (0x401020, 0xffff_ffff, 13)], end: 0x401040)
        let unit = huge.beginUnit(low: 0x401000, size: 0x40)
        huge.function("good", low: 0x401000, size: 0x40)
        huge.endUnit(unit)
        let lines = try #require(load(Self.elf(huge), Self.syntheticProbes, "huge file index").symbols)
        #expect(lines.lookup(0x1000)?.file == "/src/a.c" && lines.lookup(0x1000)?.line == 10)
        for address: UInt64 in [0x1010, 0x1020] {
            let info = lines.lookup(address)
            #expect(info?.function == "good" && info?.line == UInt32(address == 0x1010 ? 12 : 13))
            #expect((info?.file ?? "").isEmpty, "0x\(String(address, radix: 16)): \(String(describing: info?.file))")
        }

        // stmt_list past .debug_line: functions without lines, the problem reported.
        var noLines = Self.twoUnits { d, _ in d.function("outer", low: 0x402000, size: 0x40) }
        // Both units' stmt_list (header 11 bytes, code, a 3-letter name, low_pc, high_pc).
        for index in 0..<2 { noLines.info.patch32(at: Int(try unitStart(noLines, index)) + 11 + 1 + 4 + 8 + 4, 0x10_0000) }
        let result = load(Self.elf(noLines), Self.syntheticProbes, "stmt_list out of range")
        #expect(result.symbols?.lookup(0x1000)?.function == "good" && result.symbols?.lookup(0x1000)?.line == nil)
        #expect(result.problems.contains { $0.contains("line program") }, "\(result.problems)")

        // An abbreviation whose attribute list never ends; a 24-byte LEB128 as an abbreviation
        // code, as an attribute name, and in a DIE.
        var endless = Self.twoUnits { d, _ in d.function("outer", low: 0x402000, size: 0x40) }
        let second = UInt32(endless.abbrev.count)
        var a = LEBytes()
        a.uleb(1); a.uleb(0x11); a.u8(1)
        for _ in 0..<200 { a.uleb(0x03); a.uleb(0x08) }  // name string, never (0, 0)
        endless.abbrev += a.bytes
        endless.info.patch32(at: Int(try unitStart(endless, 1)) + 6, second)
        let endlessResult = load(Self.elf(endless), Self.syntheticProbes, "endless abbreviation")
        expectGoodUnit(endlessResult, "endless abbreviation")
        #expect(endlessResult.problems.contains { $0.contains("abbreviation") }, "\(endlessResult.problems)")

        for position in ["code", "attribute", "die"] {
            var dwarf = Self.twoUnits { d, _ in d.function("outer", low: 0x402000, size: 0x40) }
            let table = UInt32(dwarf.abbrev.count)
            var b = LEBytes()
            if position == "code" { b.endlessLEB(); b.u8(1) } else { b.uleb(1) }
            b.uleb(0x11); b.u8(1)
            if position == "attribute" { b.endlessLEB(); b.u8(1); b.uleb(0x08) }
            b.u8(0); b.u8(0); b.u8(0)
            if position != "die" {
                dwarf.abbrev += b.bytes
                dwarf.info.patch32(at: Int(try unitStart(dwarf, 1)) + 6, table)
            } else {
                // The second unit's first DIE: an abbreviation code of 25 bytes.
                let start = Int(try unitStart(dwarf, 1))
                dwarf.info.bytes.replaceSubrange((start + 11)..<(start + 12), with: [UInt8](repeating: 0x81, count: 24) + [0x00])
                dwarf.info.patch32(at: start, UInt32(dwarf.info.count - start - 4))
            }
            let result = load(Self.elf(dwarf), Self.syntheticProbes, "LEB128 in \(position)")
            expectGoodUnit(result, "LEB128 in \(position)")
            #expect(result.symbols?.lookup(0x2000) == nil, "LEB128 in \(position)")
            #expect(result.problems.contains { $0.contains("LEB128") }, "LEB128 in \(position): \(result.problems)")
        }
    }

    /// DWARF 5 range lists: offsets and indices past `.debug_rnglists`, lists that never end,
    /// unknown entry kinds. The functions before the bad one stay; the problem is reported.
    @Test func rangeListsOutOfBounds() throws {
        var endless = LEBytes()
        for k in 0..<4 { endless.u8(6); endless.u64(0x402100 + UInt64(k) * 0x10); endless.u64(0x402108 + UInt64(k) * 0x10) }
        var unknownKind = LEBytes()
        unknownKind.u8(6); unknownKind.u64(0x402100); unknownKind.u64(0x402108); unknownKind.u8(0x42)
        let cases: [(String, [UInt8], (inout SyntheticDWARF) -> Void)] = [
            ("offset past the end", [0], { $0.ranged("ranged", rangesOffset: 0x7fff_0000) }),
            ("index past the end", [0], { $0.rangedIndex("ranged", index: 1 << 40) }),
            ("index of 2^62", [0], { $0.rangedIndex("ranged", index: 1 << 62) }),
            ("list without an end", endless.bytes, { $0.ranged("ranged", rangesOffset: 0) }),
            ("unknown entry kind", unknownKind.bytes, { $0.ranged("ranged", rangesOffset: 0) }),
        ]
        for (label, lists, write) in cases {
            var dwarf = SyntheticDWARF()
            dwarf.lineProgram(rows: [(0x401000, 1, 10), (0x401010, 1, 11), (0x402000, 1, 20)], end: 0x403000)
            let first = dwarf.beginUnit(low: 0x401000, size: 0x100)
            let decl = dwarf.declaration("decl")
            dwarf.function("good", low: 0x401000, size: 0x40) { $0.inlined(origin: decl, low: 0x401010, size: 0x10) }
            dwarf.endUnit(first)
            let second = dwarf.beginUnit(name: "b.c", low: 0x402000, size: 0x1000, version: 5)
            dwarf.function("before", low: 0x402000, size: 0x40)
            write(&dwarf)
            dwarf.endUnit(second)
            dwarf.rnglists = lists
            let result = load(Self.elf(dwarf), Self.syntheticProbes, label)
            expectGoodUnit(result, label)
            #expect(result.symbols?.lookup(0x2000)?.function == "before", "\(label)")
            #expect(result.symbols?.lookup(0x2100) == nil, "\(label)")
            #expect(result.problems.contains { $0.hasPrefix("DWARF") && ($0.contains("range list") || $0.contains("rnglists")) },
                    "\(label): \(result.problems)")
        }
    }

    /// A cycle across units (DW_FORM_ref_addr): A in the first unit refers to B in the second,
    /// B back to A; an inlined call of A in the second unit stays nameless, reported once.
    @Test func crossUnitReferenceCycle() throws {
        var dwarf = SyntheticDWARF()
        dwarf.lineProgram(rows: [(0x401000, 1, 10), (0x402000, 1, 20)], end: 0x403000)
        let first = dwarf.beginUnit(low: 0x401000, size: 0x100)
        let a = dwarf.reference(to: 0)
        dwarf.function("good", low: 0x401000, size: 0x40)
        dwarf.endUnit(first)
        let second = dwarf.beginUnit(name: "b.c", low: 0x402000, size: 0x1000)
        let b = dwarf.reference(to: a.offset, specification: true)
        dwarf.info.patch32(at: a.field, b.offset)
        dwarf.function("outer", low: 0x402000, size: 0x100) { d in
            d.inlined(origin: a.offset, low: 0x402010, size: 0x10)
            d.inlined(origin: b.offset, low: 0x402020, size: 0x10)
        }
        dwarf.endUnit(second)
        let result = load(Self.elf(dwarf), Self.syntheticProbes, "cross-unit cycle")
        let symbols = try #require(result.symbols)
        #expect(symbols.lookup(0x1000)?.function == "good")
        #expect(symbols.lookup(0x2018)?.inlines.map(\.function) == [""])
        #expect(symbols.lookup(0x2028)?.inlines.map(\.function) == [""])
        #expect(result.problems.filter { $0.contains("cycle") }.count >= 1, "\(result.problems)")
    }

    /// Unit lengths past the end of `.debug_info` (32-bit and 64-bit): the units before stay.
    @Test func hugeUnitLengths() throws {
        for (label, length) in [("32-bit", [UInt8]([0xef, 0xff, 0xff, 0xff])), ("reserved", [0xf0, 0xff, 0xff, 0xff]),
                                ("64-bit", [0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0xff, count: 8)),
                                ("64-bit small", [0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 0, 0, 0, 0])] {
            var dwarf = Self.twoUnits { d, _ in d.function("outer", low: 0x402000, size: 0x40) }
            let start = Int(try unitStart(dwarf, 1))
            dwarf.info.bytes.replaceSubrange(start..<(start + 4), with: length)
            let result = load(Self.elf(dwarf), Self.syntheticProbes, label)
            expectGoodUnit(result, label)
            #expect(result.problems.contains { $0.hasPrefix("DWARF") }, "\(label): \(result.problems)")
            if label != "64-bit small" {
                #expect(result.symbols?.lookup(0x2000) == nil, "\(label)")
                #expect(result.problems.contains { $0.contains("compile unit header") }, "\(label): \(result.problems)")
            }
        }
    }

    /// Subprograms nested 2000 deep (each inside the last, each with its own range): an error
    /// past the nesting limit, the outer functions kept, no stack overflow.
    @Test func deeplyNestedFunctions() throws {
        var dwarf = SyntheticDWARF()
        dwarf.lineProgram(rows: [(0x401000, 1, 10)], end: 0x410000)
        let unit = dwarf.beginUnit(low: 0x401000, size: 0x10000)
        func nest(_ d: inout SyntheticDWARF, _ level: Int) {
            guard level < 2000 else { return }
            d.function("f\(level)", low: 0x401000 + UInt64(level) * 4, size: 4) { nest(&$0, level + 1) }
        }
        nest(&dwarf, 0)
        dwarf.endUnit(unit)
        let result = load(Self.elf(dwarf), [0x1000, 0x1004, 0x1400, 0x2000], "nested")
        #expect(result.symbols?.lookup(0x1000)?.function == "f0")
        #expect(result.symbols?.lookup(0x1004)?.function == "f1")
        #expect(result.problems.contains { $0.contains("nested deeper") }, "\(result.problems)")
    }

    /// `.eh_frame` with an FDE whose CIE pointer is the FDE itself, one into the middle of a
    /// CIE, a CIE with an endless LEB128: those FDEs give no rules, the good one does.
    @Test func badCIEPointers() throws {
        var eh = SyntheticEhFrame()
        let cie = eh.cie()
        eh.fde(cie: cie, address: 0x401000, size: 0x40)
        eh.fde(cie: nil, address: 0x402000, size: 0x40)
        eh.fde(cie: cie + 2, address: 0x403000, size: 0x40)
        let bad = eh.cie(endlessCodeAlignment: true)
        eh.fde(cie: bad, address: 0x404000, size: 0x40)
        eh.fde(cie: -1000, address: 0x405000, size: 0x40)  // before the section
        eh.terminate()
        let dwarf = Self.twoUnits { d, _ in d.function("outer", low: 0x402000, size: 0x40) }
        let result = load(Self.elf(dwarf, ehFrame: eh.bytes.bytes), Self.syntheticProbes, "bad CIE pointers")
        let symbols = try #require(result.symbols)
        #expect(symbols.callFrameInfo(at: 0x1000) == CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        #expect(symbols.callFrameInfo(at: 0x1001) == CallFrameRules(parsing: ".cfa: $rsp 16 + .ra: .cfa -8 + ^"))
        for address: UInt64 in [0x2000, 0x3000, 0x4000, 0x5000] { #expect(symbols.callFrameInfo(at: address) == nil) }
        #expect(result.problems.filter { $0.contains("eh_frame") }.count >= 4, "\(result.problems)")
        #expect(result.problems.contains { $0.contains("does not point at a CIE") })
        #expect(result.problems.contains { $0.contains("LEB128") })
        expectGoodUnit(result, "bad CIE pointers")
    }

    /// The offset of unit `index` in the synthetic `.debug_info`.
    func unitStart(_ dwarf: SyntheticDWARF, _ index: Int) throws -> UInt32 {
        var at = 0
        for _ in 0..<index { at += 4 + Int(try ByteView(dwarf.info.bytes).u32(at: at)) }
        return UInt32(at)
    }

    // MARK: Random damage

    /// Seeded random byte flips in the parts of the files the readers use (headers, section
    /// headers, the symbol table, the narrowed `.debug_info`, its abbreviations and line
    /// programs, `.eh_frame`), a few thousand variants per file, each loaded and probed.
    /// `CRASHPIPE_DAMAGE_VARIANTS` sets the number of variants per file (for longer runs).
    @Test(arguments: ["debug", "binary", "arm64"])
    func randomByteFlips(_ which: String) throws {
        let started = Date()
        let file = switch which {
        case "debug": try Self.smallDebugFile().file
        case "binary": try RealELF(Self.binaryPath)
        default: try RealELF("symbolic/debug-files/linux/arm64/cfi_test")  // DWARF 5 and AArch64 CFI, all of it small
        }
        // Every 8th function (and the byte after it) keeps each variant to a few milliseconds.
        let all = try Self.probes(file.bytes)
        let probes = stride(from: 0, to: all.count, by: 16).flatMap { all[$0..<min($0 + 2, all.count)] }
        var regions: [Range<Int>] = [0..<64]
        let shoff = Int(try ByteView(file.bytes).u64(at: 40))
        regions.append(shoff..<min(file.bytes.count, shoff + 64 * file.sections.count))
        for name in [".debug_info", ".symtab", ".eh_frame"] + (which == "arm64" ? [".debug_abbrev", ".debug_line", ".debug_rnglists", ".debug_str"] : []) {
            guard let section = file.sections[name], section.size > 0, section.offset + section.size <= file.bytes.count else { continue }
            regions.append(section.offset..<(section.offset + section.size))
        }
        if which == "debug" {
            // The abbreviation tables and line programs of the three units.
            let abbrev = file.sections[".debug_abbrev"]!, line = file.sections[".debug_line"]!
            regions.append((abbrev.offset + 0x2f00)..<(abbrev.offset + abbrev.size))
            regions.append((line.offset + line.size - 0x1800)..<(line.offset + line.size))
        }
        var random = SplitMix(state: which == "debug" ? 0xbad_debf : which == "binary" ? 0xbad_b1a : 0xbad_a64)
        let standard = which == "debug" ? 1000 : which == "binary" ? 1500 : 2000
        let variants = Int(ProcessInfo.processInfo.environment["CRASHPIPE_DAMAGE_VARIANTS"] ?? "") ?? standard
        var outcomes = (rejected: 0, loaded: 0, withProblems: 0, found: 0)
        for variant in 0..<variants {
            var bytes = file.bytes
            for _ in 0..<(1 + random.next() % 6) {
                let region = regions[Int(random.next() % UInt64(regions.count))]
                let at = region.lowerBound + Int(random.next() % UInt64(region.count))
                switch random.next() % 4 {
                case 0: bytes[at] ^= UInt8(1 << (random.next() % 8))
                case 1: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 2: bytes[at] = 0xff
                default: bytes[at] = 0
                }
            }
            let result = load(bytes, probes, "\(which) variant \(variant)")
            if result.error != nil { outcomes.rejected += 1 } else { outcomes.loaded += 1 }
            if !result.problems.isEmpty { outcomes.withProblems += 1 }
            outcomes.found += result.found
        }
        let seconds = Date().timeIntervalSince(started)
        print("elf \(which): \(variants) variants, \(outcomes.rejected) rejected, \(outcomes.loaded) loaded "
              + "(\(outcomes.withProblems) with problems), \(String(format: "%.1f", seconds)) s")
        #expect(outcomes.rejected + outcomes.loaded == variants)
        #expect(outcomes.rejected > 0 && outcomes.loaded > variants / 4 && outcomes.withProblems > 0)
        #expect(seconds < 60 * max(1, Double(variants) / Double(standard)))
    }
}
