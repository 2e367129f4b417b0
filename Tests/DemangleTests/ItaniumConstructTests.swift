import CrashpipeCore
import DemangleItanium
import Testing

/// Each construct the Itanium plugin must handle, one name apiece. Expected values are binutils
/// 2.40 c++filt's output, written in Sentry's presentation where the two differ (integer
/// literals as casts, a local name's enclosing return type).
struct ItaniumConstructTests {
    static let complete: [(String, String)] = [
        ("_ZN3foo3bar3bazEv", "foo::bar::baz()"),                                        // nested names
        ("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)"),
        ("_ZN3FooplERKS_", "Foo::operator+(Foo const&)"),                                // operator, substitution
        ("_ZN3FoocviEv", "Foo::operator int()"),                                         // conversion operator
        ("_ZN3FoonwEm", "Foo::operator new(unsigned long)"),
        ("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const"),              // lambda
        ("_ZNK3FooUt_3getEv", "Foo::{unnamed type#1}::get() const"),                     // unnamed type
        ("_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo()"),
        ("_ZN3fooB5cxx11Ev", "foo[abi:cxx11]()"),                                        // ABI tag
        ("_ZZ3foovE1x", "foo()::x"),                                                     // local name
        ("_ZZ3fooIiEvvE1x", "void foo<int>()::x"),                                       // ... in a template
        ("_Z3maxIiET_S0_S0_", "int max<int>(int, int)"),                                 // template, return type
        ("_ZTV3Foo", "vtable for Foo"), ("_ZTI3Foo", "typeinfo for Foo"), ("_ZTS3Foo", "typeinfo name for Foo"),
        ("_ZGVZ3foovE1x", "guard variable for foo()::x"),
        ("_ZThn8_N3Foo3barEv", "non-virtual thunk to Foo::bar()"),
        ("_ZN3FooC2Ev", "Foo::Foo()"), ("_ZN3FooD0Ev", "Foo::~Foo()"),
        ("_Z3foov.cold", "foo() [clone .cold]"),                                         // clone suffixes
        ("_Z3fooi.isra.0", "foo(int) [clone .isra.0]"),
        ("_Z3fooi.constprop.0", "foo(int) [clone .constprop.0]"),
        ("__ZN3foo3barEv", "foo::bar()"),                                                // Mach-O underscore
        ("_Z3foov$a1b2c3d4e5f6a7b8", "foo()"),                                           // linker hash suffix
        ("___Z3foov_block_invoke", "invocation function for block in foo()"),            // Clang block
        ("_GLOBAL__sub_I_main.cpp", "global constructors keyed to main.cpp"),
        ("_Z1fILj5EEvv", "void f<(unsigned int)5>()"),                                   // literals
        ("_Z1fILln5EEvv", "void f<(long)-5>()"),
        ("_Z1fILy7EEvv", "void f<(unsigned long long)7>()"),
        ("_Z1fILc97EEvv", "void f<(char)97>()"),
        ("_Z1fILb1EEvv", "void f<true>()"),
        ("_Z1fILi3EEvv", "void f<3>()"),
    ]

    @Test func completeNames() {
        let demangler = ItaniumDemangler()
        for (mangled, expected) in Self.complete {
            #expect(demangler.demangle(mangled, options: .complete) == expected, "\(mangled)")
        }
    }

    @Test func shortForms() {
        let demangler = ItaniumDemangler()
        let withParameters = DemangleOptions(parameters: true, full: false)
        let nameOnly = DemangleOptions(parameters: false, full: false)
        for (mangled, short, bare) in [
            ("_Z3maxIiET_S0_S0_", "max<int>(int, int)", "max<int>"),
            ("_ZN3FoocviEv", "Foo::operator int()", "Foo::operator int"),
            ("_ZN3FoonwEm", "Foo::operator new(unsigned long)", "Foo::operator new"),
            ("_ZN3FooplERKS_", "Foo::operator+(Foo const&)", "Foo::operator+"),
            ("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const", "main::{lambda()#1}::operator() const"),
            ("_ZZ3fooIiEvvE1x", "foo<int>()::x", "foo<int>()::x"),
            ("_Z3fooi.isra.0", "foo(int) [clone .isra.0]", "foo [clone .isra.0]"),
            ("_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo()", "(anonymous namespace)::foo"),
        ] {
            #expect(demangler.demangle(mangled, options: withParameters) == short, "\(mangled)")
            #expect(demangler.demangle(mangled, options: nameOnly) == bare, "\(mangled)")
        }
    }

    @Test func notCxxPassesThrough() {
        let demangler = ItaniumDemangler()
        for symbol in ["main", "_Z", "_Zfoo", "__Z", "_ZN3foo", "", "_GLOBAL__sub_I_", "$s4main3fooyyF", "_ZN3foo3barEv\0x"] {
            #expect(demangler.demangle(symbol, options: .complete) == nil, "\(symbol)")
        }
    }

    /// The c++filt presentation spells the standard abbreviations out, with GNU's spacing.
    @Test func cxxfiltStyle() {
        let demangler = ItaniumDemangler(style: .cxxfilt)
        #expect(demangler.complete("_ZNKSt4hashISsEclESs")
            == "std::hash<std::basic_string<char, std::char_traits<char>, std::allocator<char> > >::operator()"
            + "(std::basic_string<char, std::char_traits<char>, std::allocator<char> >) const")
        #expect(demangler.complete("_Z1fILln5EEvv") == "void f<-5l>()")
        #expect(demangler.complete("_ZZ3fooIiEvvE1x") == "foo<int>()::x")
        #expect(demangler.complete("_ZNSo5flushEv") == "std::basic_ostream<char, std::char_traits<char> >::flush()")
    }
}
