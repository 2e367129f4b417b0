import CrashpipeCore
import Foundation
import TestSupport
import Testing
import UnwindARM64

/// Real data: Breakpad's Android arm64 microdump (`microdump-arm64.dmp`) with its symbol
/// file, walked and compared with Breakpad's microdump_stackwalk output for it, frame by frame
/// and register by register. The microdump and symbol-file parsing here is the least needed
/// (stack, context and module lines; FUNC and STACK CFI records), standing in for the
/// Microdump and SymbolsBreakpad plugins, which this test target does not depend on.
struct MicrodumpParityTests {
    @Test func walksLikeBreakpad() throws {
        let dump = try Self.microdump("breakpad/microdumps/microdump-arm64.dmp")
        let symbols = MiniSymbols(text: try Self.text(
            "breakpad/symbols/microdump/breakpad_unittests/D6D1FEC9A15DE7F38A236898871A2E770/breakpad_unittests.sym"))
        let resolver = SymbolResolver(preloaded: [0: symbols], moduleCount: dump.modules.count)
        var report = CrashReport(source: "microdump")
        report.modules = dump.modules
        report.memory = MemoryMap([dump.stack])
        let thread = Thread(id: 0, context: dump.context, stack: dump.stack)
        let frames = StackWalker(unwinders: [.arm64: ARM64Unwinder()]).walk(thread, in: report, symbols: resolver)

        let expected = try Self.breakpadFrames(Self.text("breakpad/expected/microdump.stackwalk-arm64.out"))
        #expect(expected.count == 9)
        try #require(frames.count == expected.count)
        for (frame, breakpad) in zip(frames, expected) {
            #expect(frame.trust.description == breakpad.foundBy)
            #expect(frame.instruction == breakpad.registers["pc"])
            let ours = Dictionary(uniqueKeysWithValues: frame.context!.known
                .filter { $0.name != "cpsr" }
                .map { ($0.name == "x29" ? "fp" : $0.name == "x30" ? "lr" : $0.name, $0.value) })
            #expect(ours == breakpad.registers)
        }
    }

    // MARK: reading the fixtures

    static func text(_ path: String) throws -> String { String(decoding: try Fixtures.bytes(path), as: UTF8.self) }

    /// The crashed thread's frames in Breakpad's text output: registers by the names it
    /// prints, and its "Found by" sentence.
    static func breakpadFrames(_ text: String) throws -> [(registers: [String: UInt64], foundBy: String)] {
        var frames: [(registers: [String: UInt64], foundBy: String)] = []
        let thread = try #require(text.components(separatedBy: "Thread 0 (crashed)\n").last?
            .components(separatedBy: "\n\n").first)
        for line in thread.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let first = trimmed.first, first.isNumber, !trimmed.contains(" = ") {
                frames.append(([:], ""))
            } else if trimmed.hasPrefix("Found by: ") {
                frames[frames.count - 1].foundBy = String(trimmed.dropFirst("Found by: ".count))
            } else {
                let words = trimmed.split(separator: " ")
                for i in stride(from: 0, to: words.count - 2, by: 3) where words[i + 1] == "=" {
                    frames[frames.count - 1].registers[String(words[i])] = UInt64(words[i + 2].dropFirst(2), radix: 16)
                }
            }
        }
        return frames
    }

    /// The stack (`S`), context (`C`) and modules (`M`) of a microdump's log lines.
    static func microdump(_ path: String) throws -> (stack: MemoryRegion, context: RegisterContext, modules: [Module]) {
        var base: UInt64?
        var stack: [UInt8] = [], context: [UInt8] = []
        var modules: [Module] = []
        for line in try text(path).split(separator: "\n") {
            guard let start = line.range(of: "): ") else { continue }
            let fields = line[start.upperBound...].split(separator: " ")
            switch fields.first {
            case "S" where fields[1] != "0":
                base = base ?? UInt64(fields[1], radix: 16)
                stack += hexBytes(fields[2])
            case "C":
                context = hexBytes(fields[1])
            case "M":
                modules.append(Module(base: UInt64(fields[1], radix: 16)!, size: UInt64(fields[3], radix: 16)!,
                                      codeFile: String(fields[5])))
            default:
                break
            }
        }
        let decoded = try ARM64ContextFormat().decode(ByteView(context), endian: .little, os: .android)
        return (MemoryRegion(base: try #require(base), bytes: ByteView(stack)), decoded.registers, modules)
    }

    static func hexBytes(_ hex: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while let next = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex), i != hex.endIndex {
            bytes.append(UInt8(hex[i..<next], radix: 16)!)
            i = next
        }
        return bytes
    }
}

/// FUNC and STACK CFI records of a Breakpad symbol file, looked up linearly (a few thousand
/// records; enough for one walk).
struct MiniSymbols: ModuleSymbols {
    var functions: [(start: UInt64, size: UInt64, name: String)] = []
    var cfi: [(start: UInt64, size: UInt64, rules: String)] = []
    var deltas: [(address: UInt64, rules: String)] = []
    var problems: [String] { [] }

    init(text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.first == "FUNC" {
                let f = Array(fields.dropFirst(fields[1] == "m" ? 2 : 1))
                functions.append((UInt64(f[0], radix: 16)!, UInt64(f[1], radix: 16)!, f[3...].joined(separator: " ")))
            } else if line.hasPrefix("STACK CFI INIT ") {
                cfi.append((UInt64(fields[3], radix: 16)!, UInt64(fields[4], radix: 16)!, fields[5...].joined(separator: " ")))
            } else if line.hasPrefix("STACK CFI ") {
                deltas.append((UInt64(fields[2], radix: 16)!, fields[3...].joined(separator: " ")))
            }
        }
    }

    func lookup(_ address: UInt64) -> SymbolInfo? {
        functions.first { address >= $0.start && address - $0.start < $0.size }
            .map { SymbolInfo(function: $0.name, functionAddress: $0.start) }
    }

    func callFrameInfo(at address: UInt64) -> CallFrameRules? {
        guard let entry = cfi.first(where: { address >= $0.start && address - $0.start < $0.size }),
              var rules = CallFrameRules(parsing: entry.rules) else { return nil }
        for delta in deltas where delta.address >= entry.start && delta.address <= address {
            guard rules.apply(delta.rules) else { return nil }
        }
        return rules
    }

    func windowsFrameInfo(at address: UInt64) -> WindowsFrameInfo? { nil }
    func hasFunction(at address: UInt64) -> Bool { lookup(address) != nil }
}
