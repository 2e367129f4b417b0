import Bundled
import CrashpipeCore
import Foundation
import OutputFormats

/// `crashpipe-bench stackwalk`: the whole `crashpipe stackwalk` job in-process (parse, find and
/// read symbol files, walk every thread, symbolicate, render JSON) on the reference dumps,
/// repeated; prints milliseconds per dump and peak memory. Symbol files are read afresh on
/// every run, as a one-shot CLI run would.
func benchmarkStackwalk(_ fixtures: String) async throws {
    let cases: [(name: String, dump: String, symbols: [String])] = [
        ("Linux amd64, libc symbols (linux_overflow)", "breakpad/minidumps/linux_overflow.dmp", ["breakpad/symbols"]),
        ("Linux amd64, no symbols, scanning (linux-mini)", "rust-minidump/minidumps/linux-mini.dmp", []),
        ("Windows x86, STACK WIN (minidump2)", "breakpad/minidumps/minidump2.dmp", ["breakpad/symbols"]),
        ("macOS amd64, 4 MB .sym with inlines, 11 threads (pipeline-inlines)",
         "rust-minidump/minidumps/pipeline-inlines-macos-segv.dmp", ["rust-minidump/symbols"]),
        ("iOS amd64, 354 modules, 7 threads (crashpad annotation)",
         "breakpad/minidumps/minidump_crashpad_annotation.dmp", []),
    ]
    let registry = try Bundled.registry()
    let clock = ContinuousClock()
    for entry in cases {
        let pipeline = try StackwalkPipeline.make(registry: registry,
                                                  symbolPaths: entry.symbols.map { fixtures + "/" + $0 })
        let bytes = try ByteStorage.map(path: fixtures + "/" + entry.dump).view
        var samples: [Double] = []
        let start = clock.now
        while samples.count < 5 || (clock.now - start < .seconds(2) && samples.count < 500) {
            let t0 = clock.now
            let report = try await pipeline.run(PipelineInput(name: entry.dump, bytes: bytes))
            _ = try MinidumpStackwalkJSON.render(report, pretty: false)
            let d = clock.now - t0
            samples.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
        samples.sort()
        let median = samples[samples.count / 2]
        print(String(format: "  %7.2f ms median (min %.2f, %d runs)  %@", median, samples[0], samples.count, entry.name))
    }
    print("  peak resident memory: \(peakResidentKiB() / 1024) MiB")
}
