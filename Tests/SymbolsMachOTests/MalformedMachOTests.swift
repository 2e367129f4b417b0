import Bundled
import CrashpipeCore
import Foundation
import SymbolsMachO
import TestSupport
import Testing

/// A real thin little-endian 64-bit Mach-O file with its section headers ("__SEG,__sect") and
/// LC_SYMTAB, to damage one part at a time.
struct RealMachO {
    struct Section {
        var header: Int
        var offset: Int
        var size: Int
        var address: UInt64
    }
    var bytes: [UInt8]
    var sections: [String: Section] = [:]
    var symtabCommand: Int?
    var commandsEnd = 0

    init(_ relative: String) throws {
        bytes = try Fixtures.bytes(relative)
        let view = ByteView(bytes)
        let count = Int(try view.u32(at: 16))
        commandsEnd = 32 + Int(try view.u32(at: 20))
        var at = 32
        for _ in 0..<count {
            let command = try view.u32(at: at)
            let size = Int(try view.u32(at: at + 4))
            if command == 0x19 {
                for index in 0..<Int(try view.u32(at: at + 64)) {
                    let header = at + 72 + index * 80
                    let name = String(decoding: try view.bytes(at: header, count: 16).prefix { $0 != 0 }, as: UTF8.self)
                    let segment = String(decoding: try view.bytes(at: header + 16, count: 16).prefix { $0 != 0 }, as: UTF8.self)
                    sections["\(segment),\(name)"] = Section(header: header, offset: Int(try view.u32(at: header + 48)),
                                                             size: Int(try view.u64(at: header + 40)),
                                                             address: try view.u64(at: header + 32))
                }
            } else if command == 0x2 {
                symtabCommand = at
            }
            at += size
        }
    }

    /// The file with a section's offset and size replaced.
    func with(_ name: String, offset: UInt32? = nil, size: UInt64? = nil) -> [UInt8] {
        var copy = bytes
        let section = sections[name]!
        if let offset { copy.put(offset, at: section.header + 48) }
        if let size { copy.put(size, at: section.header + 40) }
        return copy
    }

    mutating func narrow(_ name: String, offset: Int, size: Int) {
        bytes = with(name, offset: UInt32(offset), size: UInt64(size))
        sections[name]!.offset = offset
        sections[name]!.size = size
    }
}

/// Damaged Mach-O files (a dSYM's DWARF, a binary's `__eh_frame`, the load commands) loaded
/// through the `macho` symbol format of the Bundled registry, then probed: a ParseError that
/// says what and where, or partial results; never a crash or a hang.
struct MalformedMachOTests {
    static let format: any SymbolFormat = {
        let registry = try! Bundled.registry()
        return registry.symbolFormats.first { $0.name == "macho" }!
    }()

    static let dsymPath = "symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash"
    static let binaryPath = "symbolic/debug-files/macos/crash"
    static let textBase: UInt64 = 0x1_0000_0000

    /// The dSYM with `__debug_info` narrowed to three small units (0x2ba49..<0x2d196: 45
    /// subprograms, 73 inlined calls); returns where each unit ends.
    static func smallDSYM() throws -> (file: RealMachO, unitEnds: [Int]) {
        var file = try RealMachO(dsymPath)
        let info = file.sections["__DWARF,__debug_info"]!
        let start = 0x2ba49, end = 0x2d196
        file.narrow("__DWARF,__debug_info", offset: info.offset + start, size: end - start)
        return (file, try dwarfUnitEnds(file.bytes, offset: info.offset + start, size: end - start))
    }

    static func probes(_ bytes: [UInt8]) throws -> [UInt64] {
        let symbols = try #require(try format.load(ByteView(bytes), location: "probes") as? SymbolTableSymbols)
        return symbols.entries.flatMap { [$0.address, $0.address + min(1, $0.size)] }
    }

    func load(_ bytes: [UInt8], _ probes: [UInt64], _ label: String,
              sourceLocation: SourceLocation = #_sourceLocation) -> DamagedLoad {
        loadDamaged(Self.format, bytes, probes: probes, label: label, sourceLocation: sourceLocation)
    }

