import DemangleRust
import Testing

/// Legacy (`_ZN...E`) symbols: prefixes, `$` escapes, `..`, the hash element (kept by `{}`,
/// dropped by `{:#}`), ThinLTO and LLVM suffixes, and what is refused. Expected values are
/// rustc-demangle 0.1.27's.
struct RustLegacyTests {
    let demangler = RustDemangler()

    static let cases: [RustVector] = [
        RustVector("_ZN3foo17h05af221e174051e9E", "foo::h05af221e174051e9", alternate: "foo"),
        RustVector("__ZN3std2io4Read11read_to_end17hb85a0f6802e14499E", "std::io::Read::read_to_end::hb85a0f6802e14499", alternate: "std::io::Read::read_to_end"),
        RustVector("ZN3std2io4Read11read_to_end17hb85a0f6802e14499E", "std::io::Read::read_to_end::hb85a0f6802e14499", alternate: "std::io::Read::read_to_end"),
        RustVector("_ZN4core3fmt9Formatter9write_str17h05af221e174051e9E.llvm.1234ABCD", "core::fmt::Formatter::write_str::h05af221e174051e9", alternate: "core::fmt::Formatter::write_str"),
        RustVector("_ZN4core3fmt9Formatter9write_str17h05af221e174051e9E.llvm.1234abcd", "core::fmt::Formatter::write_str::h05af221e174051e9.llvm.1234abcd", alternate: "core::fmt::Formatter::write_str.llvm.1234abcd"),
        RustVector("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h05af221e174051e9E", "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>::h05af221e174051e9", alternate: "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>"),
        RustVector("_ZN4prog24_$ufc$n$uef$c$uf6$d$ue9$7h$ue4$h17h05af221e174051e9E", "prog::ünïcödé::häh::h05af221e174051e9", alternate: "prog::ünïcödé::häh"),
        RustVector("_ZN8$SP$$BP$3fooE", "@*::foo"),
        RustVector("_ZN28a$u7e$b$C$c$u3d$d$u22$e$u5c$E", "a~b,c=d\"e\\"),
        RustVector("_ZN6a$u0$bE", "a$u0$b"),
        RustVector("_ZN7a$u7f$bE", "a$u7f$b"),
        RustVector("_ZN15a$u9f$b$u1f600$E", "a$u9f$b$u1f600$"),
        RustVector("_ZN9a$ud800$bE", "a$ud800$b"),
        RustVector("_ZN11a$u110000$bE", "a$u110000$b"),
        RustVector("_ZN15a$u000000007e$bE", "a~b"),
        RustVector("_ZN5a$u$bE", "a$u$b"),
        RustVector("_ZN8a$uzz$bcE", "a$uzz$bc"),
        RustVector("_ZN7a$uAB$cE", "a$uAB$c"),
        RustVector("_ZN6a$LTbcE", "a$LTbc"),
        RustVector("_ZN8a$XY$b.cE", "a$XY$b.c"),
        RustVector("_ZN10a.b..c...d2e.E", "a.b::c::.d::e."),
        RustVector("_ZN10_$LT$a$GT$2_b3__cE", "<a>::_b::__c"),
        RustVector("_ZN3fooE.cold", "foo.cold"),
        RustVector("_ZN3foo17h05af221e174051e9E.cold.1", "foo::h05af221e174051e9.cold.1", alternate: "foo.cold.1"),
        RustVector("_ZN3fooEbar", nil),
        RustVector("_ZN3fooE.a b", nil),
        RustVector("_ZN3fooE.llvm.", "foo"),
        RustVector("_ZN3fooE.llvm.12@3", "foo"),
        RustVector("_ZN3fooE.llvm.12x", "foo.llvm.12x"),
        RustVector("_ZN3foo1hE", "foo::h", alternate: "foo"),
        RustVector("_ZN3foo17h05AF221E174051E9E", "foo::h05AF221E174051E9", alternate: "foo"),
        RustVector("_ZN5h05af3fooE", "h05af::foo"),
        RustVector("_ZNE", ""),
        RustVector("_ZN0E", ""),
        RustVector("_ZN00003fooE", "foo"),
        RustVector("_ZN3foo", nil),
        RustVector("_ZN99fooE", nil),
        RustVector("_ZN", nil),
        RustVector("_ZN3foéE", nil),
        RustVector("_ZN99999999999999999999999fooE", nil),
        RustVector("_ZN7content11ContentMainERKNS_17ContentMainParamsE", nil),
    ]

    @Test(arguments: cases)
    func legacySymbol(_ vector: RustVector) {
        #expect(demangler.demangle(vector.mangled, alternate: false) == vector.display)
        #expect(demangler.demangle(vector.mangled, alternate: true) == vector.alternate)
    }

    /// The alternate form drops only a last element shaped like a hash, whatever its length.
    @Test func hashDroppingEdgeCases() {
        #expect(demangler.demangle("_ZN3foo20h05af221e174051e9abcE", alternate: true) == "foo")
        #expect(demangler.demangle("_ZN17h05af221e174051e93fooE", alternate: true) == "h05af221e174051e9::foo")
        #expect(demangler.demangle("_ZN3foo16ffaf221e174051e9E", alternate: true) == "foo::ffaf221e174051e9")
        #expect(demangler.demangle("_ZN3foo17hg5af221e174051e9E", alternate: true) == "foo::hg5af221e174051e9")
    }

    /// Output is capped at 1,000,000 bytes like rustc-demangle's: a whole element that does not
    /// fit is left out, then the marker, then the suffix.
    @Test func outputLimit() throws {
        let element = String(repeating: "x", count: 99)
        let symbol = "_ZN" + String(repeating: "99" + element, count: 10_200) + "E.cold"
        let text = try #require(demangler.demangle(symbol, alternate: false))
        // 9,901 elements of 99 bytes and 9,900 separators make 999,999 bytes; the next `::`
        // does not fit.
        let kept = 9_901 * 99 + 9_900 * 2
        #expect(text.utf8.count == kept + "{size limit reached}.cold".utf8.count)
        #expect(text.hasSuffix("::" + element + "{size limit reached}.cold"))
    }
}
