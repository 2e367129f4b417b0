import DemangleRust
import Testing

/// v0 (`_R`) symbols, construct by construct. Display (`{}`) shows crate disambiguators as
/// `[hex]` and integer constants with their type; alternate (`{:#}`) shows neither. Expected
/// values are rustc-demangle 0.1.27's, including where it prints `{invalid syntax}` inside a
/// name it accepted.
struct RustV0Tests {
    let demangler = RustDemangler()

    func check(_ vector: RustVector) {
        #expect(demangler.demangle(vector.mangled, alternate: false) == vector.display)
        #expect(demangler.demangle(vector.mangled, alternate: true) == vector.alternate)
    }

    static let paths: [RustVector] = [
        RustVector("_RNvCs1234_7mycrate3foo", "mycrate[3c1c0]::foo", alternate: "mycrate::foo"),
        RustVector("_RNvNtCs1234_7mycrate3foo3bar", "mycrate[3c1c0]::foo::bar", alternate: "mycrate::foo::bar"),
        RustVector("_RCs_5crate", "crate[1]", alternate: "crate"),
        RustVector("_RCs0_5crate", "crate[2]", alternate: "crate"),
        RustVector("_RC5crate", "crate"),
        RustVector("_RNvC6_123foo3bar", "123foo::bar"),
        RustVector("_RNvNvCs1234_7mycrate4main0", "mycrate[3c1c0]::main", alternate: "mycrate::main"),
        RustVector("_RNvNvCs1234_7mycrate4mains0_3foo", "mycrate[3c1c0]::main::foo", alternate: "mycrate::main::foo"),
        RustVector("_RNCNvCs1234_7mycrate4main0B3_", "mycrate[3c1c0]::main::{closure#0}", alternate: "mycrate::main::{closure#0}"),
        RustVector("_RNCNvCs1234_7mycrate4mains_0B3_", "mycrate[3c1c0]::main::{closure#1}", alternate: "mycrate::main::{closure#1}"),
        RustVector("_RNCNvCs1234_7mycrate4mains0_0", "mycrate[3c1c0]::main::{closure#2}", alternate: "mycrate::main::{closure#2}"),
        RustVector("_RNCNvCs1234_7mycrate4main7closure", "mycrate[3c1c0]::main::{closure:closure#0}", alternate: "mycrate::main::{closure:closure#0}"),
        RustVector("_RNSNvCs1234_7mycrate4main6vtable", "mycrate[3c1c0]::main::{shim:vtable#0}", alternate: "mycrate::main::{shim:vtable#0}"),
        RustVector("_RNSNvCs1234_7mycrate4main0", "mycrate[3c1c0]::main::{shim#0}", alternate: "mycrate::main::{shim#0}"),
        RustVector("_RNXNvCs1234_7mycrate4main3foo", "mycrate[3c1c0]::main::{X:foo#0}", alternate: "mycrate::main::{X:foo#0}"),
        RustVector("_RNvNtCs1234_7mycrate3foo3barCs5678_5other", "mycrate[3c1c0]::foo::bar", alternate: "mycrate::foo::bar"),
        RustVector("_RNvC5crate3fooNvC5other3bar", "crate::foo"),
    ]

    @Test(arguments: paths)
    func pathsClosuresShimsAndInstantiatingCrates(_ vector: RustVector) { check(vector) }

