import CrashpipeCore
import DemangleRust
import Foundation

/// `crashpipe-bench rust-demangle`: Rust demangling throughput on one core, on real symbols.
///
/// Reads `Tests/Fixtures/rustc-demangle/generated/rustc-symbols.json` (run from the package
/// root): the symbols of a small program built with legacy and v0 mangling, v0 symbols of
/// rustc's own library, and C++ names that must be refused. For each group it demangles every
/// symbol over and over for about two seconds and prints demangles per second, the time per
/// symbol and the bytes per second of input; then the same for `recognizes`.
func benchmarkRustDemangle() throws {
    let groups = try RustDemangleBenchmark.groups()
    print("rust-demangle: one core, rustc-demangle's {:#} form (what the demangle stage shows)")
    for (name, symbols) in groups {
        RustDemangleBenchmark.measure(name, symbols) { RustDemangler().demangle($0, alternate: true) != nil }
    }
    let display = groups.first { $0.0.hasPrefix("v0") }?.1 ?? []
    RustDemangleBenchmark.measure("v0, {} form", display) { RustDemangler().demangle($0, alternate: false) != nil }
    let all = groups.flatMap(\.1)
    RustDemangleBenchmark.measure("recognizes (all)", all) { RustDemangler().recognizes($0) }
}

private enum RustDemangleBenchmark {
    static let fixture = "Tests/Fixtures/rustc-demangle/generated/rustc-symbols.json"

    /// The fixture's symbols by kind.
    static func groups() throws -> [(String, [String])] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var legacy: [String] = [], v0: [String] = [], refused: [String] = []
        for entry in cases {
            guard let symbol = entry["mangled"] as? String else { continue }
            if entry["alternate"] is NSNull || entry["alternate"] == nil {
                refused.append(symbol)
            } else if symbol.hasPrefix("_R") {
                v0.append(symbol)
            } else {
                legacy.append(symbol)
            }
        }
        return [("v0 (rustc 1.95 std, rustc_driver)", v0), ("legacy (_ZN...17h<hash>E)", legacy),
                ("C++ names (refused)", refused)]
    }

    /// Runs `body` over `symbols` repeatedly for about two seconds and prints the rate.
    static func measure(_ name: String, _ symbols: [String], _ body: (String) -> Bool) {
        guard !symbols.isEmpty else { return }
        let bytes = symbols.reduce(0) { $0 + $1.utf8.count }
        // Warm up once.
        var hits = 0
        for symbol in symbols where body(symbol) { hits += 1 }
        let clock = ContinuousClock()
        var count = 0
        let start = clock.now
        var elapsed = Duration.zero
        repeat {
            for symbol in symbols where body(symbol) { hits &+= 1 }
            count += symbols.count
            elapsed = clock.now - start
        } while elapsed < .seconds(2)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rounds = Double(count) / Double(symbols.count)
        let label = name.padding(toLength: 36, withPad: " ", startingAt: 0)
        print("  " + label + String(format: " %6d symbols, avg %4d bytes: %9.0f /s  %7.0f ns each  %6.1f MB/s",
                     symbols.count, bytes / symbols.count, Double(count) / seconds,
                     seconds / Double(count) * 1e9, Double(bytes) * rounds / seconds / 1e6))
        if hits == -1 { print(hits) }   // keeps the work observable
    }
}
