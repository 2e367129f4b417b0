import CrashpipeCore
import DemangleRust
import Foundation
import TestSupport
import Testing

/// A symbol and what rustc-demangle makes of it: `format!("{}")`, `format!("{:#}")`, or nil for
/// both where `try_demangle` fails.
struct RustVector: Sendable, CustomTestStringConvertible {
    let mangled: String
    let display: String?
    let alternate: String?
    var testDescription: String { String(mangled.prefix(80)) }

    /// The `cases` of a fixture with `mangled`, `display` and `alternate` fields.
    static func load(_ relative: String) -> [RustVector] {
        guard let json = try? Fixtures.json(relative) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        return cases.map {
            RustVector(mangled: $0["mangled"] as! String, display: $0["display"] as? String,
                       alternate: $0["alternate"] as? String)
        }
    }
}

extension RustVector {
    /// A symbol that reads the same in both forms (or is refused: nil).
    init(_ mangled: String, _ both: String?) {
        self.init(mangled: mangled, display: both, alternate: both)
    }

    init(_ mangled: String, _ display: String, alternate: String) {
        self.init(mangled: mangled, display: display, alternate: alternate)
    }
}

/// rustc-demangle's own unit-test vectors, symbolic's Rust case and language detection, and
/// the generated fixtures checked against rustc-demangle itself (see
/// Tests/Fixtures/rustc-demangle/generated/make-fixtures.sh): every case must pass.
struct RustFixtureTests {
    let demangler = RustDemangler()

    struct UpstreamCase: Sendable, CustomTestStringConvertible {
        let mangled: String
        let demangled: String?
        let format: String
        let test: String
        var testDescription: String { "\(test) \(format): \(mangled.prefix(60))" }
    }

    static let upstream: [UpstreamCase] = {
        guard let json = try? Fixtures.json("rustc-demangle/rust.json") as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        return cases.map {
            UpstreamCase(mangled: $0["mangled"] as! String, demangled: $0["demangled"] as? String,
                         format: $0["format"] as! String, test: $0["test"] as! String)
        }
    }()

    @Test func upstreamVectorsWereLoaded() {
        #expect(Self.upstream.count == 139)
        #expect(Set(Self.upstream.map(\.format)) == ["display", "alternate", "error"])
    }

    /// `display` is `{}`, `alternate` is `{:#}`, `error` is `try_demangle` failing.
    @Test(arguments: upstream)
    func upstreamVector(_ vector: UpstreamCase) {
        switch vector.format {
        case "display":
            #expect(demangler.demangle(vector.mangled, alternate: false) == vector.demangled)
        case "alternate":
            #expect(demangler.demangle(vector.mangled, alternate: true) == vector.demangled)
        default:
            #expect(vector.demangled == nil)
            #expect(demangler.demangle(vector.mangled, alternate: false) == nil)
            #expect(demangler.demangle(vector.mangled, alternate: true) == nil)
        }
    }

    /// The vectors rustc-demangle's tests check by property rather than by value.
    @Test func upstreamLimitTests() throws {
        // limit_recursion
        let loop = try #require(demangler.demangle("_RNvB_1a", alternate: false))
        #expect(loop.hasPrefix("{recursion limit reached}::?::a::a::"))
        let refs = try #require(demangler.demangle("_RMC0RB2_", alternate: false))
        #expect(refs.contains("{recursion limit reached}"))
        // limit_output
        for symbol in ["RYFG_FGyyEvRYFF_EvRYFFEvERLB_B_B_ERLRjB_B_B_", "_RMC0FGZZZ_Eu"] {
            let text = try #require(demangler.demangle(symbol, alternate: false))
            #expect(text.hasSuffix("{size limit reached}"))
            #expect(text.utf8.count <= 1_000_000 + "{size limit reached}".utf8.count)
        }
        // dont_panic
        for symbol in ["_ZN2222222222222222222222EE", "_ZN5*70527e27.ll34csaғE", "_ZN5*70527a54.ll34_$b.1E",
                       "_ZN5~saäb4e\n2734cOsbE\n5usage20h)3\0\0\0\0\0\0\07e2734cOsbE"] {
            _ = demangler.demangle(symbol, alternate: false)
            _ = demangler.demangle(symbol, alternate: true)
        }
        // demangle_pat_ty: an unterminated pattern list is refused.
        #expect(demangler.demangle("_RMC0WmORm1_m2_Rm5_m6_", alternate: true) == nil)
        // demangle_exponential_explosion: 6 backrefs make 2^6 copies of `_`.
        let tree = try #require(demangler.demangle("_RMC0TTTTTTpB8_EB7_EB6_EB5_EB4_EB3_E", alternate: true))
        #expect(tree.filter { $0 == "_" }.count == 64)
        #expect(tree.hasPrefix("<((((((_, _), (_, _)), ((_, _), (_, _))), "))
    }

