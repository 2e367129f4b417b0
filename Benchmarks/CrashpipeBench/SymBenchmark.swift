import CrashpipeCore
import Foundation
import SymbolsBreakpad

/// `crashpipe-bench sym [FILE...]`: Breakpad `.sym` loading and lookups.
///
/// Times loading the real libc-2.13.so.sym and crash-client.sym from Tests/Fixtures (and any
/// FILEs given), then generates a synthetic file of 500k FUNC records with line records,
/// PUBLICs and STACK CFI into a temporary file and measures its load time, memory and the cost
/// of lookups at random addresses.
enum SymBenchmark {
    static func run(_ files: [String]) throws {
        let fixtures = [
            "Tests/Fixtures/breakpad/symbols/libc-2.13.so/F4F8DFCD5A5FB5A7CE64717E9E6AE3890/libc-2.13.so.sym",
            "Tests/Fixtures/rust-minidump/symbols/crash-client/509C0610949836F7B70BD88BCF03E5400/crash-client.sym",
        ]
        print("sym: loading real files (map + parse; best and median of repeated loads)")
        for path in fixtures + files {
            try timeRealFile(path)
        }
        try benchmarkSyntheticFile()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func timeRealFile(_ path: String) throws {
        let clock = ContinuousClock()
        var timings: [Double] = []
        var symbols: BreakpadSymbols?
        let budget = clock.now
        while timings.count < 5 || (clock.now - budget < .seconds(2) && timings.count < 500) {
            let start = clock.now
            let loaded = BreakpadSymbols(parsing: try ByteStorage.map(path: path).view)
            timings.append(seconds(clock.now - start))
            symbols = loaded
        }
        guard let symbols else { return }
        timings.sort()
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let counts = symbols.recordCounts
        print(String(format: "  %@: %.0f KiB, best %.3f ms, median %.3f ms (%.0f MiB/s), %d runs",
                     (path as NSString).lastPathComponent, Double(size) / 1024, timings[0] * 1000,
                     timings[timings.count / 2] * 1000, Double(size) / timings[timings.count / 2] / 1_048_576,
                     timings.count))
        print("    \(counts.functions) FUNC, \(counts.lines) lines, \(counts.inlines) inline ranges, "
              + "\(counts.publics) PUBLIC, \(counts.cfiRanges) CFI INIT + \(counts.cfiDeltas) deltas, "
              + "\(counts.windowsFrames) STACK WIN; \(symbols.problemCount) problems; "
              + "tables \(symbols.tableBytes / 1024) KiB")
    }

    /// Values from /proc/self/status in KiB ("VmHWM", "VmRSS", "RssAnon", "RssFile").
    static func processMemory(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static let syntheticFunctions = 500_000
    static let syntheticStride: UInt64 = 0x100
    static let syntheticBase: UInt64 = 0x1000

    /// Writes the synthetic file in chunks (so that generating it does not raise the memory peak).
    static func writeSyntheticFile(to path: String) throws -> Int {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var chunk = ""
        var written = 0
        func flush(force: Bool = false) throws {
            guard force || chunk.utf8.count > 1 << 20 else { return }
            let data = Data(chunk.utf8)
            try handle.write(contentsOf: data)
            written += data.count
            chunk = ""
        }
        chunk += "MODULE Linux x86_64 0123456789ABCDEF0123456789ABCDEF0 synthetic.so\n"
        chunk += "INFO CODE_ID 89674523AB01EFCD0123456789ABCDEF synthetic.so\n"
        for file in 0..<2000 {
            chunk += "FILE \(file) /build/src/synthetic/module\(file / 100)/source_file_\(file).cpp\n"
        }
        for i in 0..<syntheticFunctions {
            let address = syntheticBase + UInt64(i) * syntheticStride
            let size = UInt64(0x80 + (i % 8) * 0x10)
            let hex = String(address, radix: 16)
            chunk += "FUNC \(hex) \(String(size, radix: 16)) 0 ns\(i % 97)::Class\(i % 1013)::method_\(i)(int, char const*)\n"
            let quarter = size / 4
            for k in 0..<UInt64(4) {
                chunk += "\(String(address + k * quarter, radix: 16)) \(String(quarter, radix: 16)) \(10 + i % 500 + Int(k)) \(i % 2000)\n"
            }
            if i % 4 == 0 {
                chunk += "PUBLIC \(String(address + 0xf8, radix: 16)) 0 public_symbol_\(i)\n"
            }
            try flush()
        }
        for i in 0..<syntheticFunctions {
            let address = syntheticBase + UInt64(i) * syntheticStride
            let size = UInt64(0x80 + (i % 8) * 0x10)
            chunk += "STACK CFI INIT \(String(address, radix: 16)) \(String(size, radix: 16)) .cfa: $rsp 8 + .ra: .cfa -8 + ^\n"
            chunk += "STACK CFI \(String(address + 1, radix: 16)) .cfa: $rsp 16 + $rbp: .cfa -16 + ^\n"
            chunk += "STACK CFI \(String(address + 4, radix: 16)) .cfa: $rbp 16 +\n"
            try flush()
        }
        try flush(force: true)
        return written
    }

    static func benchmarkSyntheticFile() throws {
        let path = NSTemporaryDirectory() + "crashpipe-bench-\(getpid()).sym"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ContinuousClock()
        let generateStart = clock.now
        let size = try writeSyntheticFile(to: path)
        print(String(format: "sym: synthetic file of %.1f MiB (%d FUNC, 4 lines each, a PUBLIC every 4th, "
                     + "STACK CFI INIT + 2 deltas each), written in %.1f s",
                     Double(size) / 1_048_576, syntheticFunctions, seconds(clock.now - generateStart)))

        let before = (hwm: processMemory("VmHWM"), anon: processMemory("RssAnon"))
        var loads: [Double] = []
        var symbols: BreakpadSymbols?
        for _ in 0..<5 {
            symbols = nil
            let start = clock.now
            symbols = BreakpadSymbols(parsing: try ByteStorage.map(path: path).view)
            loads.append(seconds(clock.now - start))
        }
        guard let symbols else { return }
        loads.sort()
        let counts = symbols.recordCounts
        print(String(format: "  load (map + parse): best %.0f ms, median %.0f ms, %.0f MiB/s; %d problems",
                     loads[0] * 1000, loads[2] * 1000, Double(size) / loads[2] / 1_048_576, symbols.problemCount))
        print("  records: \(counts.functions) FUNC, \(counts.lines) lines, \(counts.publics) PUBLIC, "
              + "\(counts.cfiRanges) CFI INIT, \(counts.cfiDeltas) deltas")
        print(String(format: "  memory: tables %.1f MiB; peak resident %.1f MiB (was %.1f before loading); "
                     + "anonymous %.1f MiB (was %.1f), the rest is the mapped file's pages",
                     Double(symbols.tableBytes) / 1_048_576, Double(processMemory("VmHWM")) / 1024,
                     Double(before.hwm) / 1024, Double(processMemory("RssAnon")) / 1024, Double(before.anon) / 1024))

        var random = SystemRandomNumberGenerator()
        let span = UInt64(syntheticFunctions) * syntheticStride
        let addresses = (0..<1_000_000).map { _ in syntheticBase + UInt64.random(in: 0..<span, using: &random) }
        func measure(_ name: String, _ body: (UInt64) -> Int) {
            var hits = 0
            let start = clock.now
            for address in addresses { hits &+= body(address) }
            let perLookup = seconds(clock.now - start) / Double(addresses.count) * 1e9
            print(String(format: "  %@: %.0f ns per lookup (%d%% found)", name, perLookup, hits * 100 / addresses.count))
        }
        measure("hasFunction") { symbols.hasFunction(at: $0) ? 1 : 0 }
        measure("lookup (function, line, file strings)") { symbols.lookup($0) != nil ? 1 : 0 }
        measure("callFrameInfo (INIT + deltas parsed)") { symbols.callFrameInfo(at: $0) != nil ? 1 : 0 }
        measure("windowsFrameInfo (none in file)") { symbols.windowsFrameInfo(at: $0) != nil ? 1 : 0 }
        measure("for comparison, Core's CallFrameRules(parsing:) of one INIT text") { _ in
            CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^") != nil ? 1 : 0
        }
    }
}