    /// A cut file loses its last segment's contents (or its load commands): a ParseError.
    @Test func cutFilesAreParseErrors() throws {
        for path in [Self.dsymPath, Self.binaryPath] {
            let file = try RealMachO(path)
            var cuts = stride(from: 0, to: file.bytes.count, by: file.bytes.count / 40).map { $0 }
            cuts += [4, 27, 31, file.commandsEnd - 1]
            for name in ["__DWARF,__debug_info", "__DWARF,__debug_line", "__DWARF,__debug_abbrev", "__TEXT,__eh_frame"] {
                guard let section = file.sections[name], section.offset > 0 else { continue }
                cuts += [section.offset + 1, section.offset + section.size / 2]
            }
            for cut in cuts {
                let result = load(Array(file.bytes.prefix(cut)), [], "\(path) cut at \(cut)")
                let error = try #require(result.error, "\(path) cut at \(cut) loaded")
                #expect(error.context != nil || cut < 32, "\(error)")
            }
        }
    }

    @Test func cutDebugInfoKeepsEarlierUnits() throws {
        let (file, ends) = try Self.smallDSYM()
        #expect(ends.count == 3)
        let probes = try Self.probes(file.bytes)
        var linedBy: [Int: Set<UInt64>] = [0: []]
        for end in ends {
            let whole = load(file.with("__DWARF,__debug_info", size: UInt64(end)), probes, "units to \(end)")
            #expect(whole.error == nil && !whole.problems.contains { $0.hasPrefix("DWARF") }, "\(whole.problems)")
            linedBy[end] = whole.linedAddresses
        }
        let all = try #require(linedBy[ends.last!])
        #expect(all.count > 20, "the three units give lines for \(all.count) probes")
        var cases = 0
        for cut in stride(from: 1, to: ends.last!, by: 29) where !ends.contains(cut) {
            let before = ([0] + ends).last { $0 < cut }!
            let result = load(file.with("__DWARF,__debug_info", size: UInt64(cut)), probes, "cut at \(cut)")
            cases += 1
            #expect(result.error == nil, "cut at \(cut)")
            #expect(result.linedAddresses.isSuperset(of: linedBy[before]!), "cut at \(cut)")
            #expect(result.found >= probes.count / 2, "cut at \(cut)")
            // Reported even when no unit is left whole.
            #expect(result.problems.contains { $0.hasPrefix("DWARF") && $0.contains("unit") }, "cut at \(cut): \(result.problems)")
        }
        #expect(cases > 180)

        // The line and abbreviation tables cut anywhere: names stay.
        for name in ["__DWARF,__debug_line", "__DWARF,__debug_abbrev", "__DWARF,__debug_str", "__DWARF,__debug_ranges"] {
            let size = file.sections[name]!.size
            for cut in stride(from: 0, to: size, by: max(1, size / 25)) {
                let result = load(file.with(name, size: UInt64(cut)), probes, "\(name) cut at \(cut)")
                #expect(result.error == nil && result.found >= probes.count / 2, "\(name) cut at \(cut)")
            }
        }
    }

    @Test func cutEhFrameKeepsEarlierEntries() throws {
        // Without its compact unwind, which would answer for most functions before `__eh_frame`.
        var file = try RealMachO(Self.binaryPath)
        file.narrow("__TEXT,__unwind_info", offset: file.sections["__TEXT,__unwind_info"]!.offset, size: 0)
        let section = file.sections["__TEXT,__eh_frame"]!
        let cfi = DWARFCallFrameInfo(ehFrame: ByteView(Array(file.bytes[section.offset..<(section.offset + section.size)])),
                                     sectionAddress: section.address)
        #expect(cfi.fdes.count > 50 && cfi.problems.isEmpty)
        let whole = try #require(load(file.bytes, [], "whole").symbols)
        let boundaries = Set(cfi.fdes.map(\.offset) + cfi.fdes.map(\.instructions.upperBound) + cfi.cies.keys)
        var random = SplitMix(state: 0xeb0)
        for cut in stride(from: 0, to: section.size, by: 8) {
            let result = load(file.with("__TEXT,__eh_frame", size: UInt64(cut)), [], "__eh_frame cut at \(cut)")
            let symbols = try #require(result.symbols, "cut at \(cut): \(String(describing: result.error))")
            let before = cfi.fdes.filter { $0.instructions.upperBound <= cut }
            let after = cfi.fdes.filter { $0.offset >= cut }
            for fde in (0..<3).compactMap({ _ in before.randomElement(using: &random) }) {
                let address = fde.initialAddress - Self.textBase
                #expect(symbols.callFrameInfo(at: address) == whole.callFrameInfo(at: address), "cut \(cut)")
                #expect(whole.callFrameInfo(at: address) != nil)
            }
            for fde in (0..<3).compactMap({ _ in after.randomElement(using: &random) }) {
                #expect(symbols.callFrameInfo(at: fde.initialAddress - Self.textBase) == nil, "cut \(cut)")
            }
            if !boundaries.contains(cut) && cut > 0 {
                #expect(symbols.problems.contains { $0.contains("eh_frame") }, "cut at \(cut): \(symbols.problems)")
            }
        }
    }

