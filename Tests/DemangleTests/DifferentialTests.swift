import DemangleItanium
import DemangleSwift
import Foundation
import TestSupport
import Testing

/// crashpipe against the platform's own tools on real symbol tables of this machine: every
/// `_Z` symbol exported by libstdc++ and the Swift toolchain's libraries against binutils'
/// c++filt, every Swift symbol of libswiftCore against the toolchain's swift-demangle. The
/// fixtures are snapshots made by `Benchmarks/demangle-differential.sh` so the test runs anywhere.
struct DifferentialTests {
    static func pairs(_ file: String) throws -> [(String, String)] {
        let text = String(decoding: try Fixtures.bytes("crashpipe/differential/\(file)"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard let tab = line.firstIndex(of: "\t") else { return nil }
            return (String(line[..<tab]), String(line[line.index(after: tab)...]))
        }
    }

    static func compare(_ file: String, _ demangle: (String) -> String?) throws -> (agreed: Int, total: Int, differences: [String]) {
        let pairs = try pairs(file)
        var differences: [String] = []
        for (mangled, expected) in pairs {
            let ours = demangle(mangled) ?? mangled
            if ours != expected { differences.append("\(mangled)\n    crashpipe: \(ours)\n    reference: \(expected)") }
        }
        return (pairs.count - differences.count, pairs.count, differences)
    }

    @Test func cppAgainstCxxfilt() throws {
        let (agreed, total, differences) = try Self.compare("cxx.tsv") { ItaniumDemangler().complete($0) }
        #expect(total > 13_000)
        let rate = Double(agreed) / Double(total)
        print("C++ vs c++filt: \(agreed)/\(total) agree (\(String(format: "%.3f", rate * 100))%)")
        for difference in differences { print("  " + difference) }
        #expect(rate >= 0.999, "\(differences.count) differences:\n\(differences.prefix(20).joined(separator: "\n"))")
    }

    @Test func swiftAgainstSwiftDemangle() throws {
        let (agreed, total, differences) = try Self.compare("swift.tsv") { SwiftDemangler().demangle($0, form: .full) }
        #expect(total > 14_000)
        let rate = Double(agreed) / Double(total)
        print("Swift vs swift-demangle: \(agreed)/\(total) agree (\(String(format: "%.3f", rate * 100))%)")
        for difference in differences { print("  " + difference) }
        #expect(rate >= 0.999, "\(differences.count) differences:\n\(differences.prefix(20).joined(separator: "\n"))")
    }
}
