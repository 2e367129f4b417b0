import CrashpipeCore
import Foundation
import TestSupport
import Testing

struct DWARFMutationTests {
    /// The first `count` units of `debug_info` (to keep each parse short).
    static func firstUnits(_ sections: DWARFSections, count: Int) -> DWARFSections {
        var reduced = sections
        let info = DWARFDebugInfo(sections)
        if info.units.count > count {
            let end = Int(info.units[count - 1].end)
            reduced["debug_info"] = try! sections.debugInfo.slice(offset: 0, size: end)
        }
        return reduced
    }

    /// A few hundred random mutations of the real sections (bytes flipped, set to 0/0xff/0x80,
    /// sections cut): reading must neither crash nor hang, and must keep reporting errors
    /// as ParseErrors.
    @Test(arguments: [linuxDebug, macDSYM])
    func randomMutationsDoNotCrash(_ path: String) throws {
        let object = path == linuxDebug ? try TestObject.elf(path) : try TestObject.machO(path)
        let base = Self.firstUnits(object.sections, count: 3)
        let names = ["debug_info", "debug_abbrev", "debug_line", "debug_str", "debug_ranges", "debug_aranges"]
            .filter { !base[$0].isEmpty }
        var random = SplitMix(state: path == linuxDebug ? 0x5eed : 0xd5f)
        let started = Date()
        var withErrors = 0
        for iteration in 0..<150 {
            var sections = base
            let name = names[Int(random.next() % UInt64(names.count))]
            var bytes = sections[name].array
            guard !bytes.isEmpty else { continue }
            if iteration % 10 == 9 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count))))
            } else {
                // Mutations near the start of the section hit headers and abbreviations often.
                let window = random.next() % 2 == 0 ? min(bytes.count, 512) : bytes.count
                for _ in 0..<(1 + random.next() % 8) {
                    let at = Int(random.next() % UInt64(window))
                    switch random.next() % 4 {
                    case 0: bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                    case 1: bytes[at] = 0
                    case 2: bytes[at] = 0xff
                    default: bytes[at] = 0x80
                    }
                }
            }
            sections[name] = ByteView(bytes)
            let info = DWARFDebugInfo(sections, addressOffset: object.addressOffset)
            if !info.errors.isEmpty { withErrors += 1 }
            for function in info.functions.prefix(20) { _ = info.line(at: function.address) }
        }
        print("\(path): 150 mutations, \(withErrors) reported errors, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        #expect(Date().timeIntervalSince(started) < 120)
    }

    @Test func lineLookupsOnTheRealFiles() throws {
        let linux = try TestObject.elf(linuxDebug).debugInfo()
        #expect(linux.line(at: 0x1ec0)! == ("/work/linux/main.cpp", 9))
        #expect(linux.line(at: 0x1ec8)! == ("/usr/include/x86_64-linux-gnu/bits/stdio2.h", 104))
        #expect(linux.function(at: 0x1ee0)?.name == "_ZN12_GLOBAL__N_18callbackERKN15google_breakpad18MinidumpDescriptorEPvb")
        #expect(linux.function(at: 0x1ee0)?.inlinees.map(\.name) == ["printf", "printf"])
        let functions = linux.functions
        #expect(zip(functions, functions.dropFirst()).allSatisfy { $0.address <= $1.address })

        let mac = try TestObject.machO(macDSYM).debugInfo()
        let line = try #require(mac.line(at: 0xd26))
        #expect(line.file.hasSuffix("/deps/breakpad/src/client/minidump_file_writer.cc") && line.line == 94)
    }

    /// Without a symbol table, names come from DWARF (linkage name, else name, following
    /// abstract_origin/specification): count how many outer names still agree.
    @Test func dwarfOnlyNames() throws {
        for (path, elf) in [(linuxDebug, true), (macDSYM, false)] {
            let object = elf ? try TestObject.elf(path) : try TestObject.machO(path)
            let withSymbols = object.debugInfo().functions
            let dwarfOnly = object.debugInfo(useSymbols: false).functions
            try #require(withSymbols.count == dwarfOnly.count)
            let same = zip(withSymbols, dwarfOnly).filter { $0.name == $1.name }.count
            print("\(path): \(same)/\(withSymbols.count) outer names agree without the symbol table")
            #expect(dwarfOnly.allSatisfy { !$0.name.isEmpty })
        }
    }
}
