import DemangleRust
import Foundation
import TestSupport
import Testing

/// Any input gives a result or nil in bounded time and memory: a million random and mutated
/// symbols, 100,000-character names, 10,000-deep nesting, exponential backreference trees,
/// and backreference chains that print nothing. Never a trap or a stack overflow.
struct RustRobustnessTests {
    let demangler = RustDemangler()

    /// Real symbols of both manglings and every construct, to mutate.
    static let seeds = [
        "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0a1b2c3d4e5f6789E",
        "__ZN3std2io4Read11read_to_end17hb85a0f6802e14499E",
        "_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3barE.llvm.9D1C9369",
        "_RNCINkXs25_NgCsbmNqQUJIY6D_4core5sliceINyB9_4IterhENuNgNoBb_4iter8iterator8Iterator9rpositionNCNgNpB9_6memchr7memrchrs_0E0Bb_",
        "_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std",
        "_RNqCs4fqI2P2rA04_11utf8_identsu30____7hkackfecea1cbdathfdh9hlq6y",
        "_RIC0KVNtC3foo3BarS1sRe616263_2chc78_5sliceRAh1_h2_h3_EEE",
        "_RINvCs1234_7mycrate1fFG0_RL1_hRL0_tEuDG_INtNtNtC4core3ops8function2FnTRL0_hEEp6OutputuEL_E",
        "_RNvMs_NtCs1234_7mycrate3fooINtB4_3BarjE3new.llvm.0A1B",
        "_RINvCs1234_7mycrate1fWmORm1_m2_Rm5_m6_EKan7b_Kc1f600_Ke61cc81_E",
    ]

    /// Makes random and mutated symbols in one reused buffer with plain pointer arithmetic
    /// and SplitMix draws, so a million of them cost little even in a debug build.
    struct SymbolFuzzer: ~Copyable {
        static let capacity = 1024
        static let alphabet: StaticString = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$.@ "
        static let tags: StaticString = "CNMXYIBKLEpGUFDRQPOSATWuhjmbcesavnlx_0123456789"

        var random: SplitMix
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: SymbolFuzzer.capacity)
        var count = 0
        /// The seeds, end to end, and where each starts.
        let seedBytes: [UInt8]
        let seedStarts: [Int]

        init(seed: UInt64) {
            random = SplitMix(state: seed)
            var bytes: [UInt8] = [], starts: [Int] = []
            for symbol in RustRobustnessTests.seeds {
                starts.append(bytes.count)
                bytes += Array(symbol.utf8)
            }
            starts.append(bytes.count)
            seedBytes = bytes
            seedStarts = starts
        }

        deinit { buffer.deallocate() }

        mutating func below(_ bound: Int) -> Int { Int(truncatingIfNeeded: random.next() % UInt64(bound)) }

        mutating func pick(_ set: StaticString) -> UInt8 { set.utf8Start[below(set.utf8CodeUnitCount)] }

        var symbol: String { String(decoding: UnsafeBufferPointer(start: buffer, count: count), as: UTF8.self) }

        /// Byte flips, truncations, duplications, digit changes, tag insertions and deletions.
        mutating func mutate(seed index: Int) {
            let start = seedStarts[index], end = seedStarts[index + 1]
            count = end - start
            var position = 0
            while position < count {
                buffer[position] = seedBytes[start + position]
                position += 1
            }
            var edits = 1 + below(4)
            while edits > 0 && count > 0 {
                edits -= 1
                let i = below(count)
                switch below(7) {
                case 0: buffer[i] = pick(Self.alphabet)
                case 1: count = i
                case 2:
                    let length = min(1 + below(24), count - i)
                    guard count + length <= Self.capacity else { continue }
                    UnsafeMutableRawPointer(buffer + i + length).copyMemory(from: buffer + i, byteCount: count - i)
                    count += length
                case 3:
                    if buffer[i] &- 0x30 < 10 { buffer[i] = 0x30 + UInt8(below(10)) } else { insert(0x30 + UInt8(below(10)), at: i) }
                case 4: insert(pick(Self.tags), at: i)
                case 5: buffer[i] = UInt8(truncatingIfNeeded: random.next())
                default:
                    UnsafeMutableRawPointer(buffer + i).copyMemory(from: buffer + i + 1, byteCount: count - i - 1)
                    count -= 1
                }
            }
        }

