import Bundled
import CrashpipeCore
import DemangleItanium
import DemangleObjC
import DemangleSwift
import Foundation
import TestSupport
import Testing

/// symbolic's demangling test vectors (Tests/Fixtures/symbolic/demangle): every case must pass.
struct SymbolicVectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let file: String
        let test: String
        let hint: String?
        let options: String
        let mangled: String
        let demangled: String?
        var testDescription: String { "\(file) \(test): \(mangled.prefix(60))" }
    }

    static func cases(_ file: String) -> [Case] {
        guard let json = try? Fixtures.json("symbolic/demangle/\(file).json") as? [String: Any],
              let groups = json["groups"] as? [[String: Any]] else { return [] }
        return groups.flatMap { group in
            (group["cases"] as? [[String: Any]] ?? []).map {
                Case(file: file, test: group["test"] as? String ?? "", hint: group["language_hint"] as? String,
                     options: group["options"] as? String ?? "", mangled: $0["mangled"] as! String,
                     demangled: $0["demangled"] as? String)
            }
        }
    }

    static let all: [Case] = cases("cpp_itanium") + cases("objcpp") + cases("swift")
    static let set = DemanglerSet(registry: try! Bundled.registry())

    /// symbolic's option names mapped onto crashpipe's.
    static func options(_ text: String) -> DemangleOptions {
        if text.contains("complete") || text.contains("auto-detect") { return .complete }
        return DemangleOptions(parameters: text.contains("parameters(true)"), full: false)
    }

    @Test func vectorsWereLoaded() {
        #expect(Self.all.count == 23 + 9 + 263)
    }

    /// symbolic's vectors whose expected value is wrong (cpp_demangle drops a parameter), with
    /// the value c++filt and llvm-cxxfilt agree on; see the fixture for the reason.
    static let corrections: [String: String] = {
        guard let json = try? Fixtures.json("crashpipe/symbolic_corrections.json") as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else { return [:] }
        var result: [String: String] = [:]
        for c in cases { result[c["mangled"] as! String] = c["demangled"] as? String }
        return result
    }()

    @Test func correctionsAreFewAndNamed() {
        #expect(Self.corrections.count == 1)
        #expect(Self.corrections.keys.allSatisfy { key in Self.all.contains { $0.mangled == key } })
    }

    @Test(arguments: all)
    func demangles(_ c: Case) {
        let options = Self.options(c.options)
        let result: String?
        switch c.hint {
        case "Cpp":
            // The hint names the language; names that are not manglings pass through unchanged.
            result = ItaniumDemangler().demangle(c.mangled, options: options) ?? c.mangled
        case "ObjCpp":
            // Objective-C++: method names pass through, C++ names demangle, nothing else does.
            result = ObjCDemangler().demangle(c.mangled, options: options)
                ?? ItaniumDemangler().demangle(c.mangled, options: options)
        case "Swift":
            result = SwiftDemangler().demangle(c.mangled, options: options) ?? c.mangled
        default:
            result = Self.set.demangle(c.mangled, options: options) ?? c.mangled
        }
        #expect(result == (Self.corrections[c.mangled] ?? c.demangled), "\(c.mangled)")
    }

    @Test func languageDetection() throws {
        let json = try #require(try Fixtures.json("symbolic/demangle/language_detection.json") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.count == 11)
        let names = ["itanium": "Cpp", "msvc": "Cpp", "objc": "ObjC", "swift": "Swift", "rust": "Rust"]
        for c in cases {
            let symbol = c["symbol"] as! String
            let detected = Self.set.detect(symbol).map { names[$0.language] ?? $0.language } ?? "Unknown"
            #expect(detected == c["language"] as? String, "\(symbol)")
        }
    }
}
