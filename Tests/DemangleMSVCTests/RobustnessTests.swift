import CrashpipeCore
import DemangleMSVC
import Foundation
import Testing
import TestSupport

/// House rules: any input returns a result or nil in bounded time and memory.
@Suite struct RobustnessTests {
    static let options: [DemangleOptions] = [.complete, .nameOnly, DemangleOptions(parameters: true, full: false)]

    /// Valid names to mutate: every construct family, from the LLVM vectors and symbolic.
    static let seeds: [String] = [
        "??3@YAXPEAX@Z", "?LoadV8Snapshot@V8Initializer@gin@@SAXXZ", "??9@YA_NAEBVGURL@@0@Z",
        "??_GAtomSandboxedRenderFrameObserver@?A0x77c58568@atom@@UEAAPEAXI@Z",
        "?x@@3PEAY02$$CBHEA", "?h3@@YAP6APAHPAH0@ZP6APAH00@Z10@Z", "?foo@0@YAXXZ",
        "?foobarbazqux@NB@PR13207@@YAXV?$Y@VX@NB@PR13207@@@12@V?$Y@V?$Y@VX@NB@PR13207@@@NB@PR13207@@@NA@2@V412@2V?$Y@V?$Y@V?$Y@VX@NB@PR13207@@@NB@PR13207@@@NB@PR13207@@@52@@Z",
        "??$fun_tmpl_recurse@H$1??$fun_tmpl_recurse@H$1?ident@fn_space@@YA?AURetVal@2@H@Z@fn_space@@YA?AURetVal@1@H@Z@fn_space@@YA?AURetVal@0@H@Z",
        "??R<lambda_1>@?0???R<lambda_0>@?0??PR26105@@YAHXZ@QBE@H@Z@QBE@H@Z",
        "?f@C@@WBA@EAAHXZ", "??_EDerived@@$4PPPPPPPM@A@EAAPEAXI@Z", "?f@A@simple@@$R477PPPPPPPM@7AEXXZ",
        "??_9Base@@$B7AA", "??_C@_13IIHIAFKH@?W?$PP?$AA?$AA@", "??_C@_0CF@LABBIIMO@012345678901234567890123456789AB@",
        "??$CallMethod@UC@NegativeNVOffset@@$I??_912@$BA@AEPPPPPPPM@A@@@YAXAAUC@NegativeNVOffset@@@Z",
        "?s@@3U?$S@PE__ptrauth1A@ENC@AH@@A", "??__E?i@C@@0HA@@YAXXZ",
        "??__F_decisionToDFA@XPathLexer@@0V?$vector@VDFA@dfa@antlr4@@V?$allocator@VDFA@dfa@antlr4@@@std@@@std@@A@YAXXZ",
        ".?AV?$vector@HV?$allocator@H@std@@@std@@", "??_R0?AUBase@@@8", "??_R1A@?0A@EA@Base@@8",
        "??_7A@B@@6BC@D@@E@F@@@", "?local@?1??extern_c_func@@9@4HA", "??@a6a285da2eea70dba6b578022be61d81@",
        "??$forward@P8?$DecoderStream@$01@media@@AEXXZ@std@@YA$$QAP8?$DecoderStream@$01@media@@AEXXZAAP812@AEXXZ@Z",
        "?C@?1??B@?$C@H@0101A@@QEAAHXZ@4U201013@A", "??0?$LongLongTemplate@$0?IAAAAAAAAAAAAAAA@@@QAE@XZ",
        "??$AutoNTTPClass@$MP6AHXZ1?Func@@YAHXZ$MP6AHXZ1?Func2@@YAHXZ@@QEAA@XZ", "?memptrtofun9@@3P8B@@EAAQ6AHXZXZEQ1@",
        "??B?$function@$$A6AXXZ@std@@QBE_NXZ", "??_B?1??getS@@YAAAUS@@XZ@51", "?Q@@3$$QEAP8Foo@@EAAXXZEA",
    ]