    static let genericsAndImpls: [RustVector] = [
        RustVector("_RINvCs1234_7mycrate3fooNtB2_3BarE", "mycrate[3c1c0]::foo::<mycrate[3c1c0]::Bar>", alternate: "mycrate::foo::<mycrate::Bar>"),
        RustVector("_RINvNtC4core3mem7drop_inINtNtC5alloc3vec3VechEEB4_", "core::mem::drop_in::<alloc::vec::Vec<u8>>"),
        RustVector("_RINvCs1234_7mycrate1fEE", nil),
        RustVector("_RINvCs1234_7mycrate1fL_E", "mycrate[3c1c0]::f::<'_>", alternate: "mycrate::f::<'_>"),
        RustVector("_RINvCs1234_7mycrate1fL0_E", "mycrate[3c1c0]::f::<'{invalid syntax}>", alternate: "mycrate::f::<'{invalid syntax}>"),
        RustVector("_RNvINtCs1234_7mycrate3FoohE3bar", "mycrate[3c1c0]::Foo::<u8>::bar", alternate: "mycrate::Foo::<u8>::bar"),
        RustVector("_RNvMNtCs1234_7mycrate3fooNtB2_3Bar3new", "<mycrate[3c1c0]::foo::Bar>::new", alternate: "<mycrate::foo::Bar>::new"),
        RustVector("_RNvMs_NtCs1234_7mycrate3fooNtB4_3Bar3new", "<mycrate[3c1c0]::foo::Bar>::new", alternate: "<mycrate::foo::Bar>::new"),
        RustVector("_RNvXNtCs1234_7mycrate3fooNtB2_3BarNtNtC4core5clone5Clone5clone", "<mycrate[3c1c0]::foo::Bar as core::clone::Clone>::clone", alternate: "<mycrate::foo::Bar as core::clone::Clone>::clone"),
        RustVector("_RNvYNtCs1234_7mycrate3BarNtNtC4core5clone5Clone5clone", "<mycrate[3c1c0]::Bar as core::clone::Clone>::clone", alternate: "<mycrate::Bar as core::clone::Clone>::clone"),
        RustVector("_RNvYRNtCs1234_7mycrate3BarNtNtC4core3fmt5Debug3fmt", "<&mycrate[3c1c0]::Bar as core::fmt::Debug>::fmt", alternate: "<&mycrate::Bar as core::fmt::Debug>::fmt"),
        RustVector("_RXNvCs1234_7mycrate1aNtB2_3FooNvB2_3Bar", "<mycrate[3c1c0]::Foo as mycrate[3c1c0]::Bar>", alternate: "<mycrate::Foo as mycrate::Bar>"),
        RustVector("_RNvMNtCs1234_7mycrate3fooINtB2_3BarjE3new", "<mycrate[3c1c0]::foo::Bar<usize>>::new", alternate: "<mycrate::foo::Bar<usize>>::new"),
    ]

    @Test(arguments: genericsAndImpls)
    func genericArgumentsAndImplPaths(_ vector: RustVector) { check(vector) }