    /// rustc-demangle's `recursion_limit_leaks`: 1000 siblings at depth 1 never add up to the limit.
    @Test(arguments: [("p", "_"), ("Rp", "&_"), ("C1x", "x")])
    func recursionLimitDoesNotLeak(leaf: String, expectedLeaf: String) {
        let count = 2 * 500
        let symbol = "_RIC0p" + String(repeating: leaf, count: count) + "E"
        let expected = "::<_" + String(repeating: ", " + expectedLeaf, count: count) + ">"
        #expect(demangler.demangle(symbol, alternate: true) == expected)
    }

    /// rustc-demangle's `recursion_limit_backref_free_bypass`: 100,000 nested references hidden
    /// in a crate name and reached through a backreference hit the limit, not the stack.
    @Test func recursionLimitCannotBeBypassedWithoutBackrefs() throws {
        let depth = 100_000
        var symbol = "_RIC\(depth)"
        let backrefStart = symbol.utf8.count - 2
        symbol += String(repeating: "R", count: depth)
        symbol += "B" + String(backrefStart - 1, radix: 36) + "_E"
        let text = try #require(demangler.demangle(symbol, alternate: false))
        #expect(text.contains("{recursion limit reached}"))
    }

    /// symbolic's one Rust vector (its `DemangleOptions::complete()` shows the name without hash).
    @Test func symbolicRustVector() throws {
        let json = try #require(try Fixtures.json("symbolic/demangle/rust.json") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count == 1)
        for vector in cases {
            let mangled = try #require(vector["mangled"] as? String)
            #expect(demangler.recognizes(mangled))
            #expect(demangler.demangle(mangled, options: .complete) == vector["demangled"] as? String)
        }
    }

    /// symbolic's language detection: the Rust cases are recognized, no other case is.
    @Test func symbolicLanguageDetection() throws {
        let json = try #require(try Fixtures.json("symbolic/demangle/language_detection.json") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.filter { $0["language"] as? String == "Rust" }.count == 2)
        for vector in cases {
            let symbol = try #require(vector["symbol"] as? String)
            #expect(demangler.recognizes(symbol) == (vector["language"] as? String == "Rust"), "\(symbol)")
        }
    }

    static let rustcSymbols = RustVector.load("rustc-demangle/generated/rustc-symbols.json")
    static let oracleMutations = RustVector.load("rustc-demangle/generated/oracle-mutations.json")

    @Test func generatedFixturesWereLoaded() {
        #expect(Self.rustcSymbols.count == 1902)
        #expect(Self.rustcSymbols.filter { $0.mangled.hasPrefix("_ZN") && $0.display != nil }.count >= 250)
        #expect(Self.rustcSymbols.filter { $0.mangled.hasPrefix("_R") }.count >= 1400)
        #expect(Self.oracleMutations.count > 2500)
        #expect(Self.oracleMutations.filter { $0.display?.contains("{invalid syntax}") == true }.count > 300)
    }

    /// Real symbols from a rustc 1.95 build (legacy and v0), rustc's own library, and C++
    /// names that must be refused; expected values from rustc-demangle 0.1.27.
    @Test func rustcSymbolsMatchRustcDemangle() {
        for vector in Self.rustcSymbols {
            #expect(demangler.demangle(vector.mangled, alternate: false) == vector.display, "\(vector.mangled)")
            #expect(demangler.demangle(vector.mangled, alternate: true) == vector.alternate, "\(vector.mangled)")
        }
    }

    /// Generated and mutated symbols, many only partly valid; the inline error markers must
    /// land exactly where rustc-demangle puts them.
    @Test func mutatedSymbolsMatchRustcDemangle() {
        for vector in Self.oracleMutations {
            #expect(demangler.demangle(vector.mangled, alternate: false) == vector.display, "\(vector.mangled)")
            #expect(demangler.demangle(vector.mangled, alternate: true) == vector.alternate, "\(vector.mangled)")
        }
    }
}