    /// Mutates a valid name: byte flips, truncation, duplication, splicing, repetition.
    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix, other: [UInt8]) -> [UInt8] {
        var bytes = seed
        let alphabet = Array("?@$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcxyz<>`'.".utf8)
        for _ in 0...Int(rng.next() % 3) {
            let kind = rng.next() % 6
            let n = bytes.count
            switch kind {
            case 0 where n > 0:
                let i = Int(rng.next() % UInt64(n))
                bytes[i] = rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            case 1 where n > 0:
                bytes.removeLast(Int(rng.next() % UInt64(n)))
            case 2 where n > 1:
                let start = Int(rng.next() % UInt64(n))
                let end = min(n, start + 1 + Int(rng.next() % 16))
                let at = Int(rng.next() % UInt64(n + 1))
                bytes.insert(contentsOf: bytes[start..<end], at: at)
            case 3 where !other.isEmpty:
                let cut = Int(rng.next() % UInt64(n + 1))
                let from = Int(rng.next() % UInt64(other.count))
                bytes = Array(bytes[..<cut]) + other[from...]
            case 4 where n > 1:
                let i = Int(rng.next() % UInt64(n))
                bytes.remove(at: i)
            default:
                bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: Int(rng.next() % UInt64(n + 1)))
            }
        }
        return bytes
    }

    /// Bytes as a String, each byte of an invalid UTF-8 sequence replaced by `?`. (Plain
    /// `String(decoding:as:)` throws and catches internally on invalid input, and the test
    /// runner records a backtrace for every throw, which would dominate this test's time.)
    static func text(_ input: [UInt8]) -> String {
        var bytes = input
        let n = bytes.count
        bytes.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < n {
                let b = p[i]
                if b < 0x80 {
                    i += 1
                    continue
                }
                let length = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
                var valid = length > 0 && i + length <= n
                var k = 1
                while valid && k < length {
                    if p[i + k] & 0xC0 != 0x80 { valid = false }
                    k += 1
                }
                if valid && length > 2 {
                    // No overlong forms, surrogates or code points past U+10FFFF.
                    let second = p[i + 1]
                    if (b == 0xE0 && second < 0xA0) || (b == 0xED && second >= 0xA0)
                        || (b == 0xF0 && second < 0x90) || (b == 0xF4 && second >= 0x90) { valid = false }
                }
                if valid {
                    i += length
                } else {
                    p[i] = UInt8(ascii: "?")
                    i += 1
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Demangles `count` random and mutated inputs from `seed`; returns how many demangled
    /// and the longest output.
    static func fuzz(count: Int, seed: UInt64) -> (accepted: Int, longest: Int) {
        let demangler = MSVCDemangler()
        let seeds = Self.seeds.map { Array($0.utf8) }
        var rng = SplitMix(state: seed)
        let alphabet = Array("?@$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_".utf8)
        var accepted = 0
        var longest = 0
        for i in 0..<count {
            let bytes: [UInt8]
            if i % 4 == 0 {
                // Random: arbitrary bytes or grammar letters, mostly behind a leading `?`.
                let length = Int(rng.next() % 48)
                var random: [UInt8] = rng.next() % 8 == 0 ? [] : [UInt8(ascii: "?")]
                let useAlphabet = rng.next() % 2 == 0
                for _ in 0..<length {
                    random.append(useAlphabet ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: rng.next()))
                }
                bytes = random
            } else {
                let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
                let other = seeds[Int(rng.next() % UInt64(seeds.count))]
                bytes = Self.mutate(seed, &rng, other: other)
            }
            if let result = demangler.demangle(Self.text(bytes), options: Self.options[i % 3]) {
                accepted += 1
                longest = max(longest, result.utf8.count)
            }
        }
        return (accepted, longest)
    }

    /// One million inputs (a quarter random, the rest mutations of valid names), on two
    /// concurrent workers: every call returns, none crashes, outputs stay bounded.
    @Test func oneMillionRandomAndMutatedSymbols() async {
        let demangler = MSVCDemangler()
        for seed in Self.seeds { #expect(demangler.demangle(seed, options: .complete) != nil, "seed \(seed)") }
        let total = 1_000_000
        let workers = 2
        let clock = ContinuousClock()
        let start = clock.now
        let results = await withTaskGroup(of: (accepted: Int, longest: Int).self) { group in
            for worker in 0..<workers {
                group.addTask { Self.fuzz(count: total / workers, seed: 0x4D53_5643 &+ UInt64(worker)) }
            }
            var all: [(accepted: Int, longest: Int)] = []
            for await result in group { all.append(result) }
            return all
        }
        let elapsed = clock.now - start
        let accepted = results.reduce(0) { $0 + $1.accepted }
        let longest = results.map(\.longest).max() ?? 0
        print("robustness: \(total) inputs on \(workers) workers in \(elapsed), \(accepted) demangled, "
              + "longest output \(longest) bytes")
        #expect(accepted > 10_000)
        #expect(longest <= 256 * 1024)
        #expect(elapsed < .seconds(300))   // a hang guard, not a speed test
    }

    @Test func hundredThousandCharacterInputs() {
        let demangler = MSVCDemangler()
        let clock = ContinuousClock()
        let start = clock.now
        let invalid = [
            "?" + String(repeating: "a", count: 200_000) + "@@YAXXZ",  // over the input limit
            "?" + String(repeating: "a", count: 100_000),
            String(repeating: "?", count: 100_000),
            "??_C@_0" + String(repeating: "?$AA", count: 25_000) + "@",
            "?f@@YAX" + String(repeating: "PAH", count: 33_000),
        ]
        for input in invalid {
            for options in Self.options { #expect(demangler.demangle(input, options: options) == nil) }
        }
        // 100,000 parameters: a valid name whose complete form exceeds the output budget.
        let wide = "?f@@YAX" + String(repeating: "H", count: 100_000) + "@Z"
        #expect(demangler.demangle(wide, options: .nameOnly) == "f")
        #expect(demangler.demangle(wide, options: .complete) == nil, "over the output budget")
        #expect(clock.now - start < .seconds(10))
    }

    @Test func tenThousandDeepNesting() {
        let demangler = MSVCDemangler()
        let clock = ContinuousClock()
        let start = clock.now
        let depth = 10_000
        let nested = [
            // Templates in templates.
            "?x@@3" + String(repeating: "V?$A@", count: depth) + "H" + String(repeating: "@@", count: depth) + "A",
            // Function pointers returning function pointers.
            "?f@@YA" + String(repeating: "P6A", count: depth) + "H" + String(repeating: "XZ", count: depth) + "XZ",
            // Pointers to pointers, arrays of arrays, function types in templates.
            "?x@@3" + String(repeating: "PEA", count: depth) + "HEA",
            "?x@@3" + String(repeating: "PAY00", count: depth) + "HA",
            "??$f@" + String(repeating: "$$A6AXV?$A@", count: depth) + "@Z@@YAXXZ",
            // Local scopes inside local scopes.
            "?x@" + String(repeating: "?1??f@", count: depth) + "@YAXXZ@4HA",
        ]
        for input in nested {
            for options in Self.options {
                let result = demangler.demangle(input, options: options)
                #expect(result == nil, "\(input.prefix(40)): \(result?.prefix(80) ?? "")")
            }
        }
        // Name back-references repeated 20,000 times: flat, not nested, so it demangles, but
        // within the output budget.
        let repeated = "?a@b@" + String(repeating: "01", count: depth) + "@3HA"
        let expanded = demangler.demangle(repeated, options: .complete)
        #expect(expanded?.hasPrefix("int b::a::b::a::") == true)
        #expect((expanded?.utf8.count ?? 0) < 256 * 1024)
        // Moderate nesting is fine.
        let moderate = "?x@@3" + String(repeating: "V?$A@", count: 20) + "H" + String(repeating: "@@", count: 20) + "A"
        #expect(demangler.demangle(moderate, options: .nameOnly) == "x")
        #expect(clock.now - start < .seconds(10))
    }

    /// Ten parameter back-references, each doubling the previous type, then thousands of
    /// uses of the largest: output would be exponential; the budget stops it.
    @Test func backReferenceExpansionIsBounded() {
        let demangler = MSVCDemangler()
        var parameters = "PAH"
        for index in 0..<9 { parameters += "P6AX\(index)\(index)@Z" }
        let bomb = "?f@@YAX" + parameters + String(repeating: "9", count: 20_000) + "@Z"
        let clock = ContinuousClock()
        let start = clock.now
        for options in Self.options where options.parameters {
            #expect(demangler.demangle(bomb, options: options) == nil)
        }
        #expect(demangler.demangle(bomb, options: .nameOnly) == "f")
        // The same shape with few uses is fine.
        let small = "?f@@YAX" + parameters + "9@Z"
        #expect(demangler.demangle(small, options: .complete) != nil)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func emptyAndTinyInputs() {
        let demangler = MSVCDemangler()
        for input in ["", "?", "??", ".", ".?", ".?A", "?@", "??@", " ", "\t", "?\0", "\u{FFFD}"] {
            for options in Self.options { #expect(demangler.demangle(input, options: options) == nil, "\(input)") }
        }
    }
}