    /// Sections outside the file and absurd symbol counts are ParseErrors naming the load
    /// command; a section with offset 0 (stripped) is only missing.
    @Test func sectionsAndSymbolTablesOutsideTheFile() throws {
        let (file, _) = try Self.smallDSYM()
        let probes = try Self.probes(file.bytes)
        let end = UInt64(file.bytes.count)
        for name in ["__DWARF,__debug_info", "__DWARF,__debug_abbrev", "__DWARF,__debug_line", "__DWARF,__debug_str"] {
            for (offset, size) in [(UInt32?(UInt32(end) + 16), UInt64?(16)), (nil, UInt64.max), (nil, 1 << 63), (UInt32.max, 8), (nil, end)] {
                let label = "\(name) \(String(describing: offset)) \(String(describing: size))"
                let error = try #require(load(file.with(name, offset: offset, size: size), probes, label).error, "\(label)")
                #expect(error.kind == .outOfRange && error.context?.contains(name) == true, "\(label): \(error)")
            }
            let stripped = load(file.with(name, offset: 0), probes, "\(name) stripped")
            #expect(stripped.error == nil && stripped.found >= probes.count / 2, "\(name) stripped")
            if name == "__DWARF,__debug_info" { #expect(stripped.lined == 0) }
        }
        let symtab = try #require(file.symtabCommand)
        for (field, value) in [(12, UInt32.max), (12, 0x1000_0000), (8, UInt32.max), (16, UInt32.max), (20, UInt32.max)] {
            var bytes = file.bytes
            bytes.put(value, at: symtab + field)
            let error = load(bytes, probes, "LC_SYMTAB +\(field) = \(value)").error
            #expect(error?.kind == .outOfRange && error?.context == "load command 1, LC_SYMTAB" || error?.context?.hasSuffix("LC_SYMTAB") == true,
                    "LC_SYMTAB +\(field): \(String(describing: error))")
        }
        for count: UInt32 in [UInt32.max, 0x10000, 1000] {
            var bytes = file.bytes
            bytes.put(count, at: 16)
            #expect(load(bytes, probes, "ncmds \(count)").error?.kind == .absurdCount, "ncmds \(count)")
        }
    }

    // MARK: Synthetic DWARF and CFI in a Mach-O file

    static func machO(_ dwarf: SyntheticDWARF, ehFrame: [UInt8]? = nil) -> [UInt8] {
        var builder = MachOBuilder()
        if let ehFrame {
            builder.segments[1].sections.append(.init(name: "__eh_frame", segment: "__TEXT", data: ehFrame))
        }
        builder.segments.append(.init(name: "__DWARF", vmaddr: 0x1_0001_0000, sections: dwarf.sections.map {
            .init(name: "__" + $0.name.dropFirst(), segment: "__DWARF", data: $0.data)
        }))
        return builder.build()
    }

