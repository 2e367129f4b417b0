import CrashpipeCore
import DemangleMSVC
import Testing

/// The two shorter forms, per construct. These follow symbolic's style (msvc-demangler with
/// `NO_MS_KEYWORDS | NO_CLASS_TYPE | HUG_TYPE | SPACE_AFTER_COMMA`, no `MS_TYPENAMES`), as
/// the 8 cases of symbolic's own test show it; for constructs symbolic has no test for,
/// the expected strings are crashpipe's choice, derived from llvm-undname's complete form
/// (the inputs and that form are LLVM's test vectors).
@Suite struct SimplifiedFormTests {
    static let withParameters = DemangleOptions(parameters: true, full: false)

    /// (mangled, name only, with parameters)
    static func check(_ cases: [(String, String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        let demangler = MSVCDemangler()
        for (mangled, name, parameters) in cases {
            #expect(demangler.demangle(mangled, options: .nameOnly) == name, "\(mangled)", sourceLocation: sourceLocation)
            #expect(demangler.demangle(mangled, options: withParameters) == parameters, "\(mangled)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func pointersReferencesAndQualifiers() {
        Self.check([
            ("?foo_pbqbd@@YAXPBQBD@Z", "foo_pbqbd", "foo_pbqbd(char const* const*)"),
            ("?foo_aapbd@@YAXAEAPEBD@Z", "foo_aapbd", "foo_aapbd(char const*&)"),
            ("?foo_sad@@YAXSEAD@Z", "foo_sad", "foo_sad(char* const volatile)"),
            ("?RRef@@YAH$$QAH@Z", "RRef", "RRef(int&&)"),
            ("?foo_piad@@YAXPEIAD@Z", "foo_piad", "foo_piad(char*)"),
            ("?unaligned_foo5@@YAXPIFAH@Z", "unaligned_foo5", "unaligned_foo5(int*)"),
            ("?beta@@YI_N_J_W@Z", "beta", "beta(int64_t, wchar_t)"),
            ("?Null@@YAX$$T@Z", "Null", "Null(std::nullptr_t)"),
            ("?f@@YAXZZ", "f", "f(...)"),
            ("?f@@YAXHZZ", "f", "f(int, ...)"),
        ])
    }

    @Test func arraysAndFunctionPointers() {
        Self.check([
            ("?foo_qay144cbh@@YAX$$QEAY144$$CBH@Z", "foo_qay144cbh", "foo_qay144cbh(int const (&&)[5][5])"),
            ("?foo_qay04h@@YAXQAY04H@Z", "foo_qay04h", "foo_qay04h(int (* const)[5])"),
            ("?foo_q6ahxz@@YAX$$Q6AHXZ@Z", "foo_q6ahxz", "foo_q6ahxz(int (&&)(void))"),
            ("?mangle_yes_backref2@@YAXQBQ6AXXZ0@Z", "mangle_yes_backref2",
             "mangle_yes_backref2(void (* const* const)(void), void (* const* const)(void))"),
            ("?h3@@YAP6APAHPAH0@ZP6APAH00@Z10@Z", "h3", "h3(int* (*)(int*, int*), int* (*)(int*, int*), int*)"),
            ("?member_pointer@@YAXV?$C@P8Z@@AEXXZ@@@Z", "member_pointer", "member_pointer(C<void (Z::*)(void)>)"),
            ("?f@@YAXPQS@@H@Z", "f", "f(int S::*)"),
        ])
    }

    @Test func membersAndCvQualifiedThis() {
        Self.check([
            ("?fn@?$klass@H@ns@@QEBAIXZ", "ns::klass<int>::fn", "ns::klass<int>::fn(void) const"),
            ("?foo@A@PR19361@@QIHAEXXZ", "PR19361::A::foo", "PR19361::A::foo(void) &&"),
            ("?unaligned_foo8@unaligned_foo8_S@@QFCEXXZ", "unaligned_foo8_S::unaligned_foo8",
             "unaligned_foo8_S::unaligned_foo8(void) volatile"),
            ("??0klass@@QEAA@XZ", "klass::klass", "klass::klass(void)"),
            ("??1klass@@QEAA@XZ", "klass::~klass", "klass::~klass(void)"),
            ("??0Klass@std@@AEAA@AEBV01@@Z", "std::Klass::Klass", "std::Klass::Klass(std::Klass const&)"),
            ("?f@C@@WBA@EAAHXZ", "C::f", "C::f(void)"),
            ("?f@A@simple@@$R477PPPPPPPM@7AEXXZ", "simple::A::f", "simple::A::f(void)"),
            ("??_9Base@@$B7AA", "Base::`vcall'", "Base::`vcall'{8, {flat}}"),
        ])
    }

    @Test func templates() {
        Self.check([
            ("??1?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@QEAA@XZ",
             "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::~basic_string<char, std::char_traits<char>, std::allocator<char> >",
             "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::~basic_string<char, std::char_traits<char>, std::allocator<char> >(void)"),
            ("??0?$Class@$$A6AHXZ@@QAE@XZ", "Class<int (void)>::Class<int (void)>", "Class<int (void)>::Class<int (void)>(void)"),
            ("??0?$Class@$$BY04$$CBH@@QAE@XZ", "Class<int const[5]>::Class<int const[5]>", "Class<int const[5]>::Class<int const[5]>(void)"),
            ("??0?$LongLongTemplate@$0?IAAAAAAAAAAAAAAA@@@QAE@XZ", "LongLongTemplate<-9223372036854775808>::LongLongTemplate<-9223372036854775808>",
             "LongLongTemplate<-9223372036854775808>::LongLongTemplate<-9223372036854775808>(void)"),
            ("??$WrapFnPtr@$1?VoidStaticMethod@Thing@@SAXXZ@@YAXXZ", "WrapFnPtr<&Thing::VoidStaticMethod>",
             "WrapFnPtr<&Thing::VoidStaticMethod>(void)"),
            ("??$ReadField@UU@@$G3A@A@@@YAHAAUU@@@Z", "ReadField<U, {4, 0, 0}>", "ReadField<U, {4, 0, 0}>(U&)"),
            ("??$f@$$YAliasA@PR20047@@@PR20047@@YAXXZ", "PR20047::f<PR20047::AliasA>", "PR20047::f<PR20047::AliasA>(void)"),
            ("??$templ_fun_with_pack@$S@@YAXXZ", "templ_fun_with_pack<>", "templ_fun_with_pack<>(void)"),
            ("?foo_abbb@@YAXV?$A@V?$B@D@@V1@V1@@@@Z", "foo_abbb", "foo_abbb(A<B<char>, B<char>, B<char> >)"),
        ])
    }

    @Test func operatorsAndConversions() {
        let demangler = MSVCDemangler()
        // Every ?X, ?_X code on a member: the name is the class and the operator.
        let operators: [(String, String)] = [
            ("4", "operator="), ("5", "operator>>"), ("6", "operator<<"), ("7", "operator!"), ("8", "operator=="),
            ("9", "operator!="), ("A", "operator[]"), ("C", "operator->"), ("D", "operator*"), ("E", "operator++"),
            ("F", "operator--"), ("G", "operator-"), ("H", "operator+"), ("I", "operator&"), ("J", "operator->*"),
            ("K", "operator/"), ("L", "operator%"), ("M", "operator<"), ("N", "operator<="), ("O", "operator>"),
            ("P", "operator>="), ("Q", "operator,"), ("R", "operator()"), ("S", "operator~"), ("T", "operator^"),
            ("U", "operator|"), ("V", "operator&&"), ("W", "operator||"), ("X", "operator*="), ("Y", "operator+="),
            ("Z", "operator-="), ("_0", "operator/="), ("_1", "operator%="), ("_2", "operator>>="), ("_3", "operator<<="),
            ("_4", "operator&="), ("_5", "operator|="), ("_6", "operator^="),
        ]
        for (code, spelling) in operators {
            let mangled = "??\(code)Base@@QEAAHH@Z"
            #expect(demangler.demangle(mangled, options: .nameOnly) == "Base::\(spelling)", "\(mangled)")
            #expect(demangler.demangle(mangled, options: Self.withParameters) == "Base::\(spelling)(int)", "\(mangled)")
        }
        Self.check([
            ("??2@YAPEAX_K@Z", "operator new", "operator new(uint64_t)"),
            ("??_U@YAPEAX_KAEAVklass@@@Z", "operator new[]", "operator new[](uint64_t, klass&)"),
            ("??_V@YAXPEAXAEAVklass@@@Z", "operator delete[]", "operator delete[](void*, klass&)"),
            ("??__LA@@QEAA?AUno_suspend@@XZ", "A::operator co_await", "A::operator co_await(void)"),
            ("??__MS@@QEAA?AVstrong_ordering@std@@AEBU0@@Z", "S::operator<=>", "S::operator<=>(S const&)"),
            ("??__K_deg@@YAHO@Z", "operator \"\"_deg", "operator \"\"_deg(long double)"),
            ("??BBase@@QEAAHXZ", "Base::operator int", "Base::operator int(void)"),
            ("??$?BH@TemplateOps@@QAEHXZ", "TemplateOps::operator<int> int", "TemplateOps::operator<int> int(void)"),
            ("??BCompoundTypeOps@@QAEPBHXZ", "CompoundTypeOps::operator int const*", "CompoundTypeOps::operator int const*(void)"),
        ])
    }

    @Test func compilerGeneratedFunctions() {
        Self.check([
            ("??_DDiamond@@QEAAXXZ", "Diamond::`vbase destructor'", "Diamond::`vbase destructor'(void)"),
            ("??_EBase@@UEAAPEAXI@Z", "Base::`vector deleting destructor'", "Base::`vector deleting destructor'(unsigned int)"),
            ("??_GBase@@UEAAPEAXI@Z", "Base::`scalar deleting destructor'", "Base::`scalar deleting destructor'(unsigned int)"),
            ("??_F?$SomeTemplate@H@@QAEXXZ", "SomeTemplate<int>::`default constructor closure'",
             "SomeTemplate<int>::`default constructor closure'(void)"),
            ("??_O?$SomeTemplate@H@@QAEXXZ", "SomeTemplate<int>::`copy constructor closure'",
             "SomeTemplate<int>::`copy constructor closure'(void)"),
            ("??_H@YAXPEAX_K1P6APEAX0@Z@Z", "`vector constructor iterator'",
             "`vector constructor iterator'(void*, uint64_t, uint64_t, void* (*)(void*))"),
            ("??_I@YAXPEAX_K1P6AX0@Z@Z", "`vector destructor iterator'",
             "`vector destructor iterator'(void*, uint64_t, uint64_t, void (*)(void*))"),
            ("??_JBase@@UEAAPEAXI@Z", "Base::`vector vbase constructor iterator'", "Base::`vector vbase constructor iterator'(unsigned int)"),
            ("??_KBase@@UEAAPEAXI@Z", "Base::`virtual displacement map'", "Base::`virtual displacement map'(unsigned int)"),
            ("??_LBase@@UEAAPEAXI@Z", "Base::`eh vector constructor iterator'", "Base::`eh vector constructor iterator'(unsigned int)"),
            ("??_MBase@@UEAAPEAXI@Z", "Base::`eh vector destructor iterator'", "Base::`eh vector destructor iterator'(unsigned int)"),
            ("??_NBase@@UEAAPEAXI@Z", "Base::`eh vector vbase constructor iterator'",
             "Base::`eh vector vbase constructor iterator'(unsigned int)"),
            ("??_TDerived@@QEAAXXZ", "Derived::`local vftable constructor closure'", "Derived::`local vftable constructor closure'(void)"),
            ("??__EFoo@@YAXXZ", "`dynamic initializer for 'Foo''", "`dynamic initializer for 'Foo''(void)"),
            ("??__E?i@C@@0HA@@YAXXZ", "`dynamic initializer for `C::i''", "`dynamic initializer for `C::i''(void)"),
            ("??__FFoo@@YAXXZ", "`dynamic atexit destructor for 'Foo''", "`dynamic atexit destructor for 'Foo''(void)"),
        ])
    }

    @Test func tablesRTTIGuardsAndStrings() {
        Self.check([
            ("??_7type_info@@6B@", "type_info::`vftable'", "type_info::`vftable'"),
            ("??_7A@B@@6BC@D@@E@F@@@", "B::A::`vftable'", "B::A::`vftable'{for `D::C's `F::E'}"),
            ("??_8Middle2@@7B@", "Middle2::`vbtable'", "Middle2::`vbtable'"),
            ("??_SBase@@6B@", "Base::`local vftable'", "Base::`local vftable'"),
            ("??_R0?AUBase@@@8", "Base::`RTTI Type Descriptor'", "Base::`RTTI Type Descriptor'"),
            ("??_R1A@?0A@EA@Base@@8", "Base::`RTTI Base Class Descriptor at (0, -1, 0, 64)'",
             "Base::`RTTI Base Class Descriptor at (0, -1, 0, 64)'"),
            ("??_R2Base@@8", "Base::`RTTI Base Class Array'", "Base::`RTTI Base Class Array'"),
            ("??_R3Base@@8", "Base::`RTTI Class Hierarchy Descriptor'", "Base::`RTTI Class Hierarchy Descriptor'"),
            ("??_R4Base@@6B@", "Base::`RTTI Complete Object Locator'", "Base::`RTTI Complete Object Locator'"),
            (".?AUBase@@", "Base", "Base"),
            (".?AV?$vector@HV?$allocator@H@std@@@std@@", "std::vector<int, std::allocator<int> >",
             "std::vector<int, std::allocator<int> >"),
            ("??_B?1??getS@@YAAAUS@@XZ@51", "`getS'::`2'::`local static guard'{2}", "`getS(void)'::`2'::`local static guard'{2}"),
            ("??__J?1??f@@YAAAUS@@XZ@51", "`f'::`2'::`local static thread guard'{2}", "`f(void)'::`2'::`local static thread guard'{2}"),
            ("??_C@_02PCEFGMJL@hi?$AA@", "`string'", "`string'"),
            ("??_C@_1EK@KFPEBLPK@?$AA0?$AA1?$AA2?$AA3?$AA4?$AA5?$AA6?$AA7?$AA8?$AA9?$AA0?$AA1?$AA2?$AA3?$AA4?$AA5?$AA6?$AA7?$AA8?$AA9?$AA0?$AA1?$AA2?$AA3?$AA4?$AA5?$AA6?$AA7?$AA8?$AA9?$AAA?$AAB@",
             "`string'", "`string'"),
            ("??@a6a285da2eea70dba6b578022be61d81@", "??@a6a285da2eea70dba6b578022be61d81@", "??@a6a285da2eea70dba6b578022be61d81@"),
        ])
    }

    @Test func dataScopesAndLocals() {
        Self.check([
            ("?x@ns@@3PEAV?$klass@HH@1@EA", "ns::x", "ns::x"),
            ("?g@bar@@2HA", "bar::g", "bar::g"),
            ("?x@@3PEAY02$$CBHEA", "x", "x"),
            ("?anonymous@?A@N@@3HA", "N::`anonymous namespace'::anonymous", "N::`anonymous namespace'::anonymous"),
            ("?M@?1???$L@H@@YAHXZ@4HA", "`L<int>'::`2'::M", "`L<int>(void)'::`2'::M"),
            ("?local@?1??extern_c_func@@9@4HA", "`extern_c_func'::`2'::local", "`extern_c_func'::`2'::local"),
            ("??R<lambda_0>@?0??PR26105@@YAHXZ@QBE@H@Z", "`PR26105'::`1'::<lambda_0>::operator()",
             "`PR26105(void)'::`1'::<lambda_0>::operator()(int) const"),
            ("?fun@PR18022@@YA?AU<unnamed-type-a>@1@U21@0@Z", "PR18022::fun",
             "PR18022::fun(PR18022::<unnamed-type-a>, PR18022::<unnamed-type-a>)"),
        ])
    }

    /// Calling conventions and access show only in the complete form.
    @Test func callingConventionsInCompleteForm() {
        let demangler = MSVCDemangler()
        let cases = [
            ("?f@@YAXXZ", "void __cdecl f(void)"), ("?f@@YGXXZ", "void __stdcall f(void)"),
            ("?f@@YIXXZ", "void __fastcall f(void)"), ("?f@@YQXXZ", "void __vectorcall f(void)"),
            ("?f@@YMXXZ", "void __clrcall f(void)"), ("?f@@YCXXZ", "void __pascal f(void)"),
            ("?f@S@@QAEXXZ", "public: void __thiscall S::f(void)"), ("?f@S@@IAEXXZ", "protected: void __thiscall S::f(void)"),
            ("?f@S@@AAEXXZ", "private: void __thiscall S::f(void)"), ("?f@S@@SAXXZ", "public: static void __cdecl S::f(void)"),
            ("?f@S@@UAEXXZ", "public: virtual void __thiscall S::f(void)"),
        ]
        for (mangled, complete) in cases {
            #expect(demangler.demangle(mangled, options: .complete) == complete)
            let name = mangled.hasPrefix("?f@S@@") ? "S::f" : "f"
            #expect(demangler.demangle(mangled, options: .nameOnly) == name)
            #expect(demangler.demangle(mangled, options: Self.withParameters) == name + "(void)")
        }
    }
}

@Suite struct MSVCDemanglerAPITests {
    @Test func recognizesMSVCShapes() {
        let demangler = MSVCDemangler()
        #expect(demangler.language == "msvc")
        for symbol in ["?x@@3HA", "??_7Base@@6B@", ".?AVGURL@@", ".?AU", "?h@@YAXH@Z\t", "?f@@YAXXZ \n", "??@abc@"] {
            #expect(demangler.recognizes(symbol), "\(symbol)")
        }
        for symbol in ["", "?", " ?x@@3HA", "_Z3foov", "main", ".?B", ".", "_RNvC1a1b", "$s4main", "+[Foo bar]"] {
            #expect(!demangler.recognizes(symbol), "\(symbol)")
        }
    }

    @Test func pluginRegistersUnderMSVC() throws {
        var registry = PluginRegistry()
        try DemangleMSVCPlugin.register(in: &registry)
        #expect(registry.demanglerOrder == ["msvc"])
        #expect(registry.demanglers["msvc"]?.language == "msvc")
        #expect(throws: RegistryError.self) { try DemangleMSVCPlugin.register(in: &registry) }
        let set = DemanglerSet(registry: registry, languages: ["msvc"])
        #expect(set.detect("??3@YAXPEAX@Z")?.language == "msvc")
        #expect(set.demangle("??3@YAXPEAX@Z", options: DemangleOptions()) == "operator delete(void*)")
        #expect(set.demangle("not_mangled", options: DemangleOptions()) == nil)
    }

    /// Trailing text after a complete name is rejected (LLVM accepts it with a warning).
    @Test func trailingCharactersAreRejected() {
        let demangler = MSVCDemangler()
        #expect(demangler.demangle("?x@@3HA", options: .complete) == "int x")
        #expect(demangler.demangle("?x@@3HAX", options: .complete) == nil)
        #expect(demangler.demangle("?x@@3HA+0x10", options: .complete) == nil)
    }
}
