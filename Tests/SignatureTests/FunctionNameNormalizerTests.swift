import Signature
import Testing

/// Names as demanglers print them, and what a signature keeps of each.
struct FunctionNameNormalizerTests {
    static let cases: [(String, String)] = [
        // Parameters, qualifiers.
        ("MyApp::foo(int)", "MyApp::foo"),
        ("MyApp::Widget::draw() const", "MyApp::Widget::draw"),
        ("MyApp::Widget::take(std::string&&) &&", "MyApp::Widget::take"),
        ("MyApp::Widget::get() const &", "MyApp::Widget::get"),
        ("MyApp::Widget::size() const volatile noexcept", "MyApp::Widget::size"),
        ("plain_c_function", "plain_c_function"),
        // Templates, nested, with parameters inside.
        ("std::vector<std::pair<int, std::string>, std::allocator<std::pair<int, std::string> > >::push_back(std::pair<int, std::string> const&)",
         "std::vector::push_back"),
        ("std::function<void (int)>::operator()(int) const", "std::function::operator()"),
        ("mozilla::detail::RunnableFunction<(anonymous namespace)::Task>::Run()", "mozilla::detail::RunnableFunction::Run"),
        ("Foo<(1 > 2)>::bar()", "Foo::bar"),
        ("void MyApp::apply<std::map<int, int> >(std::map<int, int>&)", "void MyApp::apply"),
        // Operators keep their symbols.
        ("MyApp::Vec::operator<(MyApp::Vec const&) const", "MyApp::Vec::operator<"),
        ("MyApp::Vec::operator<<(std::ostream&)", "MyApp::Vec::operator<<"),
        ("MyApp::Ptr::operator->() const", "MyApp::Ptr::operator->"),
        ("MyApp::Flags::operator&(MyApp::Flags)", "MyApp::Flags::operator&"),
        ("MyApp::Flags::operator&&(MyApp::Flags)", "MyApp::Flags::operator&&"),
        ("bool MyApp::operator< <MyApp::Key>(MyApp::Key const&, MyApp::Key const&)", "bool MyApp::operator<"),
        ("MyApp::Buffer::operator[](unsigned long)", "MyApp::Buffer::operator[]"),
        ("operator new(unsigned long)", "operator new"),
        ("operator delete[](void*)", "operator delete[]"),
        ("MyApp::Handle::operator bool() const", "MyApp::Handle::operator bool"),
        // Anonymous namespaces in every spelling.
        ("(anonymous namespace)::Parser::parse(char const*)", "(anonymous namespace)::Parser::parse"),
        ("`anonymous namespace'::CrashFunction", "(anonymous namespace)::CrashFunction"),
        ("{anonymous}::helper(int)", "(anonymous namespace)::helper"),
        // Lambdas.
        ("MyApp::run()::{lambda(int)#1}::operator()(int) const", "MyApp::run::{lambda#1}::operator()"),
        ("MyApp::run()::$_12::operator()() const", "MyApp::run::$::operator()"),
        ("`MyApp::run'::`2'::<lambda_1>::operator()(int) const", "`MyApp::run'::`2'::<lambda_1>::operator()"),
        // GCC and LLVM clones.
        ("deflate_slow.isra.0", "deflate_slow"),
        ("inflate_fast.constprop.1", "inflate_fast"),
        ("png_read_row.part.2", "png_read_row"),
        ("main.cold", "main"),
        ("decode.cold.17", "decode"),
        ("parse_header.lto_priv.0", "parse_header"),
        ("compress.constprop.0.isra.0", "compress"),
        ("helper.llvm.8123412341234", "helper"),
        ("MyApp::foo(int) [clone .isra.0]", "MyApp::foo"),
        ("MyApp::foo(int) [clone .constprop.0] [clone .cold]", "MyApp::foo"),
        // Rust.
        ("std::rt::lang_start::h0123456789abcdef", "std::rt::lang_start"),
        ("core::ptr::drop_in_place<alloc::vec::Vec<u8>>", "core::ptr::drop_in_place"),
        ("<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop::h0a1b2c3d4e5f6071", "<alloc::vec::Vec as core::ops::drop::Drop>::drop"),
        ("<mycrate::Parser>::next", "<mycrate::Parser>::next"),
        ("mycrate::worker::{{closure}}", "mycrate::worker::{{closure}}"),
        // Swift.
        ("MyApp.Parser.parse(_: Swift.String) throws -> Swift.Int", "MyApp.Parser.parse"),
        ("closure #1 () throws -> () in MyApp.run() -> ()", "closure #1 in MyApp.run"),
        ("Swift.Array<Swift.Int>.append(Swift.Int)", "Swift.Array.append"),
        ("generic specialization <Swift.Int> of MyApp.Box.get() -> A", "generic specialization <Swift.Int> of MyApp.Box.get"),
        // Objective-C is left alone.
        ("-[NSObject(NSObject) doesNotRecognizeSelector:]", "-[NSObject doesNotRecognizeSelector:]"),
        ("-[MyView drawRect:]", "-[MyView drawRect:]"),
        // Unbalanced (truncated) names do not lose text.
        ("MyApp::Foo<int", "MyApp::Foo<int"),
        ("  spaced   name  ", "spaced name"),
    ]

    @Test(arguments: cases)
    func normalizes(_ input: String, _ expected: String) {
        #expect(FunctionNameNormalizer.normalize(input) == expected)
    }
}
