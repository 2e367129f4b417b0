import CrashpipeCore
import Foundation
import TestSupport
import Testing
import UnwindARM

/// Real data: Breakpad's Android ARM microdump (Thumb code, CFI from dump_syms) walked with its
/// symbol file must give the frames Breakpad's minidump_stackwalk prints for it
/// (`breakpad/expected/microdump.stackwalk-arm.out`): the same pcs, stack pointers, trusts and
/// exactly the same registers, ending after the libc frame.
///
/// The microdump parser is another plugin; this test reads the few lines it needs itself (the
/// stack `S`, context `C` and module `M` lines) and the symbol file's FUNC, PUBLIC and STACK
/// CFI records, so the unwinder is checked on its own.
struct ARMMicrodumpWalkTests {
    @Test func androidMicrodumpMatchesBreakpad() throws {
        let dump = try MicrodumpLines(Fixtures.path("breakpad/microdumps/microdump-arm.dmp"))
        let symbols = try SymbolFileSubset(Fixtures.path(
            "breakpad/symbols/microdump/breakpad_unittests/DA7778FB66018A4E9B4110ED06E730D00/breakpad_unittests.sym"))
        #expect(dump.modules.first?.codeFile == "breakpad_unittests")
        let decoded = try ARMContextFormat().decode(ByteView(dump.context), endian: .little, os: .android)
        let stack = MemoryRegion(base: dump.stackBase, bytes: ByteView(dump.stack))
        var report = CrashReport(source: "microdump")
        report.system = SystemInfo(os: .android, osVersion: "0.0.0", cpu: .arm, cpuCount: 2)
        report.modules = dump.modules
        report.memory = MemoryMap([stack])
        let thread = Thread(id: 0, context: decoded.registers, stack: stack)
        let resolver = SymbolResolver(preloaded: [0: symbols], moduleCount: dump.modules.count)
        let walker = StackWalker(unwinders: [.arm: ARMUnwinder()])
        var frames = walker.walk(thread, in: report, symbols: resolver)
        StackWalker.symbolicate(&frames, modules: dump.modules, symbols: resolver)

        let expected = try BreakpadFrames(Fixtures.path("breakpad/expected/microdump.stackwalk-arm.out"))
        #expect(frames.count == expected.frames.count)
        #expect(frames.count == 8)
        for (i, (frame, want)) in zip(frames, expected.frames).enumerated() {
            #expect(frame.trust.description == want.foundBy, "frame \(i)")
            #expect(frame.context?.instructionPointer == want.registers["r15"], "frame \(i) pc")
            #expect(frame.instruction == want.registers["r15"], "frame \(i) instruction")
            if let function = want.function {
                #expect(frame.function == function, "frame \(i)")
            } else {
                #expect(frame.moduleIndex == 5 && frame.moduleOffset == want.moduleOffset, "frame \(i)")
            }
            // Breakpad prints every register it knows but cpsr; frame 0 knows all of them.
            var got: [String: UInt64] = [:]
            for (name, value) in frame.context?.known ?? [] where name != "cpsr" { got[name] = value }
            #expect(got == want.registers, "frame \(i) registers")
        }
        #expect(frames[1].instruction == 0xaab0_a741, "the Thumb bit stays in the return address")
    }
}

/// The lines of a Breakpad microdump this test needs.
struct MicrodumpLines {
    var stackBase: UInt64 = 0
    var stack: [UInt8] = []
    var context: [UInt8] = []
    var modules: [Module] = []

    init(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let marker = line.range(of: "): ") else { continue }
            let fields = line[marker.upperBound...].split(separator: " ")
            switch fields.first {
            case "S" where fields.count == 5 && fields[1] == "0":
                stackBase = UInt64(fields[3], radix: 16) ?? 0
            case "S" where fields.count == 3:
                stack += hexBytes(fields[2])
            case "C":
                context = hexBytes(fields[1])
            case "M" where fields.count >= 6:
                modules.append(Module(base: UInt64(fields[1], radix: 16) ?? 0, size: UInt64(fields[3], radix: 16) ?? 0,
                                      codeFile: fields[5...].joined(separator: " ")))
            default:
                continue
            }
        }
    }
}

