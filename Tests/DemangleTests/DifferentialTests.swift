import DemangleItanium
import DemangleRust
import DemangleSwift
import Foundation
import TestSupport
import Testing

/// crashpipe against the platform's own tools on real symbol tables of this machine: every
/// `_Z` symbol exported by libstdc++ and the Swift toolchain's libraries against binutils'
/// c++filt, every Swift symbol of libswiftCore against the toolchain's swift-demangle, every
/// Rust symbol of a small program built with both manglings against `c++filt -s rust`. The
/// fixtures are snapshots made by `Benchmarks/demangle-differential.sh` so the test runs anywhere.
struct DifferentialTests {
    static func pairs(_ file: String) throws -> [(String, String)] {
        let text = String(decoding: try Fixtures.bytes("crashpipe/differential/\(file)"), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            guard let tab = line.firstIndex(of: "\t") else { return nil }
            return (String(line[..<tab]), String(line[tab...].dropFirst()))
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

    /// In c++filt's presentation (the standard abbreviations spelled out), crashpipe must
    /// agree with c++filt on at least 99.9% of the names.
    @Test func cppAgainstCxxfilt() throws {
        let (agreed, total, differences) = try Self.compare("cxx.tsv") { ItaniumDemangler(style: .cxxfilt).complete($0) }
        #expect(total > 13_000)
        let rate = Double(agreed) / Double(total)
        print("C++ (c++filt style) vs c++filt: \(agreed)/\(total) agree (\(String(format: "%.3f", rate * 100))%)")
        for difference in differences { print("  " + difference) }
        #expect(rate >= 0.999, "\(differences.count) differences:\n\(differences.prefix(20).joined(separator: "\n"))")
    }

    /// In the default (Sentry's) presentation, every name that differs from c++filt differs
    /// only in the three documented ways: `std::string` not spelled out, `(long)12` for `12l`,
    /// the return type of the function template that encloses a local name.
    @Test func cppSentryStyleDiffersOnlyInPresentation() throws {
        let pairs = try Self.pairs("cxx.tsv")
        let demangler = ItaniumDemangler()
        var agreed = 0, abbreviations = 0, literals = 0, localNames = 0
        var unexplained: [String] = []
        for (mangled, reference) in pairs {
            let ours = demangler.complete(mangled) ?? mangled
            if ours == reference { agreed += 1; continue }
            if reference.contains("std::basic_string<char, std::char_traits<char>, std::allocator<char> >")
                || reference.contains("std::basic_istream<char, std::char_traits<char> >")
                || reference.contains("std::basic_ostream<char, std::char_traits<char> >")
                || reference.contains("std::basic_iostream<char, std::char_traits<char> >") {
                abbreviations += 1
            } else if ours.contains("(long)") || ours.contains("(unsigned") || ours.contains("(long long)") {
                literals += 1
            } else if mangled.hasPrefix("_ZZ"), ours.hasSuffix(reference) {
                localNames += 1
            } else {
                unexplained.append("\(mangled)\n    crashpipe: \(ours)\n    c++filt:   \(reference)")
            }
        }
        print("C++ (Sentry style) vs c++filt: \(agreed)/\(pairs.count) agree; \(abbreviations) spell out std abbreviations, "
              + "\(literals) write 12l for (long)12, \(localNames) omit a local name's enclosing return type")
        #expect(unexplained.isEmpty, "\(unexplained.count) unexplained:\n\(unexplained.prefix(20).joined(separator: "\n"))")
        #expect(abbreviations > 0 && agreed > 12_000)
    }

    @Test func swiftAgainstSwiftDemangle() throws {
        let (agreed, total, differences) = try Self.compare("swift.tsv") { SwiftDemangler().demangle($0, form: .full) }
        #expect(total > 14_000)
        let rate = Double(agreed) / Double(total)
        print("Swift vs swift-demangle: \(agreed)/\(total) agree (\(String(format: "%.3f", rate * 100))%)")
        for difference in differences { print("  " + difference) }
        #expect(rate >= 0.999, "\(differences.count) differences:\n\(differences.prefix(20).joined(separator: "\n"))")
    }

    /// In c++filt's presentation (the `cxxfilt` style) crashpipe must agree with `c++filt -s
    /// rust` on at least 99.9% of the names.
    @Test func rustAgainstCxxfiltRust() throws {
        let (agreed, total, differences) = try Self.compare("rust.tsv") { RustDemangler(style: .cxxfilt).cxxfiltForm($0) }
        #expect(total > 1_000)
        let rate = Double(agreed) / Double(total)
        print("Rust (c++filt style) vs c++filt -s rust: \(agreed)/\(total) agree (\(String(format: "%.3f", rate * 100))%)")
        for difference in differences { print("  " + difference) }
        #expect(rate >= 0.999, "\(differences.count) differences:\n\(differences.prefix(20).joined(separator: "\n"))")
    }

    /// rustc-demangle's own `{}` form (what the rustc-demangle fixtures assert) differs from
    /// c++filt only where libiberty's verbose mode differs: `2usize` written `2: usize`, v0
    /// `.0` suffixes dropped, non-ASCII `$u..$` escapes left undecoded.
    @Test func rustDisplayFormDiffersOnlyInPresentation() throws {
        var agreed = 0, typed = 0, suffixes = 0, escapes = 0
        var unexplained: [String] = []
        let pairs = try Self.pairs("rust.tsv")
        for (mangled, reference) in pairs {
            let ours = RustDemangler().demangle(mangled, alternate: false) ?? mangled
            if ours == reference { agreed += 1 } else if reference.contains(": usize") || reference.contains(": bool")
                || reference.contains(": u8") || reference.contains(": i32") || reference.contains(": char") {
                typed += 1
            } else if mangled.hasPrefix("_R"), mangled.contains("."), ours.hasPrefix(reference + ".") {
                suffixes += 1
            } else if mangled.contains("$u"), reference.contains("$u") {
                escapes += 1
            } else {
                unexplained.append("\(mangled)\n    crashpipe: \(ours)\n    c++filt:   \(reference)")
            }
        }
        print("Rust ({} form) vs c++filt -s rust: \(agreed)/\(pairs.count) agree; \(typed) typed constants, "
              + "\(suffixes) dropped suffixes, \(escapes) undecoded escapes")
        #expect(unexplained.isEmpty, "\(unexplained.count) unexplained:\n\(unexplained.prefix(20).joined(separator: "\n"))")
        #expect(typed > 0 && suffixes > 0 && agreed > 1_000)
    }
}