    @Test func referenceCyclesAndBadCIEs() throws {
        let base = Self.textBase
        var dwarf = SyntheticDWARF()
        dwarf.lineProgram(rows: [(base + 0x1000, 1, 10), (base + 0x2000, UInt64.max, 20)], end: base + 0x3000)
        let unit = dwarf.beginUnit(low: base + 0x1000, size: 0x2000)
        let a = dwarf.reference(to: 0)
        let b = dwarf.reference(to: a.offset, specification: true)
        dwarf.info.patch32(at: a.field, b.offset)
        let decl = dwarf.declaration("decl")
        dwarf.function("good", low: base + 0x1000, size: 0x40) { $0.inlined(origin: decl, low: base + 0x1010, size: 0x10) }
        dwarf.function("outer", low: base + 0x2000, size: 0x40) { d in
            d.inlined(origin: a.offset, low: base + 0x2010, size: 0x10)
            let at = d.info.count
            let field = d.inlined(origin: 0, low: base + 0x2020, size: 0x10)
            d.info.patch32(at: field, UInt32(at))
        }
        dwarf.endUnit(unit)

        var eh = SyntheticEhFrame()
        let cie = eh.cie()
        eh.fde(cie: cie, address: base + 0x1000, size: 0x40)
        eh.fde(cie: nil, address: base + 0x2000, size: 0x40)
        eh.fde(cie: cie + 1, address: base + 0x3000, size: 0x40)
        eh.fde(cie: eh.cie(endlessCodeAlignment: true), address: base + 0x4000, size: 0x40)
        eh.terminate()

        let probes: [UInt64] = [0x1000, 0x1010, 0x2000, 0x2010, 0x2020, 0x3000, 0x4000]
        let result = load(Self.machO(dwarf, ehFrame: eh.bytes.bytes), probes, "synthetic")
        let symbols = try #require(result.symbols, "\(String(describing: result.error))")
        #expect(symbols.lookup(0x1000)?.function == "good" && symbols.lookup(0x1000)?.line == 10)
        #expect(symbols.lookup(0x1018)?.inlines.map(\.function) == ["decl"])
        #expect(symbols.lookup(0x2010)?.inlines.map(\.function) == [""])
        #expect(symbols.lookup(0x2028)?.inlines.map(\.function) == [""])
        #expect(symbols.lookup(0x2000)?.line == 20 && (symbols.lookup(0x2000)?.file ?? "").isEmpty)
        #expect(result.problems.filter { $0.contains("cycle") }.count == 2, "\(result.problems)")
        #expect(symbols.callFrameInfo(at: 0x1000) == CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        for address: UInt64 in [0x2000, 0x3000, 0x4000] { #expect(symbols.callFrameInfo(at: address) == nil) }
        #expect(result.problems.contains { $0.contains("does not point at a CIE") }, "\(result.problems)")
        #expect(result.problems.contains { $0.contains("LEB128") }, "\(result.problems)")
    }

    // MARK: Random damage

    @Test(arguments: ["dsym", "binary"])
    func randomByteFlips(_ which: String) throws {
        let started = Date()
        let file = which == "dsym" ? try Self.smallDSYM().file : try RealMachO(Self.binaryPath)
        // Every 8th function (and the byte after it) keeps each variant to a few milliseconds.
        let all = try Self.probes(file.bytes)
        let probes = stride(from: 0, to: all.count, by: 16).flatMap { all[$0..<min($0 + 2, all.count)] }
        var regions: [Range<Int>] = [0..<file.commandsEnd]
        for name in ["__DWARF,__debug_info", "__DWARF,__debug_abbrev", "__TEXT,__eh_frame"] {
            guard let section = file.sections[name], section.offset > 0, section.size > 0 else { continue }
            regions.append(section.offset..<(section.offset + section.size))
        }
        if let symtab = file.symtabCommand {
            let view = ByteView(file.bytes)
            let symoff = Int(try view.u32(at: symtab + 8)), nsyms = Int(try view.u32(at: symtab + 12))
            regions.append(symoff..<(symoff + nsyms * 16))
        }
        var random = SplitMix(state: which == "dsym" ? 0xd5e : 0xb1e)
        let standard = which == "dsym" ? 1000 : 1500
        let variants = Int(ProcessInfo.processInfo.environment["CRASHPIPE_DAMAGE_VARIANTS"] ?? "") ?? standard
        var outcomes = (rejected: 0, loaded: 0, withProblems: 0)
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
        }
        let seconds = Date().timeIntervalSince(started)
        print("macho \(which): \(variants) variants, \(outcomes.rejected) rejected, \(outcomes.loaded) loaded "
              + "(\(outcomes.withProblems) with problems), \(String(format: "%.1f", seconds)) s")
        #expect(outcomes.rejected + outcomes.loaded == variants)
        #expect(outcomes.rejected > 0 && outcomes.loaded > variants / 4 && outcomes.withProblems > 0)
        #expect(seconds < 60 * max(1, Double(variants) / Double(standard)))
    }
}
