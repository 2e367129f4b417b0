import CrashpipeCore
import Foundation
@testable import SymbolsBreakpad
import TestSupport
import Testing

/// The byte-level CFI rule reader gives what Core's `CallFrameRules` parser gives.
struct CFIRuleTextTests {
    /// Core's answer and ours for `text` added to `base`: (success, rules).
    func both(_ text: String, base: [String: PostfixExpression] = [:]) -> (core: [String: PostfixExpression]?, fast: [String: PostfixExpression]?, deferred: Bool) {
        var core = CallFrameRules(rules: base)
        let coreResult = core.apply(text) ? core.rules : nil
        var fast = base
        let bytes = Array(text.utf8)
        let fastResult = bytes.withUnsafeBytes { CFIRuleText.parse($0, into: &fast) }
        guard let fastResult else { return (coreResult, nil, true) }
        return (coreResult, fastResult ? fast : nil, false)
    }

    @Test(arguments: [
        ".cfa: $rsp 8 + .ra: .cfa -8 + ^",
        ".cfa: $esp 4 + .ra: .cfa 4 - ^",
        "$ebp: .cfa 8 - ^ .cfa: $ebp 8 +",
        ".cfa: sp 16 + .ra: .cfa -8 + ^ x29: .cfa -16 + ^",
        ".cfa: $rsp 0x10 + .ra: .cfa 0X8 - ^",
        ".cfa: $rsp 99999999999999999999 +",
        ".cfa: $rsp 0xfffffffffffffffff +",
        ".cfa: $rsp -18446744073709551615 +",
        ".cfa: $rsp 12abc +",
        ".cfa: $rsp 1x5 +",
        ".cfa: $rsp 0x +",
        ".cfa: $rsp -x +",
        ".cfa: $rsp @ % / * ^ =",
        ".cfa: =$rsp ==",
        "$T0 .raSearch = $eip $T0 ^ =",
        ".cfa:",
        ".cfa: $rsp 8 + .ra:",
        "$rsp 8 + .cfa:",
        ":: 1 2",
        ".cfa:\t$rsp\t8\r+",
        "   ",
        "",
        ".cfa: $rsp 8 + .cfa: $rbp 16 +",
    ])
    func sameAsCore(_ text: String) {
        let result = both(text)
        #expect(!result.deferred, "\(text)")
        #expect(result.core == result.fast, "\(text)")
        let onTop = both(text, base: [".ra": PostfixExpression(parsing: ".cfa -8 + ^")!, "$rbx": PostfixExpression(parsing: "1")!])
        #expect(onTop.core == onTop.fast, "\(text) over earlier rules")
    }

    @Test(arguments: [".cfa: $rsp -+8 +", ".cfa: $rsp 0x-1 +", ".cfa: $rsp é +"])
    func leftToCore(_ text: String) {
        #expect(both(text).deferred)
    }

    /// Every STACK CFI text of the fixtures.
    @Test func everyFixtureRuleText() throws {
        var count = 0
        for path in ["symbolic/debug-files/linux/crash.sym", "breakpad/sym-parser/module1.out",
                     "breakpad/symbols/ld-2.13.so/C32AD7E235EA6112E02A5B9D6219C4850/ld-2.13.so.sym",
                     "rust-minidump/symbols/crash-client/509C0610949836F7B70BD88BCF03E5400/crash-client.sym"] {
            let text = try String(contentsOfFile: Fixtures.path(path), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("STACK CFI ") {
                let fields = line.hasPrefix("STACK CFI INIT ") ? 5 : 3
                let rules = String(line.split(separator: " ", maxSplits: fields).last ?? "")
                let result = both(rules)
                #expect(!result.deferred)
                #expect(result.core != nil && result.core == result.fast, "\(line)")
                count += 1
            }
        }
        #expect(count > 2000)
    }
}
