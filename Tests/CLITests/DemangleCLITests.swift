import Foundation
import Testing

/// `crashpipe demangle`, as a user runs it: names as arguments, or text on standard input
/// with mangled tokens replaced (like c++filt).
struct DemangleCLITests {
    static func demangle(_ arguments: [String], stdin: String? = nil) throws -> [String] {
        let result = try CLITests.run(["demangle"] + arguments, stdin: stdin)
        #expect(result.status == 0, "crashpipe demangle \(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func argumentsInEveryLanguage() throws {
        #expect(try Self.demangle([
            "--",
            "_ZN9wikipedia7article6formatEv",
            "_ZN3std2io5stdio6_print17h1f9e6e8e7c1b8a4dE",
            "_RNvNtCs1234_7mycrate6module4func",
            "$s4main3fooyyF",
            "?Fx_i@@YAHP6AHH@Z@Z",
            "_OBJC_CLASS_$_NSObject",
            "-[NSObject description]",
            "main",
        ]) == [
            "wikipedia::article::format()",
            "std::io::stdio::_print",
            "mycrate::module::func",
            "main.foo() -> ()",
            "int __cdecl Fx_i(int (__cdecl *)(int))",
            "class NSObject",
            "-[NSObject description]",
            "main",
        ])
    }

    @Test func simplifiedAndNoParams() throws {
        let names = ["_ZNK3foo3barIiEEPKcT_", "$s4main3fooyS2iF"]
        #expect(try Self.demangle(names) == ["char const* foo::bar<int>(int) const", "main.foo(Swift.Int) -> Swift.Int"])
        // Sentry's short forms: Swift shows argument types, C++ keeps the method's qualifiers.
        #expect(try Self.demangle(["--simplified"] + names) == ["foo::bar<int>(int) const", "foo(Int)"])
        #expect(try Self.demangle(["--simplified", "--no-params"] + names) == ["foo::bar<int> const", "foo"])
    }

    @Test func standardInputTokensAreReplaced() throws {
        let text = """
            #0 0x0000abcd in _ZN3foo3barEv () from libfoo.so
            called $s4main3fooyyF. Then _ZN3foo3barEv.cold...
            plain words, 0x1234 and _start stay
            rust _RNvC7mycrate4func, msvc ?Fx_i@@YAHP6AHH@Z@Z
            """
        #expect(try Self.demangle([], stdin: text + "\n") == [
            "#0 0x0000abcd in foo::bar() () from libfoo.so",
            "called main.foo() -> (). Then foo::bar() [clone .cold]...",
            "plain words, 0x1234 and _start stay",
            "rust mycrate::func, msvc int __cdecl Fx_i(int (__cdecl *)(int))",
        ])
    }

    @Test func explicitLanguage() throws {
        #expect(try Self.demangle(["--lang", "cpp", "_Z3foov", "$s4main3fooyyF"]) == ["foo()", "$s4main3fooyyF"])
        #expect(try Self.demangle(["--lang", "swift", "_ZN3foo3barEv"]) == ["_ZN3foo3barEv"])
        let bad = try CLITests.run(["demangle", "--lang", "cobol", "x"])
        #expect(bad.status != 0 && bad.stderr.contains("cobol"))
    }
}

extension DemangleCLITests {
    @Test func cxxfiltPresentation() throws {
        let names = ["_ZNKSs6lengthEv", "_ZN5boost3mpl5long_ILl12EE5valueE",
                     "_RINvNtCsgEmfK2I1SDS_4core3ptr10swap_chunkKj1_ECs56HGsqMBDvY_4prog",
                     "_ZN4prog4main17h2c72578c64fc1573E"]
        #expect(try Self.demangle(names) == ["std::string::length() const", "boost::mpl::long_<(long)12>::value",
                                             "core::ptr::swap_chunk::<1>", "prog::main"])
        #expect(try Self.demangle(["--cxxfilt"] + names) == [
            "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::length() const",
            "boost::mpl::long_<12l>::value",
            "core[c1f1a4ba060b9bfa]::ptr::swap_chunk::<1: usize>",
            "prog::main::h2c72578c64fc1573",
        ])
    }
}
