import ArgumentParser
import Bundled
import CrashpipeCore
import DemangleItanium
import DemangleRust
import Foundation

/// `crashpipe demangle`: demangles names given as arguments, or every mangled token of every
/// line of standard input (like c++filt).
struct DemangleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demangle",
        abstract: "Demangle C++, Rust, Swift, MSVC and Objective-C names (arguments, or tokens of standard input)."
    )

    enum Language: String, ExpressibleByArgument, CaseIterable {
        case auto, cpp, rust, swift, msvc, objc
    }

    @Flag(help: "The short form pipelines use with `full: false`, as Sentry shows names: no return types (and, with --no-params, no parameter lists).")
    var simplified = false

    @Flag(help: "With --simplified: drop parameter lists too.")
    var noParams = false

    @Flag(help: "Print C++ and Rust names exactly as binutils' c++filt does (std::string spelled out, 12l; Rust hashes kept, 2: usize).")
    var cxxfilt = false

    @Option(help: "The mangling to assume: auto, cpp, rust, swift, msvc, objc.")
    var lang: Language = .auto

    @Argument(help: "Names to demangle; without any, standard input is read line by line.")
    var names: [String] = []

    func run() async throws {
        let registry: PluginRegistry
        do { registry = try Bundled.registry() } catch { throw CLIError.usage("plugin registration failed: \(error)") }
        var set: DemanglerSet
        switch lang {
        case .auto: set = DemanglerSet(registry: registry)
        case .cpp: set = DemanglerSet(registry: registry, languages: ["itanium", "msvc"])
        case .rust, .swift, .msvc, .objc: set = DemanglerSet(registry: registry, languages: [lang.rawValue])
        }
        if cxxfilt {
            set = DemanglerSet(set.demanglers.map { demangler in
                if demangler is ItaniumDemangler { return ItaniumDemangler(style: .cxxfilt) }
                if demangler is RustDemangler { return RustDemangler(style: .cxxfilt) }
                return demangler
            })
        }
        let options = simplified ? DemangleOptions(parameters: !noParams, full: false) : .complete
        // With an explicit language the name is tried even if its shape is unusual.
        func demangle(_ symbol: String) -> String? {
            if lang != .auto {
                for demangler in set.demanglers {
                    if let result = demangler.demangle(symbol, options: options) { return result }
                }
                return nil
            }
            return set.demangle(symbol, options: options)
        }
        if !names.isEmpty {
            for name in names { print(demangle(name) ?? name) }
            return
        }
        while let line = readLine(strippingNewline: true) {
            print(TokenDemangler.rewrite(line, demangle))
        }
    }
}

/// Finds mangled-looking tokens in free text and replaces those that demangle.
enum TokenDemangler {
    /// Characters that can be part of a mangled name in running text.
    static func isSymbolCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "_$.@?".contains(c))
    }

    static func rewrite(_ line: String, _ demangle: (String) -> String?) -> String {
        var out = ""
        var token = ""
        func flush() {
            guard !token.isEmpty else { return }
            // A full stop after a name ends the sentence; it is never part of a mangling.
            var name = Substring(token)
            while name.count > 1, name.last == "." { name = name.dropLast() }
            if let demangled = demangle(String(name)) {
                out += demangled + token[name.endIndex...]
            } else {
                out += token
            }
            token = ""
        }
        for c in line {
            if isSymbolCharacter(c) {
                token.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }
}
