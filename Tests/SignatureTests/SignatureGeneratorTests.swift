import CrashpipeCore
import Signature
import Testing

/// Signatures of realistic stacks with the built-in lists.
struct SignatureGeneratorTests {
    @Test func assertionSkipsAbortRaiseAndAssertFail() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "__pthread_kill_implementation", "raise", "abort", "__assert_fail_base.cold", "__assert_fail",
            "MyApp::foo(int)", "main", "__libc_start_call_main", "__libc_start_main_impl", "_start",
        ]))
        let signature = try #require(report.signature)
        #expect(signature.title == "MyApp::foo | main")
        #expect(signature.frames == ["MyApp::foo", "main"])
        #expect(signature.hash == SignatureGenerator.sha256Hex("MyApp::foo\nmain"))
        #expect(signature.fromFingerprint == false)
        #expect(report.notes.isEmpty)

        let first = try await Stacks.sign(Stacks.report(functions: ["abort", "raise", "__assert_fail", "MyApp::foo(int)", "main"]),
                                          SignatureStage.Configuration(maxFrames: 1))
        #expect(first.signature?.title == "MyApp::foo")
    }

    @Test func knownHashValue() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(SignatureGenerator.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SignatureGenerator.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func cppExceptionAndTerminate() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "raise", "abort", "__gnu_cxx::__verbose_terminate_handler()", "__cxxabiv1::__terminate(void (*)())",
            "std::terminate()", "__cxa_throw", "MyApp::Config::load(std::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)",
            "MyApp::App::start() const", "main",
        ]))
        #expect(report.signature?.title == "MyApp::Config::load | MyApp::App::start | main")
    }

    @Test func windowsExceptionDispatch() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "RaiseException", "_CxxThrowException", "`anonymous namespace'::Loader::fail(int)",
            "Loader::run()", "wmain", "invoke_main()", "__scrt_common_main_seh()", "BaseThreadInitThunk", "RtlUserThreadStart",
        ]))
        #expect(report.signature?.title == "(anonymous namespace)::Loader::fail | Loader::run | wmain")
    }

    @Test func rustPanic() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "std::sys::pal::unix::abort_internal", "std::process::abort", "std::panicking::rust_panic_with_hook",
            "std::panicking::begin_panic_handler::{{closure}}", "std::sys::backtrace::__rust_end_short_backtrace",
            "rust_begin_unwind", "core::panicking::panic_fmt", "core::result::unwrap_failed",
            "core::result::Result<T,E>::unwrap::h0123456789abcdef", "mycrate::config::load::hfedcba9876543210",
            "mycrate::main",
        ]))
        #expect(report.signature?.title == "core::result::unwrap_failed | core::result::Result::unwrap | mycrate::config::load | mycrate::main")
    }

    @Test func allocatorsAndMemoryRoutinesAreSkipped() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "__memmove_avx_unaligned_erms", "_platform_memmove", "memcpy", "je_malloc", "malloc", "moz_xmalloc",
            "operator new(unsigned long)", "strlen", "__strlen_avx2", "free", "MyApp::Buffer::grow(unsigned long)", "main",
        ]))
        #expect(report.signature?.title == "MyApp::Buffer::grow | main")
    }

    @Test func templatesParametersClonesAndRustHashesInTheTitle() async throws {
        let report = try await Stacks.sign(Stacks.report(functions: [
            "std::vector<std::pair<int, std::string>, std::allocator<std::pair<int, std::string> > >::_M_realloc_insert(std::pair<int, std::string>&&)",
            "MyApp::Index::add(int, std::string) [clone .isra.0]",
            "inflate_fast.constprop.1",
            "mycrate::decode::h0123456789abcdef",
            "MyApp::Widget::draw() const",
        ]))
        #expect(report.signature?.frames == [
            "std::vector::_M_realloc_insert", "MyApp::Index::add", "inflate_fast", "mycrate::decode", "MyApp::Widget::draw",
        ])
    }

    @Test func framesWithoutFunctionsUseModuleAndOffset() async throws {
        let report = try await Stacks.sign(Stacks.report([
            Stacks.frame(nil, module: 0, offset: 0x1a2b),
            Stacks.frame(nil, module: nil, offset: 0x7ffd_1234_5678),
            Stacks.frame("MyApp::run()", module: 0),
            Stacks.frame(nil, module: 1, offset: 0x29d90),
        ]))
        // The address outside every module is irrelevant (Socorro's rule); the others stay.
        #expect(report.signature?.frames == ["myapp@0x1a2a", "MyApp::run", "libc.so.6@0x29d8f"])
    }

    @Test func addressesOnlyFallBackToTheFirstFrame() async throws {
        let report = try await Stacks.sign(Stacks.report([
            Stacks.frame(nil, module: nil, offset: 0x7ffd_1234_5678),
            Stacks.frame(nil, module: nil, offset: 0x7ffd_1234_9999),
        ]))
        #expect(report.signature?.title == "@0x7ffd12345678")
        #expect(report.notes.map(\.kind) == ["no_meaningful_frames"])
    }

    @Test func callThroughNullIsAPrefix() async throws {
        let report = try await Stacks.sign(Stacks.report([
            Stacks.frame(nil, module: nil, offset: 0),
            Stacks.frame("MyApp::Plugin::call(int)"),
            Stacks.frame("main"),
        ]), SignatureStage.Configuration(maxFrames: 1))
        #expect(report.signature?.title == "@0x0 | MyApp::Plugin::call")
    }

    @Test func prefixFramesAlwaysBringTheNextOne() async throws {
        let names = ["objc_msgSend", "-[MyController viewDidLoad]", "-[UIViewController loadViewIfRequired]", "UIApplicationMain", "main"]
        let one = try await Stacks.sign(Stacks.report(functions: names), SignatureStage.Configuration(maxFrames: 1))
        #expect(one.signature?.title == "objc_msgSend | -[MyController viewDidLoad]")
        let two = try await Stacks.sign(Stacks.report(functions: names), SignatureStage.Configuration(maxFrames: 2))
        #expect(two.signature?.title == "objc_msgSend | -[MyController viewDidLoad]")
        let three = try await Stacks.sign(Stacks.report(functions: names), SignatureStage.Configuration(maxFrames: 3))
        #expect(three.signature?.title == "objc_msgSend | -[MyController viewDidLoad] | -[UIViewController loadViewIfRequired]")
    }

    @Test func inlinedFramesComeFirstInOrder() async throws {
        let report = try await Stacks.sign(Stacks.report([
            Stacks.frame("MyApp::Parser::run()", inlines: ["MyApp::Lexer::peek() const", "MyApp::Parser::expect(char)"]),
            Stacks.frame("main"),
        ]))
        #expect(report.signature?.frames == ["MyApp::Lexer::peek", "MyApp::Parser::expect", "MyApp::Parser::run", "main"])
    }

    @Test(arguments: [1, 2, 3, 5, 8])
    func maxFramesBoundsTheSignature(_ limit: Int) async throws {
        let names = (1...10).map { "MyApp::level\($0)()" }
        let report = try await Stacks.sign(Stacks.report(functions: names), SignatureStage.Configuration(maxFrames: limit))
        #expect(report.signature?.frames == (1...limit).map { "MyApp::level\($0)" })
    }

    @Test func crashingThreadIsUsedAndThreadZeroIsTheFallback() async throws {
        let crashed = try await Stacks.sign(Stacks.report(functions: ["MyApp::crash()"]))
        #expect(crashed.signature?.title == "MyApp::crash")
        let unknown = try await Stacks.sign(Stacks.report([Stacks.frame("MyApp::crash()")], crashing: nil))
        #expect(unknown.signature?.title == "idle_loop")
        #expect(unknown.notes.map(\.kind) == ["no_crashing_thread"])
    }

    @Test func emptyStacks() async throws {
        var noThreads = CrashReport(source: "empty")
        noThreads = try await Stacks.sign(noThreads)
        #expect(noThreads.signature?.title == "EMPTY: no crashing thread identified")
        #expect(noThreads.signature?.frames == [])
        #expect(noThreads.signature?.hash == SignatureGenerator.sha256Hex("EMPTY: no crashing thread identified"))
        #expect(noThreads.notes.map(\.kind) == ["empty_signature"])

        let noFrames = try await Stacks.sign(Stacks.report([]))
        #expect(noFrames.signature?.title == "EMPTY: no frame data available")
        #expect(noFrames.notes.map(\.kind) == ["empty_signature"])
        #expect(noFrames.signature?.hash != noThreads.signature?.hash)
    }

    @Test func sameStackSameHashDifferentStackDifferentHash() async throws {
        let a1 = try await Stacks.sign(Stacks.report(functions: ["abort", "MyApp::foo(int)", "main"]))
        // Another build: different parameter spelling, clone suffix, addresses.
        let a2 = try await Stacks.sign(Stacks.report([
            Stacks.frame("abort", offset: 0x9999), Stacks.frame("MyApp::foo(long) [clone .isra.0]", offset: 0x4444),
            Stacks.frame("main", offset: 0x5555),
        ]))
        let b = try await Stacks.sign(Stacks.report(functions: ["abort", "MyApp::bar(int)", "main"]))
        let swapped = try await Stacks.sign(Stacks.report(functions: ["main", "MyApp::foo(int)"]))
        let hashA1 = try #require(a1.signature?.hash)
        #expect(hashA1.count == 64)
        #expect(hashA1 == a2.signature?.hash)
        #expect(hashA1 != b.signature?.hash)
        #expect(hashA1 != swapped.signature?.hash)
    }

    @Test func builtInListsCompile() throws {
        let irrelevant = try FramePatterns(DefaultFrameLists.irrelevant)
        let prefix = try FramePatterns(DefaultFrameLists.prefix)
        #expect(irrelevant.sources.count == DefaultFrameLists.irrelevant.count)
        #expect(prefix.sources.count == DefaultFrameLists.prefix.count)
        // Anchored at the start, `$` where a whole name is meant.
        #expect(irrelevant.matches("abort"))
        #expect(!irrelevant.matches("abort_transaction"))
        #expect(!irrelevant.matches("MyApp::abort"))
        #expect(irrelevant.matches("je_malloc"))
        #expect(irrelevant.matches("__memcpy_avx_unaligned_erms"))
        #expect(!irrelevant.matches("__memory_pressure_handler"))
        #expect(prefix.matches("objc_msgSend"))
    }
}
