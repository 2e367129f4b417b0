import CrashpipeCore
import DemangleMSVC
import Foundation

/// MSVC demangling throughput: names per second, one thread, no caching, for each output
/// form, on typical names (functions and members of STL-heavy C++ code as found in PDBs and
/// Breakpad symbol files, plus vftables, RTTI, thunks and string literals), on LLVM's test
/// vectors when `Tests/Fixtures` is reachable, and on hostile inputs (to show their bounded
/// cost). Each measurement runs about a second.
func benchmarkMSVCDemangle() throws {
    let typical = MSVCDemangleBenchmark.typicalNames
    let demangler = MSVCDemangler()
    print("msvc demangle (single thread, no cache)")
    let forms: [(String, DemangleOptions)] = [
        ("complete", .complete),
        ("with parameters", DemangleOptions(parameters: true, full: false)),
        ("name only", .nameOnly),
    ]
    for (label, options) in forms {
        MSVCDemangleBenchmark.measure("typical, \(label)", typical) { demangler.demangle($0, options: options) }
    }
    if let vectors = MSVCDemangleBenchmark.llvmVectors() {
        MSVCDemangleBenchmark.measure("LLVM ms-*.test vectors, complete", vectors) { demangler.demangle($0, options: .complete) }
    }
    for (label, name) in MSVCDemangleBenchmark.hostileNames {
        MSVCDemangleBenchmark.measure("hostile: \(label)", [name]) { demangler.demangle($0, options: .complete) }
    }
}

enum MSVCDemangleBenchmark {
    static let typicalNames = [
        "??3@YAXPEAX@Z",
        "?LoadV8Snapshot@V8Initializer@gin@@SAXXZ",
        "??9@YA_NAEBVGURL@@0@Z",
        "??_GAtomSandboxedRenderFrameObserver@?A0x77c58568@atom@@UEAAPEAXI@Z",
        "??1?$map@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@_NU?$less@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@@2@V?$allocator@U?$pair@V?$basic_string@DU?$char_traits@D@std@@V?$allocator@D@2@@std@@_N@std@@@2@@std@@QAE@XZ",
        "?begin@?$vector@Urule_t@cGram@@V?$allocator@Urule_t@cGram@@@std@@@std@@QAE?AV?$_Vector_iterator@Urule_t@cGram@@V?$allocator@Urule_t@cGram@@@std@@@2@XZ",
        "?erase@?$vector@IV?$allocator@I@std@@@std@@QAE?AV?$_Vector_iterator@IV?$allocator@I@std@@@2@V32@0@Z",
        "??G?$_Vector_const_iterator@Utype_t@cName@@V?$allocator@Utype_t@cName@@@std@@@std@@QBEHABV01@@Z",
        "?AddEmitPasses@EmitAssemblyHelper@?A0x43583946@@AEAA_NAEAVPassManager@legacy@llvm@@W4BackendAction@clang@@AEAVraw_pwrite_stream@5@PEAV85@@Z",
        "??$forward@P8?$DecoderStream@$01@media@@AEXXZ@std@@YA$$QAP8?$DecoderStream@$01@media@@AEXXZAAP812@AEXXZ@Z",
        "?foobarbazqux@NB@PR13207@@YAXV?$Y@VX@NB@PR13207@@@12@V?$Y@V?$Y@VX@NB@PR13207@@@NB@PR13207@@@NA@2@V412@2V?$Y@V?$Y@V?$Y@VX@NB@PR13207@@@NB@PR13207@@@NB@PR13207@@@52@@Z",
        "??0?$deque@Ugelem_t@cGram@@V?$allocator@Ugelem_t@cGram@@@std@@@std@@QAE@XZ",
        "?fn@?$klass@H@ns@@QEBAIXZ",
        "??4klass@@QEAAAEBV0@AEBV0@@Z",
        "?h3@@YAP6APAHPAH0@ZP6APAH00@Z10@Z",
        "??_7type_info@@6B@",
        "??_R4Base@@6B@",
        "??_R1A@?0A@EA@?$basic_iostream@DU?$char_traits@D@std@@@std@@8",
        ".?AV?$vector@HV?$allocator@H@std@@@std@@",
        "?f@C@@WBA@EAAHXZ",
        "??_EDerived@@$4PPPPPPPM@A@EAAPEAXI@Z",
        "??_C@_0CF@LABBIIMO@012345678901234567890123456789AB@",
        "??_B?1??getS@@YAAAUS@@XZ@51",
        "??__F_decisionToDFA@XPathLexer@@0V?$vector@VDFA@dfa@antlr4@@V?$allocator@VDFA@dfa@antlr4@@@std@@@std@@A@YAXXZ",
        "??R<lambda_1>@?0???R<lambda_0>@?0??PR26105@@YAHXZ@QBE@H@Z@QBE@H@Z",
        "?x@ns@@3PEAV?$klass@HH@1@EA",
    ]

    /// Inputs that hit the limits: deep nesting, a long parameter list, a back-reference bomb.
    static var hostileNames: [(String, String)] {
        var bomb = "PAH"
        for index in 0..<9 { bomb += "P6AX\(index)\(index)@Z" }
        return [
            ("10k nested templates", "?x@@3" + String(repeating: "V?$A@", count: 10_000) + "H"
                + String(repeating: "@@", count: 10_000) + "A"),
            ("10k nested function pointers", "?f@@YA" + String(repeating: "P6A", count: 10_000) + "H"
                + String(repeating: "XZ", count: 10_000) + "XZ"),
            ("60k parameters", "?f@@YAX" + String(repeating: "H", count: 60_000) + "@Z"),
            ("back-reference bomb", "?f@@YAX" + bomb + String(repeating: "9", count: 20_000) + "@Z"),
            ("100k characters", "?" + String(repeating: "a", count: 100_000)),
        ]
    }

    /// The mangled names of `Tests/Fixtures/llvm/demangle/ms-undname.json`, if present.
    static func llvmVectors() -> [String]? {
        guard let data = FileManager.default.contents(atPath: "Tests/Fixtures/llvm/demangle/ms-undname.json"),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let groups = root["groups"] as? [[String: Any]] else { return nil }
        return groups.flatMap { ($0["cases"] as? [[String: String]] ?? []).compactMap { $0["mangled"] } }
    }

    /// Names per second for `demangle` over `names`; prints one line.
    static func measure(_ label: String, _ names: [String], _ demangle: (String) -> String?) {
        let clock = ContinuousClock()
        var rounds = 0, produced = 0
        let start = clock.now
        repeat {
            for name in names where demangle(name) != nil { produced += 1 }
            rounds += 1
        } while clock.now - start < .seconds(1)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(rounds * names.count) / seconds
        let padded = label.count < 36 ? label + String(repeating: " ", count: 36 - label.count) : label
        print("  " + padded + String(format: " %10.0f names/s  %9.2f µs/name  (%d names, %d%% demangled)",
                                     rate, 1e6 / rate, names.count, produced * 100 / max(1, rounds * names.count)))
    }
}