    static let types: [RustVector] = [
        RustVector("_RINvCs1234_7mycrate1fbceuaslxnihtmyojfdzpvE", "mycrate[3c1c0]::f::<bool, char, str, (), i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, !, _, ...>", alternate: "mycrate::f::<bool, char, str, (), i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, !, _, ...>"),
        RustVector("_RINvCs1234_7mycrate1fRhRL_hRL0_hE", "mycrate[3c1c0]::f::<&u8, &u8, &'{invalid syntax} ?>", alternate: "mycrate::f::<&u8, &u8, &'{invalid syntax} ?>"),
        RustVector("_RINvCs1234_7mycrate1fQhE", "mycrate[3c1c0]::f::<&mut u8>", alternate: "mycrate::f::<&mut u8>"),
        RustVector("_RINvCs1234_7mycrate1fPhOhE", "mycrate[3c1c0]::f::<*const u8, *mut u8>", alternate: "mycrate::f::<*const u8, *mut u8>"),
        RustVector("_RINvCs1234_7mycrate1fAhj10_E", "mycrate[3c1c0]::f::<[u8; 16usize]>", alternate: "mycrate::f::<[u8; 16]>"),
        RustVector("_RINvCs1234_7mycrate1fShSeE", "mycrate[3c1c0]::f::<[u8], [str]>", alternate: "mycrate::f::<[u8], [str]>"),
        RustVector("_RINvCs1234_7mycrate1fTETlETlmEE", "mycrate[3c1c0]::f::<(), (i32,), (i32, u32)>", alternate: "mycrate::f::<(), (i32,), (i32, u32)>"),
        RustVector("_RINvCs1234_7mycrate1fBE_E", nil),
        RustVector("_RINvCs1234_7mycrate1fFEuE", "mycrate[3c1c0]::f::<fn()>", alternate: "mycrate::f::<fn()>"),
        RustVector("_RINvCs1234_7mycrate1fFhtEmE", "mycrate[3c1c0]::f::<fn(u8, u16) -> u32>", alternate: "mycrate::f::<fn(u8, u16) -> u32>"),
        RustVector("_RINvCs1234_7mycrate1fFvEuE", "mycrate[3c1c0]::f::<fn(...)>", alternate: "mycrate::f::<fn(...)>"),
        RustVector("_RINvCs1234_7mycrate1fFUKCPhEuE", "mycrate[3c1c0]::f::<unsafe extern \"C\" fn(*const u8)>", alternate: "mycrate::f::<unsafe extern \"C\" fn(*const u8)>"),
        RustVector("_RINvCs1234_7mycrate1fFKCEuE", "mycrate[3c1c0]::f::<extern \"C\" fn()>", alternate: "mycrate::f::<extern \"C\" fn()>"),
        RustVector("_RINvCs1234_7mycrate1fFK13sysv64_unwindEuE", "mycrate[3c1c0]::f::<extern \"sysv64-unwind\" fn()>", alternate: "mycrate::f::<extern \"sysv64-unwind\" fn()>"),
        RustVector("_RINvCs1234_7mycrate1fFK0EuE", nil),
        RustVector("_RINvCs1234_7mycrate1fFKu3abcEuE", nil),
        RustVector("_RINvCs1234_7mycrate1fFG_RL0_hERL0_hE", "mycrate[3c1c0]::f::<for<'a> fn(&'a u8) -> &'a u8>", alternate: "mycrate::f::<for<'a> fn(&'a u8) -> &'a u8>"),
        RustVector("_RINvCs1234_7mycrate1fFG0_RL1_hRL0_tEuE", "mycrate[3c1c0]::f::<for<'a, 'b> fn(&'a u8, &'b u16)>", alternate: "mycrate::f::<for<'a, 'b> fn(&'a u8, &'b u16)>"),
        RustVector("_RINvCs1234_7mycrate1fFRL1_hEuE", "mycrate[3c1c0]::f::<fn(&'{invalid syntax} ?) -> ?>", alternate: "mycrate::f::<fn(&'{invalid syntax} ?) -> ?>"),
        RustVector("_RINvCs1234_7mycrate1fDNtNtC4core3fmt5DebugEL_E", "mycrate[3c1c0]::f::<dyn core::fmt::Debug>", alternate: "mycrate::f::<dyn core::fmt::Debug>"),
        RustVector("_RINvCs1234_7mycrate1fDNtNtC4core3fmt5DebugNtNtC4core6marker4SendEL0_E", "mycrate[3c1c0]::f::<dyn core::fmt::Debug + core::marker::Send + '{invalid syntax}>", alternate: "mycrate::f::<dyn core::fmt::Debug + core::marker::Send + '{invalid syntax}>"),
        RustVector("_RINvCs1234_7mycrate1fDG_INtNtNtC4core3ops8function2FnTRL0_hEEp6OutputuEL_E", "mycrate[3c1c0]::f::<dyn for<'a> core::ops::function::Fn<(&'a u8,), Output = ()>>", alternate: "mycrate::f::<dyn for<'a> core::ops::function::Fn<(&'a u8,), Output = ()>>"),
        RustVector("_RINvCs1234_7mycrate1fRL_DINtNtNtC4core3ops8function5FnMutTRL_eEEp6OutputjEL_E", "mycrate[3c1c0]::f::<&dyn core::ops::function::FnMut<(&str,), Output = usize>>", alternate: "mycrate::f::<&dyn core::ops::function::FnMut<(&str,), Output = usize>>"),
        RustVector("_RINvCs1234_7mycrate1fDNtC5krate5Traitp1NKj0_p1TuEL_E", "mycrate[3c1c0]::f::<dyn krate::Trait<N = 0usize, T = ()>>", alternate: "mycrate::f::<dyn krate::Trait<N = 0, T = ()>>"),
        RustVector("_RINvCs1234_7mycrate1fDEL_E", "mycrate[3c1c0]::f::<dyn >", alternate: "mycrate::f::<dyn >"),
        RustVector("_RINvCs1234_7mycrate1fDNtNtC4core3fmt5DebugEL1_E", "mycrate[3c1c0]::f::<dyn core::fmt::Debug + '{invalid syntax}>", alternate: "mycrate::f::<dyn core::fmt::Debug + '{invalid syntax}>"),
        RustVector("_RINvCs1234_7mycrate1fDNtNtC4core3fmt5DebugE", nil),
        RustVector("_RINvCs1234_7mycrate1fWmRm1_m9_E", "mycrate[3c1c0]::f::<u32 is 1u32..=9u32>", alternate: "mycrate::f::<u32 is 1..=9>"),
        RustVector("_RINvCs1234_7mycrate1fWmORm1_m2_Rm5_m6_EE", "mycrate[3c1c0]::f::<u32 is 1u32..=2u32 | 5u32..=6u32>", alternate: "mycrate::f::<u32 is 1..=2 | 5..=6>"),
        RustVector("_RINvCs1234_7mycrate1fWPhNE", "mycrate[3c1c0]::f::<*const u8 is !null>", alternate: "mycrate::f::<*const u8 is !null>"),
        RustVector("_RINvCs1234_7mycrate1fWmXE", nil),
    ]