        /// Random bytes, mostly from the mangling alphabets, behind a Rust prefix (or none).
        mutating func randomize() {
            let prefixes: [StaticString] = ["_R", "_ZN", "__ZN", "R", ""]
            let prefix = prefixes[below(prefixes.count)]
            count = 0
            while count < prefix.utf8CodeUnitCount {
                buffer[count] = prefix.utf8Start[count]
                count += 1
            }
            var length = below(49)
            while length > 0 {
                length -= 1
                switch below(8) {
                case 0: buffer[count] = UInt8(truncatingIfNeeded: random.next())
                case 1...3: buffer[count] = pick(Self.alphabet)
                default: buffer[count] = pick(Self.tags)
                }
                count += 1
            }
        }

        private mutating func insert(_ byte: UInt8, at i: Int) {
            guard count < Self.capacity else { return }
            UnsafeMutableRawPointer(buffer + i + 1).copyMemory(from: buffer + i, byteCount: count - i)
            buffer[i] = byte
            count += 1
        }
    }

    /// What a run of fuzzed symbols gave.
    struct FuzzTally: Sendable {
        var demangled = 0, withMarkers = 0, longest = 0
    }

    /// `rounds` symbols from `seed`: 80% mutations of real symbols and 20% random, each through
    /// `demangle` (the two forms in turn).
    static func fuzz(rounds: Int, seed: UInt64) -> FuzzTally {
        let demangler = RustDemangler()
        var fuzzer = SymbolFuzzer(seed: seed)
        var tally = FuzzTally()
        for round in 0..<rounds {
            if round % 5 == 0 {
                fuzzer.randomize()
            } else {
                fuzzer.mutate(seed: round % seeds.count)
            }
            guard let text = demangler.demangle(fuzzer.symbol, alternate: round & 1 == 0) else { continue }
            tally.demangled += 1
            let length = text.utf8.count
            tally.longest = max(tally.longest, length)
            if length < 4096 && text.contains("{invalid syntax}") { tally.withMarkers += 1 }
        }
        return tally
    }

    /// One million inputs, in two halves on two cores: nothing may trap, every answer stays
    /// within the output cap, and the run takes seconds even in a debug build. About one in
    /// five thousand mutations makes a symbol that prints up to the 1,000,000-byte cap (a
    /// binder of a huge number of lifetimes, a backreference tree); those take most of the time.
    @Test func aMillionRandomAndMutatedSymbols() async {
        let clock = ContinuousClock()
        let start = clock.now
        let halves = await withTaskGroup(of: FuzzTally.self) { group in
            for seed: UInt64 in [0x5eed_0f_21, 0x5eed_0f_22] {
                group.addTask { Self.fuzz(rounds: 500_000, seed: seed) }
            }
            var results: [FuzzTally] = []
            for await tally in group { results.append(tally) }
            return results
        }
        let elapsed = clock.now - start
        // Enough of them are still valid (or partly valid) to exercise the printer.
        #expect(halves.map(\.demangled).reduce(0, +) > 30_000)
        #expect(halves.map(\.withMarkers).reduce(0, +) > 1_000)
        #expect(halves.allSatisfy { $0.longest <= 1_000_000 + 64 })
        #expect(elapsed < .seconds(300), "took \(elapsed)")   // a hang guard, not a speed test
    }

    /// Degenerate inputs of every kind.
    @Test func emptyAndTinyInputs() {
        for symbol in ["", "_", "R", "_R", "__R", "ZN", "_ZN", "__ZN", "E", "\0", "_R\0", "_ZN\0E", "_RC", "_RC0", "_RB_"] {
            _ = demangler.demangle(symbol, alternate: false)
            _ = demangler.demangle(symbol, alternate: true)
            _ = demangler.recognizes(symbol)
        }
        #expect(demangler.demangle("", alternate: true) == nil)
        #expect(demangler.demangle("_RC0", alternate: true) == "")
    }

    /// Names of 100,000 characters: valid, nearly valid and random, both manglings.
    @Test func hundredThousandCharacterSymbols() throws {
        let n = 100_000
        var random = SplitMix(state: 100_000)
        let tags = Array("CNMXYIBKLEpGUFDRQPOSATWuhjmbcesavnlx_0123456789".utf8)
        let elements = String(repeating: "5abcde", count: n / 6)
        let longIdentifier = String(repeating: "q", count: n)
        let inputs: [(String, Bool)] = [
            ("_ZN" + elements + "E", true),
            ("_ZN" + elements, false),
            ("_ZN\(n)" + longIdentifier + "E", true),
            ("_ZN" + String(repeating: "$LT$", count: n / 4) + "E", false),
            ("_RNvC\(n)_" + longIdentifier + "1f", true),
            ("_RC" + String(repeating: "9", count: n), false),
            ("_RINvC1a1f" + String(repeating: "h", count: n) + "E", true),
            ("_RINvC1a1f" + String(repeating: "p", count: n), false),
            ("_RNvCs" + String(repeating: "z", count: n) + "_1a1b", false),
            ("_RC1a.llvm." + String(repeating: "A", count: n), true),
            (String(decoding: (0..<n).map { _ in UInt8.random(in: 0...255, using: &random) }, as: UTF8.self), false),
            ("_R" + String(decoding: (0..<n).map { _ in tags[Int(random.next() % UInt64(tags.count))] }, as: UTF8.self), false),
        ]
        let clock = ContinuousClock()
        for (symbol, valid) in inputs {
            let start = clock.now
            let text = demangler.demangle(symbol, alternate: false)
            #expect((text != nil) == valid, "\(symbol.prefix(40))")
            #expect(clock.now - start < .seconds(10), "\(symbol.prefix(40))")
        }
        let generic = try #require(demangler.demangle("_RINvC1a1f" + String(repeating: "h", count: n) + "E", alternate: true))
        #expect(generic.utf8.count == "a::f::<".utf8.count + n * 2 + (n - 1) * 2 + 1)
    }

    /// 10,000 levels of nesting in every recursive construct: refused (past the depth limit) or
    /// printed with `{recursion limit reached}`, never a stack overflow.
    @Test func tenThousandDeepNesting() {
        let depth = 10_000
        func nest(_ open: String, _ leaf: String, _ close: String) -> String {
            String(repeating: open, count: depth) + leaf + String(repeating: close, count: depth)
        }
        let refused = [
            "_RINvC1a1f" + nest("INvC1a1f", "h", "E") + "E",          // generic arguments
            "_RINvC1a1f" + nest("R", "h", "") + "E",                   // references
            "_RINvC1a1f" + nest("T", "h", "E") + "E",                  // tuples
            "_RINvC1a1f" + nest("A", "h", "Kj1_") + "E",               // arrays
            "_RINvC1a1f" + nest("FE", "u", "") + "E",                  // fn returning fn ...
            "_RINvC1a1f" + nest("DINvC1a1f", "h", "EEL_") + "E",       // dyn traits
            "_RINvC1a1fK" + nest("A", "h0_", "E") + "E",               // constant arrays
            "_RINvC1a1fWm" + nest("O", "Rm1_m2_", "E") + "E",          // or-patterns
            "_R" + nest("N", "C1a", "v1b"),                           // nested namespaces
            "_R" + nest("M", "C1a", "h"),                             // nested impls
        ]
        for symbol in refused {
            #expect(demangler.demangle(symbol, alternate: true) == nil, "\(symbol.prefix(24))")
        }
        // Deep through backreferences: the syntax check does not follow them, the printer does.
        var hidden = "_RIC\(depth)"
        let start = hidden.utf8.count - 2
        hidden += String(repeating: "R", count: depth) + "B" + String(start - 1, radix: 36) + "_E"
        #expect(demangler.demangle(hidden, alternate: true)?.contains("{recursion limit reached}") == true)
        // Legacy names do not nest, however many escapes they hold.
        let escapes = String(repeating: "$LT$", count: depth) + String(repeating: "$GT$", count: depth)
        #expect(demangler.demangle("_ZN\(escapes.utf8.count)" + escapes + "E", alternate: true)
                == String(repeating: "<", count: depth) + String(repeating: ">", count: depth))
    }

    /// The deepest nesting that is still accepted, in each recursive construct, on a thread
    /// with a 2 MiB stack: the recursion fits with room to spare (measured: at most about
    /// 0.9 MiB unoptimized, 0.25 MiB optimized). One level more is refused.
    @Test func deepestNestingFitsABoundedStack() async {
        func nested(_ prefix: String, _ open: String, _ leaf: String, _ close: String, _ suffix: String,
                    _ levels: Int) -> String {
            prefix + String(repeating: open, count: levels) + leaf + String(repeating: close, count: levels) + suffix
        }
        // (construct, deepest accepted, one level too deep)
        let cases: [(String, String, String)] = [
            ("dyn", nested("_RINvC1a1f", "DINvC1a1f", "h", "EEL_", "E", 497), nested("_RINvC1a1f", "DINvC1a1f", "h", "EEL_", "E", 498)),
            ("const array", nested("_RINvC1a1fK", "A", "h0_", "E", "E", 498), nested("_RINvC1a1fK", "A", "h0_", "E", "E", 499)),
            ("fn", nested("_RINvC1a1f", "FE", "u", "", "E", 499), nested("_RINvC1a1f", "FE", "u", "", "E", 500)),
            ("impl", nested("_R", "M", "C1a", "h", "", 499), nested("_R", "M", "C1a", "h", "", 500)),
            ("tuple", nested("_RINvC1a1f", "T", "h", "E", "E", 499), nested("_RINvC1a1f", "T", "h", "E", "E", 500)),
            ("generic", nested("_RINvC1a1f", "INvC1a1f", "h", "E", "E", 248), nested("_RINvC1a1f", "INvC1a1f", "h", "E", "E", 249)),
            ("pattern", nested("_RINvC1a1fWm", "O", "Rm1_m2_", "E", "E", 497), nested("_RINvC1a1fWm", "O", "Rm1_m2_", "E", "E", 498)),
        ]
        let results = await withCheckedContinuation { continuation in
            let thread = Thread {
                let demangler = RustDemangler()
                continuation.resume(returning: cases.map { name, deepest, tooDeep in
                    (name, demangler.demangle(deepest, alternate: true), demangler.demangle(tooDeep, alternate: true))
                })
            }
            thread.stackSize = 2 << 20
            thread.start()
        }
        for (name, deepest, tooDeep) in results {
            #expect(deepest != nil, "\(name)")
            #expect(deepest?.contains("{recursion limit reached}") == false, "\(name)")
            #expect(tooDeep == nil, "\(name)")
        }
        #expect(results[0].1?.hasPrefix("a::f::<dyn a::f<dyn a::f<") == true)
        #expect(results[0].1?.hasSuffix("<u8>>" + String(repeating: ">", count: 496)) == true)
    }

    /// Backreferences that double at every level would print 2^60 leaves: output stops at the
    /// cap with `{size limit reached}`, quickly.
    @Test func exponentialBackreferencesStopAtTheOutputCap() throws {
        let levels = 60
        var symbol = "_RMC0" + String(repeating: "T", count: levels) + "p"
        for level in stride(from: levels - 1, through: 0, by: -1) {
            symbol += "B" + Self.base62(4 + level) + "_E"
        }
        let clock = ContinuousClock()
        let start = clock.now
        let text = try #require(demangler.demangle(symbol, alternate: true))
        #expect(clock.now - start < .seconds(10))
        #expect(text.hasSuffix("{size limit reached}"))
        #expect(text.utf8.count <= 1_000_000 + "{size limit reached}".utf8.count)
        #expect(text.hasPrefix("<((((((((((((((((((((("))
    }

    /// Backreferences to a path that prints nothing (empty names, 450 levels deep), used by
    /// a tree of 2^19 leaves: rustc-demangle spends about a second on such a symbol of 4 KB;
    /// the printer's step limit stops it after two million calls.
    @Test func silentBackreferencesStopAtTheStepLimit() throws {
        let levels = 19, chain = 450
        var symbol = "_RMC0" + String(repeating: "T", count: levels)
        symbol += String(repeating: "Nv", count: chain) + "C0" + String(repeating: "0", count: chain)
        for level in stride(from: levels - 1, through: 0, by: -1) {
            symbol += "B" + Self.base62(4 + level) + "_E"
        }
        let clock = ContinuousClock()
        let start = clock.now
        let text = try #require(demangler.demangle(symbol, alternate: true))
        #expect(clock.now - start < .seconds(10))
        #expect(text.hasPrefix("<" + String(repeating: "(", count: levels) + ", ), (, )), ((, ), (, ))), "))
        #expect(text.hasSuffix("{size limit reached}"))
        // Stopped by work, not by the output cap: about one leaf per 450 steps.
        #expect(text.utf8.count < 100_000)
    }

    /// The base-62 digits of a backreference to offset `target` (which encodes `target - 1`).
    static func base62(_ target: Int) -> String {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var value = target - 1, text = ""
        repeat {
            text = String(digits[value % 62]) + text
            value /= 62
        } while value > 0
        return text
    }
}
