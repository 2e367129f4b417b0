import CrashpipeCore
import Testing

struct PostfixTests {
    static func evaluate(_ text: String, _ values: [String: UInt64] = [:], pointerSize: Int = 8,
                         memory: [UInt64: UInt64] = [:]) -> UInt64? {
        guard let expression = PostfixExpression(parsing: text) else { return nil }
        return PostfixEvaluator(values: values, pointerSize: pointerSize, readMemory: { memory[$0] }).evaluate(expression)
    }

    @Test func arithmeticAndDereference() {
        #expect(Self.evaluate("$rsp 8 +", ["rsp": 0x1000]) == 0x1008)
        #expect(Self.evaluate(".cfa -8 + ^", [".cfa": 0x2010], memory: [0x2008: 0xfeed]) == 0xfeed)
        #expect(Self.evaluate("10 3 -") == 7)
        #expect(Self.evaluate("6 7 *") == 42)
        #expect(Self.evaluate("17 5 /") == 3)
        #expect(Self.evaluate("17 5 %") == 2)
        #expect(Self.evaluate("0x1237 16 @") == 0x1230)
        #expect(Self.evaluate("sp 0 +", ["sp": 5]) == 5, "names without $ are registers too")
    }

    @Test func thirtyTwoBitValuesWrap() {
        #expect(Self.evaluate("$esp 4 -", ["esp": 2], pointerSize: 4) == 0xffff_fffe)
        #expect(Self.evaluate("$esp 4 -", ["esp": 2], pointerSize: 8) == 0xffff_ffff_ffff_fffe)
    }

    @Test func failuresAreNilNotTraps() {
        #expect(Self.evaluate("1 0 /") == nil)
        #expect(Self.evaluate("1 0 %") == nil)
        #expect(Self.evaluate("5 3 @") == nil, "alignment must be a power of two")
        #expect(Self.evaluate("+") == nil)
        #expect(Self.evaluate("1 2") == nil, "two values left")
        #expect(Self.evaluate("$nope 1 +") == nil)
        #expect(Self.evaluate("8 ^") == nil, "unreadable memory")
        #expect(PostfixExpression(parsing: "   ") == nil)
    }

    /// Programs assign names; `=` glued to the next name (as some PDB converters write it) is
    /// split off, so `=$eip` works like `= $eip`.
    @Test func programsWithGluedAssignments() throws {
        let program = try #require(PostfixExpression(parsing: "$T0 $ebp 8 + =$eip $T0 4 + ^ =$ebp $T0 ^ = $esp $T0 8 + ="))
        var evaluator = PostfixEvaluator(values: ["ebp": 0x100], pointerSize: 4,
                                         readMemory: { [0x10c: 0x401000, 0x108: 0x200][$0] })
        let ran = evaluator.run(program)
        #expect(ran)
        #expect(evaluator.values["$T0"] == 0x108)
        #expect(evaluator.values["eip"] == 0x401000)
        #expect(evaluator.values["ebp"] == 0x200)
        #expect(evaluator.values["esp"] == 0x110)
    }

    @Test func tokenizerEdgeCases() throws {
        typealias T = PostfixExpression.Token
        #expect(PostfixExpression(parsing: "0x")?.tokens == [T.name("0x")])
        #expect(PostfixExpression(parsing: "-")?.tokens == [T.subtract])
        #expect(PostfixExpression(parsing: "-x")?.tokens == [T.name("-x")])
        #expect(PostfixExpression(parsing: "-8")?.tokens == [T.number(0 &- 8)])
        #expect(PostfixExpression(parsing: "0X1f 18446744073709551616")?.tokens == [T.number(0x1f), T.name("18446744073709551616")])
        #expect(PostfixExpression(parsing: "=$eip\t$T0\r\n^")?.tokens == [T.assign, T.name("$eip"), T.name("$T0"), T.dereference])
        #expect(PostfixExpression(parsing: "régistre 1 +")?.tokens == [T.name("régistre"), T.number(1), T.add])
        let rules = try #require(CallFrameRules(parsing: "  .cfa:\t$rsp 8 +   .ra: .cfa -8 + ^  "))
        #expect(rules.rules[".cfa"]?.description == "$rsp 8 +")
        #expect(rules.rules[".ra"]?.tokens.count == 4)
    }

    @Test func callFrameRulesGiveTheCallersRegisters() throws {
        var rules = try #require(CallFrameRules(parsing: ".cfa: $rsp 8 + .ra: .cfa -8 + ^"))
        let applied = rules.apply("$rbx: .cfa -16 + ^ .cfa: $rsp 16 +")
        #expect(applied)
        let layout = RegisterLayout(cpu: .amd64, names: ["rip", "rsp", "rbp", "rbx", "r12", "rax"],
                                    instructionPointer: "rip", stackPointer: "rsp", framePointer: "rbp")
        var callee = RegisterContext(layout: layout)
        callee["rip"] = 0x1000
        callee["rsp"] = 0x7000
        callee["r12"] = 12
        callee["rax"] = 1
        let memory: [UInt64: UInt64] = [0x7008: 0x401234, 0x7000: 0xb0b]
        let caller = try #require(rules.callerContext(of: callee, calleeSaved: ["r12", "rbx"], readMemory: { memory[$0] }))
        #expect(caller["rsp"] == 0x7010)
        #expect(caller["rip"] == 0x401234)
        #expect(caller["rbx"] == 0xb0b)
        #expect(caller["r12"] == 12)
        #expect(caller["rax"] == nil)
    }

    @Test func malformedRuleListsAreRejected() {
        for text in ["", ".cfa:", "$rsp 8 +", ".cfa: $rsp 8 + .ra:", ": 1"] {
            #expect(CallFrameRules(parsing: text) == nil, "accepted \(text)")
        }
    }

    /// Random token soup never traps and never loops.
    @Test func randomProgramsTerminate() {
        let tokens = ["+", "-", "*", "/", "%", "@", "^", "=", "$eip", "$esp", "$T0", ".cfa", "0", "1", "-8", "0xff",
                      "=$ebp", "4294967295", "18446744073709551615", "x"]
        var state: UInt64 = 12345
        for _ in 0..<5000 {
            var words: [String] = []
            for _ in 0..<Int(state % 12) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                words.append(tokens[Int(state >> 33) % tokens.count])
            }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            guard let expression = PostfixExpression(parsing: words.joined(separator: " ")) else { continue }
            var evaluator = PostfixEvaluator(values: ["eip": 1, "esp": 2], pointerSize: 4, readMemory: { $0 < 100 ? $0 : nil })
            _ = evaluator.evaluate(expression)
            _ = evaluator.run(expression)
        }
    }
}
