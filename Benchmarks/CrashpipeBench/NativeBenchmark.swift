import Bundled
import CrashpipeCore
import Foundation

/// `crashpipe-bench native FILE [FILE...]`: symbolication straight from a native debug file
/// against converting it to a Breakpad `.sym` first.
///
/// Runs three phases, each in its own process so that each reports its own peak memory:
///
/// - `native`: map the file(s) and read them with the symbol format that recognizes them (ELF or
///   Mach-O: symbol table, DWARF, CFI), then look up 10,000 addresses;
/// - `convert`: the same read plus `symbols convert`'s writer, the `.sym` written to a
///   temporary file;
/// - `sym`: load that `.sym` with the Breakpad format and look up the same 10,000 addresses.
///
/// The addresses are drawn (fixed seed) from the symbol table's sized functions. Both lookup phases write
/// what they found, so the run also reports how many lookups agree (function name after
/// demangling, file and line).
enum NativeBenchmark {
    static let lookups = 10_000

    static func run(_ arguments: [String]) throws {
        if arguments.first == "--phase" {
            try phase(arguments[1], output: arguments[2], files: Array(arguments.dropFirst(3)))
            return
        }
        guard !arguments.isEmpty else {
            print("usage: crashpipe-bench native FILE [FILE...]   (an ELF or Mach-O file with DWARF; a binary and its .debug)")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("native-bench-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let size = arguments.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
        print("native: \(arguments.joined(separator: " + ")) (\(size / 1_048_576) MiB)")
        fflush(nil)  // print's buffer goes out before the phases' own output
        for name in ["native", "convert", "sym"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["native", "--phase", name, work.path] + arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchFailure(text: "phase \(name) failed") }
        }
        let native = try String(contentsOf: work.appendingPathComponent("native.lookups"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let sym = try String(contentsOf: work.appendingPathComponent("sym.lookups"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let same = zip(native, sym).filter { $0 == $1 }.count
        print("  lookups that agree (name, file, line): \(same - 1)/\(lookups)")
    }

    struct BenchFailure: Error, CustomStringConvertible { var text: String; var description: String { text } }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The native files' symbols, layered as the stackwalk layers a binary and its debug file.
    static func loadNative(_ files: [String], registry: PluginRegistry) throws -> (any ModuleSymbols, [SymbolTableSymbols]) {
        var layers: [SymbolTableSymbols] = []
        for file in files {
            let bytes = try ByteStorage.map(path: file).view
            guard let format = registry.symbolFormats.first(where: { $0.recognizes(bytes) }),
                  let symbols = try format.load(bytes, location: file) as? SymbolTableSymbols else {
                throw BenchFailure(text: "\(file): not an ELF or Mach-O file")
            }
            layers.append(symbols)
        }
        layers.sort { $0.features.contains(.debug) && !$1.features.contains(.debug) }
        return (layers.count == 1 ? layers[0] : LayeredModuleSymbols(layers: layers), layers)
    }

    /// 10,000 addresses inside `functions` (fixed seed).
    static func addresses(_ functions: [(start: UInt64, size: UInt64)]) -> [UInt64] {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let sorted = functions.filter { $0.size > 0 }.sorted { $0.start < $1.start }
        guard !sorted.isEmpty else { return [] }
        return (0..<lookups).map { _ in
            let function = sorted[Int(next() % UInt64(sorted.count))]
            return function.start + next() % function.size
        }
    }

    static func phase(_ name: String, output: String, files: [String]) throws {
        let registry = try Bundled.registry()
        let demanglers = DemanglerSet(registry: registry)
        let demangle: @Sendable (String) -> String = {
            demanglers.demangle($0, options: DemangleOptions(parameters: true, full: false)) ?? $0
        }
        let clock = ContinuousClock()
        let directory = URL(fileURLWithPath: output)
        let symPath = directory.appendingPathComponent("module.sym")
        let functionsPath = directory.appendingPathComponent("functions")

        func lookUp(_ symbols: any ModuleSymbols, at addresses: [UInt64], demangling: Bool) -> (Double, String) {
            let start = clock.now
            var found: [SymbolInfo?] = []
            found.reserveCapacity(addresses.count)
            for address in addresses { found.append(symbols.lookup(address)) }
            let elapsed = seconds(clock.now - start)
            let text = found.map { info in
                guard let info else { return "-" }
                return "\(demangling ? demangle(info.function) : info.function) \(info.file ?? "-"):\(info.line ?? 0)"
            }.joined(separator: "\n") + "\n"
            return (elapsed, text)
        }

        switch name {
        case "native":
            let start = clock.now
            let (symbols, layers) = try loadNative(files, registry: registry)
            let indexed = seconds(clock.now - start)
            // The lookups are drawn from the symbol table's sized functions; the `.sym` phase
            // reuses the same addresses.
            let functions = layers.flatMap(\.entries).map { (start: $0.address, size: $0.size) }
            let addresses = addresses(functions)
            try addresses.map { String($0, radix: 16) }.joined(separator: "\n").write(to: functionsPath, atomically: true, encoding: .utf8)
            let (elapsed, text) = lookUp(symbols, at: addresses, demangling: true)
            try text.write(to: directory.appendingPathComponent("native.lookups"), atomically: true, encoding: .utf8)
            print(String(format: "  native:  index %.2f s, %d lookups %.1f ms (%.2f µs each), peak memory %d MiB (parsedBytes says %d MiB)",
                         indexed, addresses.count, elapsed * 1000, elapsed / Double(max(addresses.count, 1)) * 1e6,
                         peakResidentKiB() / 1024, symbols.parsedBytes / 1_048_576))
        case "convert":
            let start = clock.now
            let inputs = try files.map { (location: $0, bytes: try ByteStorage.map(path: $0).view) }
            let (modules, problems) = registry.convertToBreakpad(inputs, demangle: demangle)
            guard let module = modules.first else { throw BenchFailure(text: "nothing converted: \(problems)") }
            try Data(module.text.utf8).write(to: symPath)
            let elapsed = seconds(clock.now - start)
            print(String(format: "  convert: %.2f s to write a %d MiB .sym, peak memory %d MiB",
                         elapsed, module.text.utf8.count / 1_048_576, peakResidentKiB() / 1024))
        case "sym":
            let start = clock.now
            let bytes = try ByteStorage.map(path: symPath.path).view
            guard let format = registry.symbolFormats.first(where: { $0.name == "breakpad" }) else { return }
            let symbols = try format.load(bytes, location: symPath.path)
            let loaded = seconds(clock.now - start)
            let addresses = try String(contentsOf: functionsPath, encoding: .utf8).split(separator: "\n")
                .compactMap { UInt64($0, radix: 16) }
            let (elapsed, text) = lookUp(symbols, at: addresses, demangling: true)
            try text.write(to: directory.appendingPathComponent("sym.lookups"), atomically: true, encoding: .utf8)
            print(String(format: "  sym:     load %.2f s, %d lookups %.1f ms (%.2f µs each), peak memory %d MiB",
                         loaded, addresses.count, elapsed * 1000, elapsed / Double(max(addresses.count, 1)) * 1e6,
                         peakResidentKiB() / 1024))
        default:
            throw BenchFailure(text: "unknown phase \(name)")
        }
    }
}