    @Test(arguments: types)
    func typesFunctionPointersDynTraitsAndPatterns(_ vector: RustVector) { check(vector) }

    static let constants: [RustVector] = [
        RustVector("_RINvCs1234_7mycrate1fKj7b_E", "mycrate[3c1c0]::f::<123usize>", alternate: "mycrate::f::<123>"),
        RustVector("_RINvCs1234_7mycrate1fKan7b_E", "mycrate[3c1c0]::f::<-123i8>", alternate: "mycrate::f::<-123>"),
        RustVector("_RINvCs1234_7mycrate1fKln0_E", "mycrate[3c1c0]::f::<-0i32>", alternate: "mycrate::f::<-0>"),
        RustVector("_RINvCs1234_7mycrate1fKo123456789abcdef0123456789_E", "mycrate[3c1c0]::f::<0x123456789abcdef0123456789u128>", alternate: "mycrate::f::<0x123456789abcdef0123456789>"),
        RustVector("_RINvCs1234_7mycrate1fKy00000000000000000000000001_E", "mycrate[3c1c0]::f::<1u64>", alternate: "mycrate::f::<1>"),
        RustVector("_RINvCs1234_7mycrate1fKyffffffffffffffff_E", "mycrate[3c1c0]::f::<18446744073709551615u64>", alternate: "mycrate::f::<18446744073709551615>"),
        RustVector("_RINvCs1234_7mycrate1fKh_E", "mycrate[3c1c0]::f::<0u8>", alternate: "mycrate::f::<0>"),
        RustVector("_RINvCs1234_7mycrate1fKhG_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKpE", "mycrate[3c1c0]::f::<_>", alternate: "mycrate::f::<_>"),
        RustVector("_RINvCs1234_7mycrate1fKb1_Kb0_Kb_E", "mycrate[3c1c0]::f::<true, false, false>", alternate: "mycrate::f::<true, false, false>"),
        RustVector("_RINvCs1234_7mycrate1fKb2_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKc27_Kc5c_Kc0_Kc9_Kcd_E", "mycrate[3c1c0]::f::<'\\'', '\\\\', '\\0', '\\t', '\\r'>", alternate: "mycrate::f::<'\\'', '\\\\', '\\0', '\\t', '\\r'>"),
        RustVector("_RINvCs1234_7mycrate1fKc301_Kc200b_Kca0_Kc1f600_Kc7f_Kce000_E", "mycrate[3c1c0]::f::<'\\u{301}', '\\u{200b}', '\\u{a0}', '😀', '\\u{7f}', '\\u{e000}'>", alternate: "mycrate::f::<'\\u{301}', '\\u{200b}', '\\u{a0}', '😀', '\\u{7f}', '\\u{e000}'>"),
        RustVector("_RINvCs1234_7mycrate1fKcd800_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKc110000_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKe_E", "mycrate[3c1c0]::f::<{*\"\"}>", alternate: "mycrate::f::<{*\"\"}>"),
        RustVector("_RINvCs1234_7mycrate1fKe225c_E", "mycrate[3c1c0]::f::<{*\"\\\"\\\\\"}>", alternate: "mycrate::f::<{*\"\\\"\\\\\"}>"),
        RustVector("_RINvCs1234_7mycrate1fKe61cc81_E", "mycrate[3c1c0]::f::<{*\"a\\u{301}\"}>", alternate: "mycrate::f::<{*\"a\\u{301}\"}>"),
        RustVector("_RINvCs1234_7mycrate1fKeff_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKeeda080_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKe616_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKe6g_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKRe616263_E", "mycrate[3c1c0]::f::<\"abc\">", alternate: "mycrate::f::<\"abc\">"),
        RustVector("_RINvCs1234_7mycrate1fKQRe61_E", "mycrate[3c1c0]::f::<{&mut \"a\"}>", alternate: "mycrate::f::<{&mut \"a\"}>"),
        RustVector("_RINvCs1234_7mycrate1fKAh1_h2_EE", "mycrate[3c1c0]::f::<{[1u8, 2u8]}>", alternate: "mycrate::f::<{[1, 2]}>"),
        RustVector("_RINvCs1234_7mycrate1fKTh1_EE", "mycrate[3c1c0]::f::<{(1u8,)}>", alternate: "mycrate::f::<{(1,)}>"),
        RustVector("_RINvCs1234_7mycrate1fKVNtCs1234_7mycrate4UnitUE", "mycrate[3c1c0]::f::<{mycrate[3c1c0]::Unit}>", alternate: "mycrate::f::<{mycrate::Unit}>"),
        RustVector("_RINvCs1234_7mycrate1fKVNtCs1234_7mycrate4PairTh1_b0_EE", "mycrate[3c1c0]::f::<{mycrate[3c1c0]::Pair(1u8, false)}>", alternate: "mycrate::f::<{mycrate::Pair(1, false)}>"),
        RustVector("_RINvCs1234_7mycrate1fKVNtCs1234_7mycrate5PointS1xh1_s_1yh2_EE", "mycrate[3c1c0]::f::<{mycrate[3c1c0]::Point { x: 1u8, y: 2u8 }}>", alternate: "mycrate::f::<{mycrate::Point { x: 1, y: 2 }}>"),
        RustVector("_RINvCs1234_7mycrate1fKVNtCs1234_7mycrate5PointXE", nil),
        RustVector("_RINvCs1234_7mycrate1fKj7b_KB11_E", nil),
        RustVector("_RINvCs1234_7mycrate1fAhKj3_E", nil),
        RustVector("_RINvCs1234_7mycrate1fKzE", nil),
    ]

