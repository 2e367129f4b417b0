import CrashpipeCore
import Foundation
import SymbolsBreakpad
import TestSupport
import Testing

/// STACK CFI: the rules in effect at an address, evaluated with `CallFrameRules.callerContext`.
struct CFITests {
    /// ld-2.13.so: `STACK CFI INIT b70 69 .cfa: $rsp 8 + .ra: .cfa -8 + ^` then
    /// `b71 .cfa: $rsp 16 +`, `b74 $rbx: .cfa -16 + ^`, `b7e .cfa: $rsp 48 +`.
    @Test func ldStackPointerBasedRules() throws {
        let symbols = try loadSymbols("breakpad/symbols/ld-2.13.so/C32AD7E235EA6112E02A5B9D6219C4850/ld-2.13.so.sym")
        #expect(symbols.problems.isEmpty)
        let stack: [UInt64: UInt64] = [0x7fff_1000: 0x7f00_0000_4444, 0x7fff_1008: 0x4005d3,
                                       0x7fff_1020: 0x5555_0000_1234, 0x7fff_1028: 0x40_1abc]
        let read: (UInt64) -> UInt64? = { stack[$0] }

        // At the entry: the return address is at the stack pointer.
        let entry = try #require(symbols.callFrameInfo(at: 0xb70))
        let callee0 = context(TestLayouts.amd64, ["rip": 0xb70, "rsp": 0x7fff_1000, "rbx": 0x99])
        let caller0 = try #require(entry.callerContext(of: callee0, calleeSaved: ["rbx"], readMemory: read))
        #expect(caller0["rsp"] == 0x7fff_1008)
        #expect(caller0["rip"] == 0x7f00_0000_4444)
        #expect(caller0["rbx"] == 0x99)

        // After the push of rbx (delta b71 applies, b74 not yet): cfa = rsp + 16.
        let pushed = try #require(symbols.callFrameInfo(at: 0xb73))
        #expect(pushed.rules[".cfa"] == PostfixExpression(parsing: "$rsp 16 +"))
        #expect(pushed.rules["$rbx"] == nil)
        let caller1 = try #require(pushed.callerContext(of: context(TestLayouts.amd64, ["rsp": 0x7fff_0ff8]),
                                                        readMemory: read))
        #expect(caller1["rsp"] == 0x7fff_1008 && caller1["rip"] == 0x7f00_0000_4444)

        // Deep in the body: cfa = rsp + 48, rbx saved at cfa - 16.
        let body = try #require(symbols.callFrameInfo(at: 0xbd8))
        let callee2 = context(TestLayouts.amd64, ["rip": 0xbd8, "rsp": 0x7fff_1000, "rbx": 0x77])
        let caller2 = try #require(body.callerContext(of: callee2, readMemory: read))
        #expect(caller2["rsp"] == 0x7fff_1030)
        #expect(caller2["rip"] == 0x40_1abc)
        #expect(caller2["rbx"] == 0x5555_0000_1234)
        #expect(caller2["rbp"] == nil)

        // b70 + 69 = bd9: the next INIT starts at be0; nothing in between.
        #expect(symbols.callFrameInfo(at: 0xbd9) == nil)
        #expect(symbols.callFrameInfo(at: 0xbdf) == nil)
        #expect(symbols.callFrameInfo(at: 0xbe0) != nil)
        #expect(symbols.callFrameInfo(at: 0xb3f) == nil)
    }

    /// symbolic's linux crash.sym: `STACK CFI INIT 1c70 14c …`, frame-pointer based after 1c86.
    @Test func crashFramePointerBasedRules() throws {
        let symbols = try loadSymbols("symbolic/debug-files/linux/crash.sym")
        #expect(symbols.problems.isEmpty)
        let rbp: UInt64 = 0x7ffd_2000
        let memory: [UInt64: UInt64] = [rbp: 0x7ffd_2100, rbp + 8: 0x55_0000_1d2e, rbp - 8: 0xaaaa, rbp - 16: 0xbbbb]
        let callee = context(TestLayouts.amd64, ["rip": 0x1d00, "rsp": rbp - 0x40, "rbp": rbp, "rbx": 1, "r14": 2])
        let rules = try #require(symbols.callFrameInfo(at: 0x1d00))
        #expect(rules.rules[".cfa"] == PostfixExpression(parsing: "$rbp 16 +"))
        let caller = try #require(rules.callerContext(of: callee, readMemory: { memory[$0] }))
        #expect(caller["rsp"] == rbp + 16)
        #expect(caller["rip"] == 0x55_0000_1d2e)
        #expect(caller["rbp"] == 0x7ffd_2100)
        #expect(caller["r14"] == 0xaaaa)
        #expect(caller["rbx"] == 0xbbbb)

        // At 1da3 the frame is torn down (cfa = rsp + 8); at 1da4 it is rbp-based again.
        #expect(symbols.callFrameInfo(at: 0x1da3)?.rules[".cfa"] == PostfixExpression(parsing: "$rsp 8 +"))
        #expect(symbols.callFrameInfo(at: 0x1da4)?.rules[".cfa"] == PostfixExpression(parsing: "$rbp 16 +"))
        #expect(symbols.callFrameInfo(at: 0x1dbb)?.rules[".cfa"] == PostfixExpression(parsing: "$rbp 16 +"))
        #expect(symbols.callFrameInfo(at: 0x1dbc) == nil)
    }

    /// Every INIT and delta of symbolic's CFI listing for crash.sym: the rules at its address
    /// are the INIT rules with every delta up to that address applied.
    @Test func everyRangeOfSymbolicsListing() throws {
        let symbols = try loadSymbols("symbolic/debug-files/linux/crash.sym")
        let text = try String(contentsOfFile: Fixtures.path("symbolic/expected/cfi/linux__crash.sym.cfi.txt"),
                              encoding: .utf8)
        var current: (start: UInt64, end: UInt64, rules: CallFrameRules)?
        var checked = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            if line.hasPrefix("STACK CFI INIT ") {
                let parts = line.split(separator: " ", maxSplits: 5)
                let start = try #require(UInt64(parts[3], radix: 16))
                let size = try #require(UInt64(parts[4], radix: 16))
                let rules = try #require(CallFrameRules(parsing: parts[5]))
                current = (start, start + size, rules)
                #expect(symbols.callFrameInfo(at: start) == rules)
                #expect(symbols.callFrameInfo(at: start + size - 1) != nil)
                checked += 1
            } else if line.hasPrefix("STACK CFI "), var range = current {
                let address = try #require(UInt64(fields[2], radix: 16))
                let applied = range.rules.apply(fields[3])
                #expect(applied)
                current = range
                #expect(symbols.callFrameInfo(at: address) == range.rules, "at \(String(address, radix: 16))")
                #expect(address < range.end)
                checked += 1
            }
        }
        #expect(checked > 500)
        #expect(symbols.recordCounts.cfiRanges == 162)
    }

    /// Deltas out of order in the file still apply in address order; a delta outside its INIT
    /// range never applies; a malformed INIT gives no rules.
    @Test func deltaOrderAndBounds() throws {
        let symbols = parseSymbols("""
            MODULE Linux x86_64 0 test
            STACK CFI INIT 1000 20 .cfa: $rsp 8 + .ra: .cfa -8 + ^
            STACK CFI 1010 .cfa: $rsp 24 +
            STACK CFI 1004 .cfa: $rsp 16 +
            STACK CFI 1030 .cfa: $rsp 99 +
            STACK CFI INIT 2000 10 .cfa: $rsp
            STACK CFI INIT 3000 10 not rules at all
            """)
        #expect(symbols.problems.isEmpty)
        #expect(symbols.callFrameInfo(at: 0x1003)?.rules[".cfa"] == PostfixExpression(parsing: "$rsp 8 +"))
        #expect(symbols.callFrameInfo(at: 0x1004)?.rules[".cfa"] == PostfixExpression(parsing: "$rsp 16 +"))
        #expect(symbols.callFrameInfo(at: 0x101f)?.rules[".cfa"] == PostfixExpression(parsing: "$rsp 24 +"))
        #expect(symbols.callFrameInfo(at: 0x1020) == nil)
        // Rules are parsed on lookup: a rule list missing `.ra` parses but cannot give a caller.
        let partial = try #require(symbols.callFrameInfo(at: 0x2000))
        #expect(partial.callerContext(of: context(TestLayouts.amd64, ["rsp": 0x100]), readMemory: { _ in 0 }) == nil)
        #expect(symbols.callFrameInfo(at: 0x3000) == nil)
    }
}
