import CrashpipeCore
import DemangleMSVC
import Testing

/// `full: true` must equal llvm-undname's complete output exactly (not only contain it, as
/// LLVM's FileCheck tests check). Expected strings are from avast/retdec
/// tests/demangler/llvm_microsoft_demangler_tests.cpp @ 4c38c9dae888 (MIT), whose `DEM_EQ`
/// asserts the whole output of LLVM's MicrosoftDemangle, grouped here by construct.
@Suite struct UndnameExactTests {
    static func check(_ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        let demangler = MSVCDemangler()
        for (mangled, expected) in pairs {
            #expect(demangler.demangle(mangled, options: .complete) == expected, "\(mangled)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func functionsAccessAndCallingConventions() {
        Self.check([
            ("??D@YAPAXI@Z", "void * __cdecl operator*(unsigned int)"),
            ("?x@@YAXMH@Z", "void __cdecl x(float, int)"),
            ("??0klass@@QEAA@XZ", "public: __cdecl klass::klass(void)"),
            ("??1klass@@QEAA@XZ", "public: __cdecl klass::~klass(void)"),
            ("?fn@?$klass@H@ns@@QEBAIXZ", "public: unsigned int __cdecl ns::klass<int>::fn(void) const"),
            ("?mbb@S@@QAEX_N0@Z", "public: void __thiscall S::mbb(bool, bool)"),
            ("?d@foo@@0FB", "private: static short const foo::d"),
            ("?e@foo@@1JC", "protected: static long volatile foo::e"),
            ("?f@foo@@2DD", "public: static char const volatile foo::f"),
            ("?static_method@foo@@SAPEAV1@XZ", "public: static class foo * __cdecl foo::static_method(void)"),
            ("?beta@@YI_N_J_W@Z", "bool __fastcall beta(__int64, wchar_t)"),
            ("?alpha@@YGXMN@Z", "void __stdcall alpha(float, double)"),
            ("?vector_func@@YQXXZ", "void __vectorcall vector_func(void)"),
            ("?bar@Foo@@SGXXZ", "public: static void __stdcall Foo::bar(void)"),
            ("?bar@Foo@@QAGXXZ", "public: void __stdcall Foo::bar(void)"),
            ("??1Base@@UEAA@XZ", "public: virtual __cdecl Base::~Base(void)"),
            ("?overloaded_fn@@$$J0YAXXZ", "extern \"C\" void __cdecl overloaded_fn(void)"),
            ("?foo@A@PR19361@@QIGAEXXZ", "public: void __thiscall PR19361::A::foo(void) __restrict &"),
            ("?foo@A@PR19361@@QIHAEXXZ", "public: void __thiscall PR19361::A::foo(void) __restrict &&"),
            ("?unaligned_foo8@unaligned_foo8_S@@QFCEXXZ",
             "public: void __thiscall unaligned_foo8_S::unaligned_foo8(void) volatile __unaligned"),
            ("?a@@YAXP6AHX_E@Z", "void __cdecl a(int (__cdecl *)(void) noexcept)"),
            ("?ee@?$e@$$A6AXX_E@@EEAAXXZ", "private: virtual void __cdecl e<void __cdecl(void) noexcept>::ee(void)"),
        ])
    }

    @Test func thunksAndAdjustors() {
        Self.check([
            ("?f@C@@WBA@EAAHXZ", "[thunk]: public: virtual int __cdecl C::f`adjustor{16}'(void)"),
            ("??_EDerived@@$4PPPPPPPM@A@EAAPEAXI@Z",
             "[thunk]: public: virtual void * __cdecl Derived::`vector deleting dtor'`vtordisp{-4, 0}'(unsigned int)"),
            ("?f@A@simple@@$R477PPPPPPPM@7AEXXZ",
             "[thunk]: public: virtual void __thiscall simple::A::f`vtordispex{8, 8, -4, 8}'(void)"),
            ("??_9Base@@$B7AA", "[thunk]: __cdecl Base::`vcall'{8, {flat}}"),
            ("??_EBase@@G3AEPAXI@Z",
             "[thunk]: private: void * __thiscall Base::`vector deleting dtor'`adjustor{4}'(unsigned int)"),
        ])
    }

    @Test func pointersReferencesQualifiersArrays() {
        Self.check([
            ("?x@@3PEAY02$$CBHEA", "int const (*x)[3]"),
            ("?x@@3PEAY1NKM@5HEA", "int (*x)[3500][6]"),
            ("?x@@3AEBHEB", "int const &x"),
            ("?h3@@3QEIAHEIA", "int *const __restrict h3"),
            ("?s5@PR13182@@3SDDD", "char const volatile *const volatile PR13182::s5"),
            ("?s6@PR13182@@3PBQBDB", "char const *const *PR13182::s6"),
            ("?color3@@3QAY02$$CBNA", "double const (*const color3)[3]"),
            ("?$RT1@NeedsReferenceTemporary@@3AEBHEB", "int const &NeedsReferenceTemporary::$RT1"),
            ("?RRef@@YAH$$QAH@Z", "int __cdecl RRef(int &&)"),
            ("?foo_qay144cbh@@YAX$$QEAY144$$CBH@Z", "void __cdecl foo_qay144cbh(int const (&&)[5][5])"),
            ("?foo_q6ahxz@@YAX$$Q6AHXZ@Z", "void __cdecl foo_q6ahxz(int (__cdecl &&)(void))"),
            ("?unaligned_foo5@@YAXPIFAH@Z", "void __cdecl unaligned_foo5(int __unaligned *__restrict)"),
            ("?h1@@YAAIAHXZ", "int &__restrict __cdecl h1(void)"),
            ("?f10@@YAPIQS@@HXZ", "int S::*__restrict __cdecl f10(void)"),
            ("?f11@@YAQIQS@@HXZ", "int S::*const __restrict __cdecl f11(void)"),
            ("?Null@@YAX$$T@Z", "void __cdecl Null(std::nullptr_t)"),
        ])
    }

    @Test func functionAndMemberPointers() {
        Self.check([
            ("?FunArr@@3PAY0BE@P6AHHH@ZA", "int (__cdecl *(*FunArr)[20])(int, int)"),
            ("?funptr@@YAP6AHXZXZ", "int (__cdecl * __cdecl funptr(void))(void)"),
            ("?h3@@YAP6APAHPAH0@ZP6APAH00@Z10@Z",
             "int * (__cdecl * __cdecl h3(int * (__cdecl *)(int *, int *), int * (__cdecl *)(int *, int *), int *))(int *, int *)"),
            ("?k@@3PETfoo@@DET1@", "char const volatile foo::*k"),
            ("?l@@3P8foo@@AEHH@ZQ1@", "int (__thiscall foo::*l)(int)"),
            ("?memptrtofun7@@3R8B@@EAAP6AHXZXZEQ1@", "int (__cdecl * (__cdecl B::*volatile memptrtofun7)(void))(void)"),
            ("?Q@@3$$QEAP8Foo@@EAAXXZEA", "void (__cdecl Foo::*&&Q)(void)"),
            ("??$forward@P8?$DecoderStream@$01@media@@AEXXZ@std@@YA$$QAP8?$DecoderStream@$01@media@@AEXXZAAP812@AEXXZ@Z",
             "void (__thiscall media::DecoderStream<2>::*&& __cdecl std::forward<void (__thiscall media::DecoderStream<2>::*)(void)>(void (__thiscall media::DecoderStream<2>::*&)(void)))(void)"),
        ])
    }

    @Test func templatesAndBackReferences() {
        Self.check([
            ("?foo_abbb@@YAXV?$A@V?$B@D@@V1@V1@@@@Z",
             "void __cdecl foo_abbb(class A<class B<char>, class B<char>, class B<char>>)"),
            ("?erase@?$vector@IV?$allocator@I@std@@@std@@QAE?AV?$_Vector_iterator@IV?$allocator@I@std@@@2@V32@0@Z",
             "public: class std::_Vector_iterator<unsigned int, class std::allocator<unsigned int>> __thiscall std::vector<unsigned int, class std::allocator<unsigned int>>::erase(class std::_Vector_iterator<unsigned int, class std::allocator<unsigned int>>, class std::_Vector_iterator<unsigned int, class std::allocator<unsigned int>>)"),
            ("??G?$_Vector_const_iterator@Utype_t@cName@@V?$allocator@Utype_t@cName@@@std@@@std@@QBEHABV01@@Z",
             "public: int __thiscall std::_Vector_const_iterator<struct cName::type_t, class std::allocator<struct cName::type_t>>::operator-(class std::_Vector_const_iterator<struct cName::type_t, class std::allocator<struct cName::type_t>> const &) const"),
            ("??0?$deque@Ugelem_t@cGram@@V?$allocator@Ugelem_t@cGram@@@std@@@std@@QAE@XZ",
             "public: __thiscall std::deque<struct cGram::gelem_t, class std::allocator<struct cGram::gelem_t>>::deque<struct cGram::gelem_t, class std::allocator<struct cGram::gelem_t>>(void)"),
            ("??$f@US@@$1?g@1@QEAAXXZ@@YAXXZ", "void __cdecl f<struct S, &public: void __cdecl S::g(void)>(void)"),
            ("??$?0N@?$Foo@H@@QEAA@N@Z", "public: __cdecl Foo<int>::Foo<int><double>(double)"),
            ("??$variadic_fn_template@HHD$$BY01D@@YAXABH0ABDAAY01$$CBD@Z",
             "void __cdecl variadic_fn_template<int, int, char, char[2]>(int const &, int const &, char const &, char const (&)[2])"),
            ("??$WithPMD@$GA@A@?0@@3HA", "int WithPMD<{0, 0, -1}>"),
            ("?Zoo@@3U?$Foo@$1??$x@H@@3HA$1?1@3HA@@A", "struct Foo<&int x<int>, &int x<int>> Zoo"),
            ("?n@@3U?$J@UN@@$HA@@@A", "struct J<struct N, {0}> n"),
            ("?o@@3U?$J@UO@@$IA@A@@@A", "struct J<struct O, {0, 0}> o"),
            ("?p@@3U?$J@UP@@$JA@A@?0@@A", "struct J<struct P, {0, 0, -1}> p"),
            ("?f@UnnamedType@@YAXQAPAU<unnamed-type-T1>@S@1@@Z",
             "void __cdecl UnnamedType::f(struct UnnamedType::S::<unnamed-type-T1> **const)"),
        ])
    }

    @Test func conversionOperators() {
        Self.check([
            ("??$?BH@TemplateOps@@QAEHXZ", "public: int __thiscall TemplateOps::operator<int> int(void)"),
            ("??BOps@@QAEHXZ", "public: int __thiscall Ops::operator int(void)"),
            ("??BConstOps@@QAE?BHXZ", "public: int const __thiscall ConstOps::operator int const(void)"),
            ("??BCompoundTypeOps@@QAEPBHXZ", "public: int const * __thiscall CompoundTypeOps::operator int const *(void)"),
            ("??BCompoundTypeOps@@QAE$$QAHXZ", "public: int && __thiscall CompoundTypeOps::operator int &&(void)"),
            ("??$?BH@CompoundTypeOps@@QAE?AU?$Bar@U?$Foo@H@@@@XZ",
             "public: struct Bar<struct Foo<int>> __thiscall CompoundTypeOps::operator<int> struct Bar<struct Foo<int>>(void)"),
        ])
    }

    @Test func specialMembersRTTIAndLocals() {
        Self.check([
            ("??_DcGram@@UAEPAXI@Z", "public: virtual void * __thiscall cGram::`vbase dtor'(unsigned int)"),
            ("??_7type_info@@6B@", "const type_info::`vftable'"),
            ("??_R1A@?0A@EA@?$basic_iostream@DU?$char_traits@D@std@@@std@@8",
             "std::basic_iostream<char, struct std::char_traits<char>>::`RTTI Base Class Descriptor at (0, -1, 0, 64)'"),
            ("??_R3bad_alloc@std@@8", "std::bad_alloc::`RTTI Class Hierarchy Descriptor'"),
            ("??_R0?AUBase@@@8", "struct Base `RTTI Type Descriptor'"),
            ("??_R4Base@@6B@", "const Base::`RTTI Complete Object Locator'"),
            ("??_B?1??getS@@YAAAUS@@XZ@51", "`struct S & __cdecl getS(void)'::`2'::`local static guard'{2}"),
            ("?local@?1??extern_c_func@@9@4HA", "int `extern \"C\" extern_c_func'::`2'::local"),
            ("?v@?1???$f@H@@YAHXZ@4U<unnamed-type-v>@?1???$f@H@@YAHXZ@A",
             "struct `int __cdecl f<int>(void)'::`2'::<unnamed-type-v> `int __cdecl f<int>(void)'::`2'::v"),
            ("?lambda@?1??define_lambda@@YAHXZ@4V<lambda_1>@?0??1@YAHXZ@A",
             "class `int __cdecl define_lambda(void)'::`1'::<lambda_1> `int __cdecl define_lambda(void)'::`2'::lambda"),
            ("?local@?2???R<lambda_1>@?0??define_lambda@@YAHXZ@QBE@XZ@4HA",
             "int `public: __thiscall `int __cdecl define_lambda(void)'::`1'::<lambda_1>::operator()(void) const'::`3'::local"),
            ("??__EFoo@@YAXXZ", "void __cdecl `dynamic initializer for 'Foo''(void)"),
            ("??__K_deg@@YAHO@Z", "int __cdecl operator \"\"_deg(long double)"),
            ("?AddEmitPasses@EmitAssemblyHelper@?A0x43583946@@AEAA_NAEAVPassManager@legacy@llvm@@W4BackendAction@clang@@AEAVraw_pwrite_stream@5@PEAV85@@Z",
             "private: bool __cdecl `anonymous namespace'::EmitAssemblyHelper::AddEmitPasses(class llvm::legacy::PassManager &, enum clang::BackendAction, class llvm::raw_pwrite_stream &, class llvm::raw_pwrite_stream *)"),
        ])
    }

    @Test func stringLiterals() {
        Self.check([
            ("??_C@_0CF@LABBIIMO@012345678901234567890123456789AB@", "\"012345678901234567890123456789AB\"..."),
            ("??_C@_02PCEFGMJL@hi?$AA@", "\"hi\""),
            ("??_C@_05OMLEGLOC@h?$AAi?$AA?$AA?$AA@", "u\"hi\""),
            ("??_C@_0M@GFNAJIPG@h?$AA?$AA?$AAi?$AA?$AA?$AA?$AA?$AA?$AA?$AA@", "U\"hi\""),
            ("??_C@_0CG@HJGBPLNO@l?$AAo?$AAo?$AAk?$AAA?$AAh?$AAe?$AAa?$AAd?$AAH?$AAa?$AAr?$AAd?$AAB?$AAr?$AAe?$AA@",
             "u\"lookAheadHardBre\"..."),
        ])
    }
}
