import CrashpipeCore
import DemangleMSVC
import Foundation
import Testing
import TestSupport

/// LLVM's own MSVC demangling tests (llvm/test/Demangle/ms-*.test), transcribed into
/// `Fixtures/llvm/demangle/ms-undname.json`, checked the way LLVM checks them: the complete
/// (`full: true`) output must contain the expected text once runs of spaces are collapsed.
@Suite struct LLVMVectorTests {
    struct Case {
        var file: String
        var mangled: String
        var expected: String
        var note: String?
    }

    /// Inputs this demangler rejects on purpose: LLVM ignores trailing characters after a
    /// complete name (llvm-undname only warns), we return nil so that a string which merely
    /// starts like a decorated name is never shown as one.
    static let trailingGarbage: Set<String> = [
        "??__MS@@QEAA?AVstrong_ordering@std@@AEBU0@@Z'",
        "??_C@_07LJGFEJEB@D3?$CC?$BB?$AA?$AA?$AA?$AA@)",
    ]

    static func load() throws -> (cases: [Case], invalid: [String]) {
        let root = try #require(try Fixtures.json("llvm/demangle/ms-undname.json") as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        var cases: [Case] = []
        for group in groups {
            let file = try #require(group["file"] as? String)
            for entry in try #require(group["cases"] as? [[String: String]]) {
                cases.append(Case(file: file, mangled: try #require(entry["mangled"]),
                                  expected: try #require(entry["expected"]), note: entry["note"]))
            }
        }
        let invalid = try #require((root["invalid"] as? [String: Any])?["cases"] as? [String])
        return (cases, invalid)
    }

    /// FileCheck's default matching: substring, with horizontal whitespace runs collapsed.
    static func fileCheckMatches(_ output: String, _ expected: String) -> Bool {
        func collapse(_ s: String) -> String {
            s.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        return collapse(output).contains(collapse(expected))
    }

    @Test func llvmVectorsPass() throws {
        let (cases, _) = try Self.load()
        let demangler = MSVCDemangler()
        #expect(cases.count > 800)
        var passed = 0
        var failures: [String] = []
        var deviations: [String] = []
        for c in cases {
            let output = demangler.demangle(c.mangled, options: .complete)
            let ok = output.map { Self.fileCheckMatches($0, c.expected) } ?? false
            if ok {
                passed += 1
                #expect(!(c.note ?? "").hasPrefix("known-deviation"), "now passes: \(c.mangled)")
            } else if (c.note ?? "").hasPrefix("known-deviation") || Self.trailingGarbage.contains(c.mangled) {
                deviations.append(c.mangled)
            } else {
                failures.append("\(c.file): \(c.mangled)\n  expected: \(c.expected)\n  actual:   \(output ?? "nil")")
            }
        }
        let rate = Double(passed) / Double(cases.count) * 100
        print("LLVM ms-*.test vectors: \(passed)/\(cases.count) pass (\(String(format: "%.1f", rate))%), "
              + "\(deviations.count) known deviations, \(failures.count) failures")
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.joined(separator: "\n"))")
        #expect(deviations.count == 5)
    }

    @Test func llvmInvalidManglingsAreRejected() throws {
        let (_, invalid) = try Self.load()
        let demangler = MSVCDemangler()
        #expect(invalid.count == 23)
        for mangled in invalid {
            for options in [DemangleOptions.complete, .nameOnly, DemangleOptions(parameters: true, full: false)] {
                #expect(demangler.demangle(mangled, options: options) == nil, "accepted \(mangled)")
            }
        }
    }

    /// Every valid vector also demangles in the two simplified forms (checked for shape here;
    /// exact simplified strings are in `SimplifiedFormTests`).
    @Test func llvmVectorsDemangleInSimplifiedForms() throws {
        let (cases, _) = try Self.load()
        let demangler = MSVCDemangler()
        for c in cases where !Self.trailingGarbage.contains(c.mangled) {
            let name = demangler.demangle(c.mangled, options: .nameOnly)
            let withParameters = demangler.demangle(c.mangled, options: DemangleOptions(parameters: true, full: false))
            #expect(name != nil && withParameters != nil, "\(c.mangled)")
            if let name { #expect(!name.contains("__cdecl") && !name.contains("class "), "\(c.mangled) -> \(name)") }
        }
    }
}