    @Test(arguments: constants)
    func constantValues(_ vector: RustVector) { check(vector) }

    static let identifiersAndAffixes: [RustVector] = [
        RustVector("_RNvCs1234_7mycrateu8_gdkm8a3b", "mycrate[3c1c0]::ホドハュ", alternate: "mycrate::ホドハュ"),
        RustVector("_RNvCs1234_7mycrateu12abc_gdkm8a3b", "mycrate[3c1c0]::aಒbಠಚcಔ", alternate: "mycrate::aಒbಠಚcಔ"),
        RustVector("_RNvCs1234_7mycrateu4zzzz", "mycrate[3c1c0]::punycode{zzzz}", alternate: "mycrate::punycode{zzzz}"),
        RustVector("_RNvCs1234_7mycrateu3abc", "mycrate[3c1c0]::\u{82}\u{81}\u{80}", alternate: "mycrate::\u{82}\u{81}\u{80}"),
        RustVector("_RNvCs1234_7mycrateu4abc_", nil),
        RustVector("_RNvCs1234_7mycrateu2_a", nil),
        RustVector("_RC5crate.llvm.FFFF", "crate"),
        RustVector("_RC5crate.llvm.ffff", "crate.llvm.ffff"),
        RustVector("_RC5crate.0.0", "crate.0.0"),
        RustVector("_RC5crate.a b", nil),
        RustVector("_RC5crate$u", nil),
        RustVector("_RC5crate6vendor", nil),
        RustVector("_RNvC5crate3foo.llvm.0@1", "crate::foo"),
        RustVector("RC5crate", "crate"),
        RustVector("__RC5crate", "crate"),
        RustVector("_R", nil),
        RustVector("R", nil),
        RustVector("__R", nil),
        RustVector("_Rc5crate", nil),
        RustVector("_R5crate", nil),
        RustVector("_RC5créte", nil),
    ]

