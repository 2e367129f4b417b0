import DemangleItanium
import DemangleObjC
import DemangleSwift
import Foundation
import TestSupport
import Testing

/// Any input returns a result or nil in bounded time: empty, random bytes, very long names,
/// deep nesting, and a million random and mutated symbols through each demangler here (the
/// Rust and MSVC plugins have their own).
struct RobustnessTests {
    static let seeds = [
        "_ZNKSt6vectorIiSaIiEE4sizeEv", "_ZN5boost6detail7variant21make_initializer_node5applyINS_3mpl4pairIiiEEE",
        "_Z3MinIiiEDTqultfp_fp0_cl7forwardIT_Efp_Ecl7forwardIT0_Efp0_EEOS0_OS1_", "_ZZN12_GLOBAL__N_15helloEvENK3$_0clEv",
        "___ZN19URLConnectionClient33_clientInterface_cancelConnectionEP16dispatch_queue_sU13block_pointerFvvE_block_invoke14",
        "$s8mangling6curry1yyF", "_T08mangling3ZimC4zangyx_qd__tlF", "$s7ranking22propertyVersusFunctionyyAA1P_p_xtAaCRzlFyAaC_pcAaC_pcfu_",
        "$sSS7cStringSSSPys4Int8VG_tcfC", "_TtCSs29_NativeDictionaryStorageOwner", "+[Foo bar:blub:]", "_OBJC_CLASS_$_NSObject",
    ]

    /// Mutations of `seed`: byte flips, truncations, duplications, insertions.
    static func mutate(_ seed: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: bytes[i] = UInt8.random(in: 0x20...0x7e, using: &random)
            case 1: bytes.removeSubrange(i...)
            case 2: bytes.insert(contentsOf: bytes[i...].prefix(Int.random(in: 1...16, using: &random)), at: i)
            case 3: bytes.insert(UInt8.random(in: 0...255, using: &random), at: i)
            default: bytes.remove(at: i)
            }
        }
        return bytes
    }

    /// One million inputs: half mutations of real symbols, half random bytes behind a
    /// demangler's prefix. Each demangler sees every input; nothing may trap.
    @Test func aMillionRandomAndMutatedSymbols() {
        var random = SplitMix(state: 0xdeadbeef)
        let seeds = Self.seeds.map { Array($0.utf8) }
        let prefixes = ["_Z", "__Z", "$s", "_T0", "$S", "_T", "-[", "_OBJC_CLASS_$_", "_GLOBAL__sub_I_"].map { Array($0.utf8) }
        let itanium = ItaniumDemangler(), swift = SwiftDemangler(), objc = ObjCDemangler()
        var demangled = 0
        let count = 1_000_000
        for n in 0..<count {
            let bytes: [UInt8]
            if n % 2 == 0 {
                bytes = Self.mutate(seeds[n % seeds.count], &random)
            } else {
                let tail = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0x21...0x7e, using: &random) }
                bytes = prefixes[n % prefixes.count] + tail
            }
            let symbol = String(decoding: bytes, as: UTF8.self)
            // The cheap shape checks run on everything; the demanglers on what they claim, as
            // detection does (and a tenth of the rest, to hit their error paths).
            for demangler in [itanium as any DemanglerLike, swift, objc] where demangler.recognizes(symbol) || n % 10 == 0 {
                if demangler.demangle(symbol, options: n % 3 == 0 ? .complete : .nameOnly) != nil { demangled += 1 }
            }
        }
        #expect(demangled > 1000, "some mutations are still valid names")
    }

    @Test func extremeInputsAreBounded() {
        let long = "_Z" + String(100_000) + String(repeating: "a", count: 100_000) + "v"
        let deepTemplates = "_Z1fI" + String(repeating: "N1AIS_", count: 10_000) + String(repeating: "EE", count: 10_000) + "Ev"
        let deepPointers = "_Z1f" + String(repeating: "PFv", count: 10_000) + "v" + String(repeating: "E", count: 10_000)
        let deepSwift = "$s4main" + String(repeating: "yyc", count: 10_000) + "F"
        let longSwift = "$s" + String(repeating: "4main", count: 20_000)
        for symbol in ["", "_Z", "$s", long, deepTemplates, deepPointers, deepSwift, longSwift] {
            for options in [DemangleOptions.complete, .nameOnly, DemangleOptions(parameters: true, full: false)] {
                _ = ItaniumDemangler().demangle(symbol, options: options)
                _ = SwiftDemangler().demangle(symbol, options: options)
                _ = ObjCDemangler().demangle(symbol, options: options)
            }
        }
        #expect(SwiftDemangler().demangle(longSwift, options: .complete) == nil, "over the length limit")
        #expect(ItaniumDemangler().demangle(deepPointers, options: .complete) == nil, "past the runtime's recursion limit")
    }
}

/// The protocol's two calls, for a loop over demanglers of different types.
protocol DemanglerLike {
    func recognizes(_ symbol: String) -> Bool
    func demangle(_ symbol: String, options: DemangleOptions) -> String?
}
extension ItaniumDemangler: DemanglerLike {}
extension SwiftDemangler: DemanglerLike {}
extension ObjCDemangler: DemanglerLike {}

import CrashpipeCore
