import CrashpipeCore
import DemangleSwift
import Foundation
import TestSupport
import Testing

/// The Swift project's demangler test inputs (`test/Demangle/Inputs/manglings.txt` and
/// `simplified-manglings.txt`, synced to Swift 6.2.3), as split into JSON (the `-classify`
/// annotations of manglings.txt apart from the demangled text): at least 98% must match. A
/// symbol that does not demangle is expected back unchanged.
struct SwiftDemangleVectorTests {
    static func vectors(_ file: String) throws -> [(String, String)] {
        let json = try #require(try Fixtures.json("swift-demangle/\(file)") as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        return cases.compactMap { c in
            guard let mangled = c["mangled"] as? String, let demangled = c["demangled"] as? String else { return nil }
            return (mangled, demangled)
        }
    }

    /// Runs the vectors and returns (passed, total, failures).
    static func run(_ file: String, form: SwiftDemangler.Form) throws -> (Int, Int, [String]) {
        let vectors = try vectors(file)
        var failures: [String] = []
        for (mangled, expected) in vectors {
            let result = SwiftDemangler().demangle(mangled, form: form) ?? mangled
            if result != expected { failures.append("\(mangled)\n    got      \(result)\n    expected \(expected)") }
        }
        return (vectors.count - failures.count, vectors.count, failures)
    }

    @Test func fullForm() throws {
        #expect(SwiftDemangler.hasToolchainDemangler, "libswiftDemangle from the toolchain must load on this machine")
        let (passed, total, failures) = try Self.run("manglings.json", form: .full)
        #expect(total == 495)
        let rate = Double(passed) / Double(total)
        #expect(rate >= 0.98, "\(passed)/\(total) passed; failures:\n\(failures.joined(separator: "\n"))")
        print("swift-demangle manglings.txt: \(passed)/\(total) (\(String(format: "%.1f", rate * 100))%)")
        for failure in failures { print("  " + failure) }
    }

    @Test func simplifiedForm() throws {
        let (passed, total, failures) = try Self.run("simplified-manglings.json", form: .simplified)
        #expect(total == 216)
        let rate = Double(passed) / Double(total)
        #expect(rate >= 0.98, "\(passed)/\(total) passed; failures:\n\(failures.joined(separator: "\n"))")
        print("swift-demangle simplified-manglings.txt: \(passed)/\(total) (\(String(format: "%.1f", rate * 100))%)")
        for failure in failures { print("  " + failure) }
    }
}

/// One name of each Swift mangling generation, recognized by shape and demangled.
struct SwiftGenerationTests {
    @Test func everyGeneration() {
        let demangler = SwiftDemangler()
        for (mangled, expected) in [
            ("_TFC3foo3Bar3bazfT_T_", "foo.Bar.baz() -> ()"),               // Swift 1-3
            ("_T03foo3BarC3bazyyF", "foo.Bar.baz() -> ()"),                 // Swift 4
            ("$S3foo3BarC3bazyyF", "foo.Bar.baz() -> ()"),                  // Swift 4.2
            ("$s3foo3BarC3bazyyF", "foo.Bar.baz() -> ()"),                  // Swift 5+
            ("_$s3foo3BarC3bazyyF", "foo.Bar.baz() -> ()"),                 // with the C underscore
            ("@__swiftmacro_4main3foo5MyMacfMf_", "mainfreestanding macro expansion #1 of MyMac in foo"),
        ] {
            #expect(demangler.recognizes(mangled), "\(mangled)")
            #expect(demangler.demangle(mangled, options: .complete) == expected, "\(mangled)")
        }
        #expect(!demangler.recognizes("_ZN3foo3barEv") && !demangler.recognizes("main"))
        #expect(demangler.demangle("$s3foo3BarC3bazyyF", options: DemangleOptions(parameters: true, full: false)) == "Bar.baz()")
    }
}
