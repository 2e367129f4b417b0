import CrashpipeCore
import DemangleMSVC
import Testing
import TestSupport

/// symbolic's (Sentry's) MSVC expectations, `Fixtures/symbolic/demangle/msvc.json`, from
/// symbolic-demangle/tests/test_msvc.rs: `name_only()` maps to `parameters: false`, and
/// `name_only().parameters(true)` to `parameters: true`, both with `full: false`.
@Suite struct SymbolicFixtureTests {
    @Test func allSymbolicMSVCCasesPass() throws {
        let root = try #require(try Fixtures.json("symbolic/demangle/msvc.json") as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        let demangler = MSVCDemangler()
        var count = 0
        for group in groups {
            let optionsText = try #require(group["options"] as? String)
            let options = DemangleOptions(parameters: optionsText.contains("parameters(true)"), full: false)
            for entry in try #require(group["cases"] as? [[String: String]]) {
                let mangled = try #require(entry["mangled"])
                #expect(demangler.recognizes(mangled))
                #expect(demangler.demangle(mangled, options: options) == entry["demangled"], "\(mangled)")
                count += 1
            }
        }
        #expect(count == 8)
    }

    /// symbolic-demangle/tests/test_detection.rs: `?h@@YAXH@Z\t` is detected as MSVC C++.
    @Test func detectionFixtureMSVCCase() throws {
        let root = try #require(try Fixtures.json("symbolic/demangle/language_detection.json") as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: String]])
        let demangler = MSVCDemangler()
        let tabbed = try #require(cases.first { $0["symbol"]?.hasPrefix("?") == true }?["symbol"])
        #expect(tabbed == "?h@@YAXH@Z\t")
        #expect(demangler.recognizes(tabbed))
        #expect(demangler.demangle(tabbed, options: .nameOnly) == "h")
        #expect(demangler.demangle(tabbed, options: DemangleOptions(parameters: true, full: false)) == "h(int)")
        #expect(demangler.demangle(tabbed, options: .complete) == "void __cdecl h(int)")
        // No other detection case looks like an MSVC name.
        for entry in cases where entry["symbol"] != tabbed {
            #expect(!demangler.recognizes(entry["symbol"] ?? ""), "\(entry["symbol"] ?? "")")
        }
    }
}