    @Test(arguments: identifiersAndAffixes)
    func punycodePrefixesAndSuffixes(_ vector: RustVector) { check(vector) }

    /// An identifier whose ASCII part alone exceeds the 128 characters Punycode decodes into.
    @Test func longPunycodeIsShownRaw() {
        let ascii = String(repeating: "a", count: 129)
        let symbol = "_RNvC5crateu131_" + ascii + "_a"
        #expect(demangler.demangle(symbol, alternate: true) == "crate::punycode{" + ascii + "-a}")
    }

    static let backrefsAndErrors: [RustVector] = [
        RustVector("_RNvB0_1a", "{invalid syntax}::a"),
        RustVector("_RMC0RB2_", "<&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&{recursion limit reached}>"),
        RustVector("_RINvCs1234_7mycrate1fLsE", nil),
        RustVector("_RINvCs1234_7mycrate1fL1_E", "mycrate[3c1c0]::f::<'{invalid syntax}>", alternate: "mycrate::f::<'{invalid syntax}>"),
        RustVector("_RINvCs1234_7mycrate1fFG_L0_E", nil),
        RustVector("_RINvCs1234_7mycrate1f", nil),
        RustVector("_RNvCs1234_7mycrate", nil),
        RustVector("_RINvCs1234_7mycrate1fKVNtC1a1bUE", "mycrate[3c1c0]::f::<{a::b}>", alternate: "mycrate::f::<{a::b}>"),
        RustVector("_RINvCs1234_7mycrate1fDNtC1a1bEE", nil),
        RustVector("_RNvCsZZZZZZZZZZZZZ_1a1b", nil),
        RustVector("_RNvCs1234_7mycrate99", nil),
    ]

    @Test(arguments: backrefsAndErrors)
    func backreferencesAndErrors(_ vector: RustVector) { check(vector) }

    /// A backreference to itself recurses until the depth limit (500), then every level that
    /// unwinds still prints its name.
    @Test func selfReferenceStopsAtTheDepthLimit() throws {
        let text = try #require(demangler.demangle("_RNvB_1a", alternate: true))
        #expect(text.hasPrefix("{recursion limit reached}::?"))
        #expect(text.components(separatedBy: "::a").count - 1 == 166)   // three levels per turn

        let generic = try #require(demangler.demangle("_RINvCs1234_7mycrate1fB_E", alternate: true))
        #expect(generic.hasPrefix("mycrate::f::<mycrate::f<mycrate::f<"))
        #expect(generic.contains("{recursion limit reached}"))
    }

    /// Backreferences to earlier types nest: each level doubles the tree.
    @Test func backreferencesShareStructure() throws {
        let text = try #require(demangler.demangle("_RINvC1a1fTTpB7_EB6_EE", alternate: true))
        #expect(text.hasPrefix("a::f::<((_, ((_, ((_, "))
        #expect(text.contains("{recursion limit reached}"))
    }
}
