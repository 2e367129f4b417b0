import CrashpipeCore
import DemangleRust
import Testing

/// The plugin as crashpipe sees it: registration, the cheap recognizer, and the `Demangler`
/// entry point, which gives the alternate form (no hash, no crate disambiguators) whatever the
/// options.
struct RustPluginTests {
    let demangler = RustDemangler()

    @Test func registersUnderRust() throws {
        var registry = PluginRegistry()
        try DemangleRustPlugin.register(in: &registry)
        #expect(registry.demanglerOrder == ["rust"])
        let registered = try #require(registry.demanglers["rust"])
        #expect(registered.language == "rust")
        #expect(registered.demangle("_ZN3foo17h05af221e174051e9E", options: .complete) == "foo")
        #expect(throws: RegistryError.self) { try DemangleRustPlugin.register(in: &registry) }
    }

    @Test(arguments: [
        // Legacy Rust needs the hash element to be told from C++.
        ("__ZN3std2io4Read11read_to_end17hb85a0f6802e14499E", true),
        ("_ZN3std2io4Read11read_to_end17hb85a0f6802e14499E", true),
        ("ZN3std2io4Read11read_to_end17hb85a0f6802e14499E", true),
        ("_ZN9backtrace3foo17hbb467fcdaea5d79bE.llvm.A5310EB9", true),
        ("_ZN7content11ContentMainERKNS_17ContentMainParamsE", false),
        ("_ZN3foo3barE", false),
        ("_ZN3foo17h05af221e174051eE", false),      // 15 hex digits
        ("_ZN3foo17h05af221e174051e9", false),      // no closing E
        ("_ZNKSt6vectorIiSaIiEE4sizeEv", false),
        // v0: `_R` (or Mach-O `__R`) and an upper-case tag.
        ("_RNvNtCs1234_7mycrate3foo3bar", true),
        ("__RNvCs1234_7mycrate3foo", true),
        ("_RC5crate", true),
        ("_Rc5crate", false),
        ("_R", false),
        ("RNvC5crate3foo", false),                 // too ambiguous for a cheap test
        ("", false),
        ("main", false),
        ("$s8mangling6curry1yyF", false),
        ("?h@@YAXH@Z", false),
    ])
    func recognizes(_ symbol: String, _ expected: Bool) {
        #expect(demangler.recognizes(symbol) == expected)
    }

    @Test(arguments: [DemangleOptions.complete, .nameOnly, DemangleOptions(), DemangleOptions(parameters: false, full: true)])
    func everyOptionGivesTheAlternateForm(_ options: DemangleOptions) {
        #expect(demangler.demangle("_ZN3foo17h05af221e174051e9E", options: options) == "foo")
        #expect(demangler.demangle("_RINvNtCs1234_7mycrate3foo3barKj7b_ECs5678_5other", options: options)
                == "mycrate::foo::bar::<123>")
        #expect(demangler.demangle("_ZN7content11ContentMainERKNS_17ContentMainParamsE", options: options) == nil)
        #expect(demangler.demangle("main", options: options) == nil)
    }

    @Test func displayAndAlternateForms() {
        let symbol = "_RINvNtCs1234_7mycrate3foo3barKj7b_ECs5678_5other"
        #expect(demangler.demangle(symbol, alternate: false) == "mycrate[3c1c0]::foo::bar::<123usize>")
        #expect(demangler.demangle(symbol, alternate: true) == "mycrate::foo::bar::<123>")
    }

    /// Anything rustc-demangle does not accept is nil, whatever it looks like.
    @Test(arguments: ["test", "_ZN4test", "_ZNfooE", "_ZN3fooE.llvm moocow", "_R", "_RNvC5crate3foo bar",
                      "_ZN3fooE\u{0}", "_RC5cr\u{e9}te", "\u{1F600}", "_ZN3f\u{f6}oE"])
    func refusals(_ symbol: String) {
        #expect(demangler.demangle(symbol, alternate: false) == nil)
        #expect(demangler.demangle(symbol, alternate: true) == nil)
    }

    /// The demangler is a value with no state: one instance may be shared between threads.
    @Test func concurrentUse() async {
        let shared = RustDemangler()
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let symbol = index.isMultiple(of: 2) ? "_RNCNvCs1234_7mycrate4main0B3_"
                        : "_ZN4prog4main28_$u7b$$u7b$closure$u7d$$u7d$17h3be6fdeb7c09ba81E"
                    let expected = index.isMultiple(of: 2) ? "mycrate::main::{closure#0}" : "prog::main::{{closure}}"
                    return (0..<1_000).allSatisfy { _ in shared.demangle(symbol, alternate: true) == expected }
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
