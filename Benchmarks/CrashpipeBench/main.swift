import Bundled
import CrashpipeCore
import Foundation
import Minidump

/// crashpipe's benchmarks. Run with `swift run -c release crashpipe-bench <benchmark> [args]`.
///
///   parse [DIR]       parses every .dmp under DIR (default Tests/Fixtures) repeatedly: all
///                     streams and the report; prints time per dump and peak memory.
///   streams DUMP      time per stream type for one dump.
///   stackwalk [DIR]   the whole stackwalk job on the reference dumps with their symbols.
///   sym               Breakpad .sym loading and lookups, on a generated 50+ MB file.
///   native FILE...    a native debug file (ELF/Mach-O with DWARF) read directly and looked up,
///                     against `symbols convert` to .sym and lookups in that: time, peak memory.
///   demangle          names per second for each demangler on real symbol tables.

func peakResidentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func dumps(under root: String) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: root)
    var found: [String] = []
    while let item = enumerator?.nextObject() as? String {
        if item.hasSuffix(".dmp") { found.append(root + "/" + item) }
    }
    return found.sorted()
}

func benchmarkParse(_ root: String) throws {
    let files = dumps(under: root)
    let inputs = try files.map { try ByteStorage.map(path: $0).view }
    let contexts = try Bundled.registry().contextFormats
    let totalBytes = inputs.reduce(0) { $0 + $1.count }
    let clock = ContinuousClock()
    var rounds = 0
    var parsed = 0
    let start = clock.now
    while clock.now - start < .seconds(3) {
        for input in inputs {
            guard let contents = try? MinidumpContents(bytes: input, contexts: contexts) else { continue }
            var report = CrashReport(source: "bench")
            MinidumpReport.fill(&report, from: contents)
            parsed += report.modules.count > -1 ? 1 : 0
        }
        rounds += 1
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let perRound = seconds / Double(rounds)
    print("parse: \(files.count) dumps (\(totalBytes / 1024) KiB), \(rounds) rounds")
    print(String(format: "  all dumps: %.3f ms per round; %.1f µs per dump; %.0f MiB/s",
                 perRound * 1000, perRound / Double(files.count) * 1e6,
                 Double(totalBytes) / perRound / 1_048_576))
    print("  peak resident memory: \(peakResidentKiB() / 1024) MiB")
    // The slowest dumps, to see where time goes.
    var timings: [(Double, String)] = []
    for (file, input) in zip(files, inputs) {
        let t0 = clock.now
        for _ in 0..<20 {
            guard let contents = try? MinidumpContents(bytes: input, contexts: contexts) else { continue }
            var report = CrashReport(source: "bench")
            MinidumpReport.fill(&report, from: contents)
        }
        let d = clock.now - t0
        timings.append((Double(d.components.attoseconds) / 1e12 / 20 + Double(d.components.seconds) * 1e6 / 20, file))
    }
    for (micros, file) in timings.sorted(by: { $0.0 > $1.0 }).prefix(5) {
        print(String(format: "  %8.1f µs  %@", micros, file))
    }
}

/// Time per stream type for one dump.
func benchmarkStreams(_ path: String) throws {
    let input = try ByteStorage.map(path: path).view
    let file = try MinidumpFile(input, contexts: try Bundled.registry().contextFormats)
    let clock = ContinuousClock()
    for type in MinidumpContents.streamTypes where file.entry(type.streamType) != nil {
        let t0 = clock.now
        for _ in 0..<200 { _ = try? file.read(type) }
        let d = clock.now - t0
        let micros = (Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12) / 200
        print(String(format: "  %8.1f µs  %@", micros, type.streamType.name))
    }
    let t0 = clock.now
    let contents = MinidumpContents(file)
    for _ in 0..<200 {
        var report = CrashReport(source: "bench")
        MinidumpReport.fill(&report, from: contents)
    }
    let d = clock.now - t0
    print(String(format: "  %8.1f µs  report fill", (Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12) / 200))
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "stackwalk":
    try await benchmarkStackwalk(arguments.count > 1 ? arguments[1] : "Tests/Fixtures")
case "streams":
    try benchmarkStreams(arguments[1])
case "parse":
    try benchmarkParse(arguments.count > 1 ? arguments[1] : "Tests/Fixtures")
case "sym":
    try SymBenchmark.run(Array(arguments.dropFirst()))
case "native":
    try NativeBenchmark.run(Array(arguments.dropFirst()))
case "demangle":
    try DemangleBenchmark.run(only: arguments.count > 1 ? arguments[1] : nil)
    if arguments.count == 1 {
        try benchmarkRustDemangle()
        try benchmarkMSVCDemangle()
    }
default:
    print("usage: crashpipe-bench parse [DIR] | streams DUMP | stackwalk [DIR] | sym | demangle")
    exit(2)
}