func hexBytes(_ hex: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index < hex.endIndex {
        bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

/// FUNC, PUBLIC and STACK CFI records of a Breakpad symbol file, looked up the way Breakpad's
/// resolver does: the covering FUNC, else the nearest PUBLIC after the preceding FUNC; the CFI
/// INIT covering an address plus its deltas up to it.
struct SymbolFileSubset: ModuleSymbols {
    var functions: [(start: UInt64, size: UInt64, name: String)] = []
    var publics: [(address: UInt64, name: String)] = []
    var cfi: [(start: UInt64, size: UInt64, rules: String, deltas: [(address: UInt64, rules: String)])] = []
    var problems: [String] = []

    init(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            if line.hasPrefix("FUNC ") {
                var fields = line.split(separator: " ", maxSplits: 4)
                if fields[1] == "m" { fields = line.split(separator: " ", maxSplits: 5); fields.remove(at: 1) }
                functions.append((UInt64(fields[1], radix: 16)!, UInt64(fields[2], radix: 16)!, String(fields[4])))
            } else if line.hasPrefix("PUBLIC ") {
                var fields = line.split(separator: " ", maxSplits: 3)
                if fields[1] == "m" { fields = line.split(separator: " ", maxSplits: 4); fields.remove(at: 1) }
                publics.append((UInt64(fields[1], radix: 16)!, String(fields[3])))
            } else if line.hasPrefix("STACK CFI INIT ") {
                let fields = line.split(separator: " ", maxSplits: 5)
                cfi.append((UInt64(fields[3], radix: 16)!, UInt64(fields[4], radix: 16)!, String(fields[5]), []))
            } else if line.hasPrefix("STACK CFI "), !cfi.isEmpty {
                let fields = line.split(separator: " ", maxSplits: 3)
                cfi[cfi.count - 1].deltas.append((UInt64(fields[2], radix: 16)!, String(fields[3])))
            }
        }
        functions.sort { $0.start < $1.start }
        publics.sort { $0.address < $1.address }
        cfi.sort { $0.start < $1.start }
    }

    /// The index of the last element whose key is <= `address`.
    static func last<T>(_ items: [T], atOrBefore address: UInt64, key: (T) -> UInt64) -> Int? {
        var low = 0, high = items.count
        while low < high {
            let mid = (low + high) / 2
            if key(items[mid]) <= address { low = mid + 1 } else { high = mid }
        }
        return low > 0 ? low - 1 : nil
    }

    func lookup(_ address: UInt64) -> SymbolInfo? {
        let f = Self.last(functions, atOrBefore: address) { $0.start }.map { functions[$0] }
        if let f, address < f.start + f.size { return SymbolInfo(function: f.name, functionAddress: f.start) }
        if let p = Self.last(publics, atOrBefore: address, key: { $0.address }).map({ publics[$0] }),
           f == nil || p.address > f!.start {
            return SymbolInfo(function: p.name, functionAddress: p.address, isPublic: true)
        }
        return nil
    }

    func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        guard let i = Self.last(cfi, atOrBefore: address, key: { $0.start }), address < cfi[i].start + cfi[i].size,
              var rules = CallFrameRules(parsing: cfi[i].rules) else { return nil }
        for delta in cfi[i].deltas where delta.address <= address {
            guard rules.apply(delta.rules) else { return nil }
        }
        return rules
    }

    func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? { nil }
    func hasFunction(at address: UInt64) -> Bool {
        Self.last(functions, atOrBefore: address) { $0.start }.map { address < functions[$0].start + functions[$0].size } ?? false
    }
}

/// The frames of a Breakpad minidump_stackwalk text output: each frame's function (or module
/// offset), registers (by layout name: fp is r11, sp r13, lr r14, pc r15) and "Found by" line.
struct BreakpadFrames {
    struct Expected {
        var function: String?
        var moduleOffset: UInt64?
        var registers: [String: UInt64] = [:]
        var foundBy = ""
    }

    var frames: [Expected] = []

    init(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let aliases = ["fp": "r11", "sp": "r13", "lr": "r14", "pc": "r15"]
        var inThread = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Thread 0") { inThread = true; continue }
            guard inThread else { continue }
            if line.isEmpty { break }
            let trimmed = line.drop { $0 == " " }
            if let space = trimmed.firstIndex(of: " "), Int(trimmed[..<space]) != nil {
                let title = trimmed[space...].drop { $0 == " " }
                var frame = Expected()
                if let bang = title.firstIndex(of: "!") {
                    let rest = title[title.index(after: bang)...]
                    frame.function = String(rest[..<(rest.range(of: " [")?.lowerBound ?? rest.endIndex)])
                } else if let plus = title.range(of: " + 0x") {
                    frame.moduleOffset = UInt64(title[plus.upperBound...], radix: 16)
                }
                frames.append(frame)
            } else if trimmed.hasPrefix("Found by: ") {
                frames[frames.count - 1].foundBy = String(trimmed.dropFirst("Found by: ".count))
            } else {
                let tokens = trimmed.split(separator: " ")
                var i = 0
                while i + 2 < tokens.count {
                    if tokens[i + 1] == "=", tokens[i + 2].hasPrefix("0x"), let value = UInt64(tokens[i + 2].dropFirst(2), radix: 16) {
                        let name = String(tokens[i])
                        frames[frames.count - 1].registers[aliases[name] ?? name] = value
                        i += 3
                    } else {
                        i += 1
                    }
                }
            }
        }
    }
}
