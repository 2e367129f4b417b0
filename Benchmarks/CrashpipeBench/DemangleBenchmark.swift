import Bundled
import CrashpipeCore
import DemangleItanium
import DemangleSwift
import Foundation

/// Demangling throughput on real symbol tables (the differential fixtures: libstdc++ and Swift
/// toolchain C++ symbols, libswiftCore Swift symbols), one thread, each name demangled once
/// per round with no caching, for as many rounds as fit in about two seconds.
enum DemangleBenchmark {
    static func names(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: "Tests/Fixtures/crashpipe/differential/\(file)", encoding: .utf8)
        return text.split(separator: "\n").compactMap { $0.split(separator: "\t").first.map(String.init) }
    }

    /// Names per second for `demangle` over `names`; prints one line.
    static func measure(_ label: String, _ names: [String], _ demangle: (String) -> String?) {
        let clock = ContinuousClock()
        var rounds = 0, produced = 0, bytes = 0
        let start = clock.now
        while clock.now - start < .seconds(2) {
            for name in names {
                if let text = demangle(name) { produced += 1; bytes &+= text.utf8.count }
            }
            rounds += 1
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(rounds * names.count) / seconds
        print(String(format: "  %-34@ %8.0f names/s  %6.2f µs/name  (%d names, %d%% demangled)",
                     label, rate, 1e6 / rate, names.count, produced * 100 / max(1, rounds * names.count)))
        _ = bytes
    }

    /// `only`: "cpp" or "swift" to run just that language's lines (for profiling).
    static func run(only: String? = nil) throws {
        let cxx = try names("cxx.tsv"), swift = try names("swift.tsv")
        let set = DemanglerSet(registry: try Bundled.registry())
        print("demangle (single thread, no cache)")
        let itanium = ItaniumDemangler()
        if only == nil || only == "cpp" {
            measure("C++ complete", cxx) { itanium.complete($0) }
            measure("C++ short form", cxx) { itanium.demangle($0, options: DemangleOptions(parameters: true, full: false)) }
            measure("C++ as c++filt", cxx) { ItaniumDemangler(style: .cxxfilt).complete($0) }
            if only == "cpp" { return }
        }
        let swiftDemangler = SwiftDemangler()
        print("  Swift toolchain demangler loaded: \(SwiftDemangler.hasToolchainDemangler)")
        measure("Swift complete", swift) { swiftDemangler.demangle($0, form: .full) }
        measure("Swift simplified", swift) { swiftDemangler.demangle($0, options: DemangleOptions(parameters: true, full: false)) }
        measure("auto-detect, C++ table", cxx) { set.demangle($0, options: .complete) }
        measure("auto-detect, Swift table", swift) { set.demangle($0, options: .complete) }
    }
}
