import CrashpipeCore
import SymbolsBreakpad
import TestSupport
import Testing

/// Broken symbol files give problems (with the line) and a usable rest; never a crash or a hang.
struct MalformedInputTests {
    /// One record of every kind, with lookups that work when the file is intact.
    static let template = """
        MODULE Linux x86_64 BBA6FA10B8AAB33D00000000000000000 linux_inline
        INFO CODE_ID 10FAA6BBAAB83DB3 linux_inline
        INFO GENERATOR some tool 1.0
        FILE 0 linux_inline.cpp
        FILE 1 a.cpp
        INLINE_ORIGIN 0 bar()
        INLINE_ORIGIN 1 0 foo()
        FUNC m 15b30 6cf 0 main
        INLINE 0 42 1 1 15b45 6b1
        INLINE 1 39 0 15b72 684
        15b30 15 41 0
        15b45 11 36 0
        FUNC 16200 10 4 other
        PUBLIC m 17000 0 public_one
        PUBLIC 18000 8 public_two
        STACK CFI INIT 15b30 6cf .cfa: $rsp 8 + .ra: .cfa -8 + ^
        STACK CFI 15b31 .cfa: $rsp 16 +
        STACK WIN 4 20000 10 1 0 0 0 0 0 1 $eip 4 + ^ =
        STACK WIN 0 21000 10 1 0 4 0 0 0 0 1
        """

    static var templateLines: [String] { template.split(separator: "\n").map(String.init) }

    /// Runs every kind of lookup over interesting addresses.
    @discardableResult
    static func exercise(_ symbols: BreakpadSymbols) -> Int {
        var found = 0
        for address: UInt64 in [0, 1, 0x15b30, 0x15b46, 0x15b80, 0x16205, 0x17001, 0x18000, 0x20000, 0x21000,
                                0xffff_ffff, .max - 1, .max] {
            if symbols.lookup(address) != nil { found += 1 }
            if symbols.callFrameInfo(at: address) != nil { found += 1 }
            if symbols.windowsFrameInfo(at: address) != nil { found += 1 }
            if symbols.hasFunction(at: address) { found += 1 }
        }
        _ = symbols.problems
        _ = symbols.module
        return found
    }

    @Test func templateIsValid() throws {
        let symbols = parseSymbols(Self.template)
        #expect(symbols.problems.isEmpty)
        let main = try #require(symbols.lookup(0x15b80))
        #expect(main.function == "main" && main.line == 42 && main.file == "a.cpp")
        #expect(main.inlines.map(\.function) == ["bar()", "foo()"])
        #expect(symbols.lookup(0x17001)?.function == "public_one")
        #expect(symbols.callFrameInfo(at: 0x15b31)?.rules[".cfa"] == PostfixExpression(parsing: "$rsp 16 +"))
        #expect(symbols.windowsFrameInfo(at: 0x21000)?.type == 0)
        #expect(Self.exercise(symbols) > 10)
    }

    /// Each line of the template replaced by broken variants: the problem names that line, and
    /// the other records still work.
    @Test(arguments: [
        // MODULE and INFO
        (0, "MODULE"), (0, "MODULE Linux"), (0, "MODULE Linux x86_64 ABC"), (1, "INFO CODE_ID"),
        (2, "INFO"), (2, "MODULE Linux x86 0 a second module"), (2, "info lowercase"), (2, "  FUNC 1 2 3 indented"),
        // FILE
        (3, "FILE"), (3, "FILE 0"), (3, "FILE x name"), (3, "FILE 99999999999999999999 name"), (3, "FILE -1 name"),
        (3, "FILE 4294967295 name"), (3, "FILE 1x name"),
        // INLINE_ORIGIN
        (5, "INLINE_ORIGIN"), (5, "INLINE_ORIGIN 0"), (5, "INLINE_ORIGIN x bar()"),
        (5, "INLINE_ORIGIN 99999999999999999999 bar()"), (6, "INLINE_ORIGIN 1 99999999999999999999 foo()"),
        (6, "INLINE_ORIGIN 1 -2 foo()"),
        // FUNC
        (7, "FUNC"), (7, "FUNC m"), (7, "FUNC m 15b30 6cf 0"), (7, "FUNC 15b30 6cf"), (7, "FUNC zz 6cf 0 main"),
        (7, "FUNC 15b30 fffffffffffffffffffff 0 main"), (7, "FUNC 15b30 6cf 100000000 main"),
        (7, "FUNC 15b30 6cf -1 main"), (7, "FUNC 0x15b30 6cf 0 main"),
        // INLINE
        (8, "INLINE"), (8, "INLINE 0 42 1 1"), (8, "INLINE x 42 1 1 15b45 6b1"), (8, "INLINE 0 42 1 1 15b45 zz"),
        (8, "INLINE 0 42 1 1 15b45 fffffffffffffffffffff"), (8, "INLINE 0 42 1 99999999999 15b45 6b1"),
        (8, "INLINE 0 42 -2 1 15b45 6b1"), (8, "INLINE 0 -42 1 1 15b45 6b1"),
        (8, "INLINE 0 42 1 1 15b45 100000000"),
        // line records
        (10, "15b30"), (10, "15b30 15 41"), (10, "15b30 15 -41 0"), (10, "15b30 15 41 x"),
        (10, "15b30 15 99999999999 0"), (10, "15b30 ffffffffffffffffff 41 0"), (10, "15b30 100000000 41 0"),
        (10, "zzzz 15 41 0"), (10, "15b30\t15 41 0"),
        // PUBLIC
        (13, "PUBLIC"), (13, "PUBLIC m"), (13, "PUBLIC m 17000 0"), (13, "PUBLIC 17000"), (13, "PUBLIC q 0 name"),
        (13, "PUBLIC 17000 100000000 name"), (13, "PUBLIC 1fffffffffffffffff 0 name"),
        // STACK CFI
        (15, "STACK"), (15, "STACK FOO 1"), (15, "STACK CFI"), (15, "STACK CFI INIT"), (15, "STACK CFI INIT 15b30"),
        (15, "STACK CFI INIT 15b30 6cf"), (15, "STACK CFI INIT zz 6cf .cfa: $rsp 8 +"),
        (15, "STACK CFI INIT 15b30 fffffffffffffffffffff .cfa: $rsp 8 +"), (16, "STACK CFI 15b31"),
        (16, "STACK CFI zz .cfa: $rsp 16 +"), (16, "STACK CFI 123456789012345678901 .cfa: $rsp 16 +"),
        // STACK WIN
        (17, "STACK WIN"), (17, "STACK WIN 4"), (17, "STACK WIN 4 20000 10 1 0 0 0 0 0"),
        (17, "STACK WIN 4 20000 10 1 0 0 0 0 0 1"), (18, "STACK WIN 0 21000 10 1 0 4 0 0 0 0"),
        (17, "STACK WIN 5 20000 10 1 0 0 0 0 0 1 $eip"), (17, "STACK WIN 4 20000 10 fffffffff 0 0 0 0 0 1 $eip"),
        (17, "STACK WIN 4 zz 10 1 0 0 0 0 0 1 $eip"), (17, "STACK WIN 44 20000 10 1 0 0 0 0 0 1 $eip"),
        (18, "STACK WIN 0 21000 10 1 0 4 0 0 0 0 x"),
        // Not records at all
        (2, "garbage"), (2, "{}"), (2, "\u{FEFF}MODULE"), (2, "G 1 2 3"),
    ] as [(Int, String)])
    func brokenRecord(_ index: Int, _ replacement: String) throws {
        var lines = Self.templateLines
        lines[index] = replacement
        let symbols = parseSymbols(lines.joined(separator: "\n"))
        #expect(symbols.problemRecords.contains { $0.line == index + 1 },
                "no problem for line \(index + 1): \(replacement) -> \(symbols.problems)")
        Self.exercise(symbols)
        // The records after the broken one still parse.
        if index < 13 { #expect(symbols.lookup(0x18001)?.function == "public_two") }
        if index != 17 { #expect(symbols.windowsFrameInfo(at: 0x20000)?.programString == "$eip 4 + ^ =") }
    }

    /// Every prefix of every line, and every line with one byte replaced: no crash, lookups work.
    @Test func truncatedAndGarbledLines() {
        var random = SplitMix(state: 0x5eed)
        let lines = Self.templateLines
        var variants = 0
        for index in lines.indices {
            let bytes = Array(lines[index].utf8)
            for cut in 0..<bytes.count {
                var copy = lines
                copy[index] = String(decoding: bytes[..<cut], as: UTF8.self)
                Self.exercise(parseSymbols(copy.joined(separator: "\n")))
                variants += 1
            }
            for _ in 0..<40 {
                var garbled = bytes
                garbled[Int.random(in: 0..<garbled.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                var data = Array(lines[..<index].joined(separator: "\n").utf8) + [0x0A] + garbled
                data += Array(("\n" + lines[(index + 1)...].joined(separator: "\n")).utf8)
                Self.exercise(BreakpadSymbols(parsing: ByteView(data)))
                variants += 1
            }
        }
        #expect(variants > 1000)
    }

    @Test func emptyAndBlankFiles() {
        let empty = BreakpadSymbols(parsing: ByteView([]))
        #expect(empty.problems == ["the file is empty"])
        #expect(Self.exercise(empty) == 0)
        for text in ["\n", "\r\n\r\n", "\n\n\n", "\r"] {
            let blank = parseSymbols(text)
            #expect(blank.problems == ["line 1: the file does not start with a MODULE record"], "\(Array(text.utf8))")
            #expect(Self.exercise(blank) == 0)
        }
        let nul = BreakpadSymbols(parsing: ByteView(Array("MODULE a b 0 c\nFUNC 1 2 0 na\0me\n".utf8) + [0, 0]))
        #expect(nul.problems == ["line 2: a NUL byte at offset 28 (the file is not text)"])
        #expect(nul.lookup(1)?.function == "na\0me")
    }

    @Test func randomBytes() {
        var random = SplitMix(state: 42)
        for round in 0..<20 {
            let count = round == 0 ? 1 << 20 : Int.random(in: 1...4096, using: &random)
            // Some rounds are mostly line breaks and spaces, so that many short "records" form.
            let alphabet: [UInt8] = round % 2 == 0 ? Array(0...255) : Array("0123456789abcdef FUNCSTACKWIN\n".utf8)
            let bytes = (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
            let symbols = BreakpadSymbols(parsing: ByteView(bytes))
            #expect(!symbols.problems.isEmpty)
            #expect(symbols.problemRecords.count <= 100)
            Self.exercise(symbols)
        }
    }

    @Test func tenMegabyteLines() {
        let size = 10 << 20
        let clock = ContinuousClock()
        let start = clock.now
        let name = String(repeating: "n", count: size)
        let long = parseSymbols("MODULE Linux x86 0 a\nFUNC 1000 10 0 " + name + "\nPUBLIC 2000 0 after\n")
        #expect(long.problems.isEmpty)
        #expect(long.lookup(0x1000)?.function.utf8.count == size)
        #expect(long.lookup(0x2000)?.function == "after")

        let garbage = parseSymbols("MODULE Linux x86 0 a\n" + String(repeating: "x", count: size) + "\nPUBLIC 2000 0 after")
        #expect(garbage.problemRecords.map(\.line) == [2])
        #expect(garbage.lookup(0x2000)?.function == "after")

        let number = parseSymbols("MODULE Linux x86 0 a\nFUNC " + String(repeating: "1", count: size) + " 10 0 f")
        #expect(number.problems == ["line 2: FUNC: address is too large"])

        let ranges = parseSymbols("MODULE Linux x86 0 a\nFUNC 0 100000 0 f\nINLINE_ORIGIN 0 g\nINLINE 0 1 0 "
                                  + String(repeating: "10 1 ", count: 200_000))
        #expect(ranges.problems.isEmpty)
        #expect(ranges.lookup(0x10)?.inlines.map(\.function) == ["g"])
        #expect(clock.now - start < .seconds(30))
    }

    @Test func problemsAreCappedButCounted() {
        let text = "MODULE Linux x86 0 a\n" + String(repeating: "bad line\n", count: 5000) + "PUBLIC 10 0 kept\n"
        let symbols = parseSymbols(text)
        #expect(symbols.problemCount == 5000)
        #expect(symbols.problemRecords.count == 100)
        #expect(symbols.problems.count == 101)
        #expect(symbols.problems.last == "4900 more problems not listed")
        #expect(symbols.lookup(0x10)?.function == "kept")
    }

    /// Overlapping and out-of-order records: the lowest range wins, duplicates fold.
    @Test func overlapsAndDisorder() {
        let top = parseSymbols("""
            MODULE Linux x86 0 a
            FUNC ffffffffffffff00 100 0 at_the_top
            FUNC ffffffffffffff01 100 0 wraps
            """)
        #expect(top.problems.isEmpty)
        #expect(top.lookup(0xffff_ffff_ffff_ffff)?.function == "at_the_top")
        #expect(top.recordCounts.functions == 1)
        let lines = parseSymbols("""
            MODULE Linux x86 0 a
            FUNC 3000 100 0 third
            3050 10 5 0
            3000 10 3 0
            3005 20 4 0
            FUNC 1000 100 0 first
            FUNC m 1000 100 0 first_duplicate
            FUNC 1080 100 0 overlapping
            PUBLIC 5000 0 p1
            PUBLIC 5000 0 p2
            """)
        #expect(lines.lookup(0x3000)?.line == 3)
        #expect(lines.lookup(0x3012)?.line == nil)
        #expect(lines.lookup(0x3055)?.line == 5)
        #expect(lines.lookup(0x1090)?.function == "first")
        #expect(lines.lookup(0x1100)?.function == nil)
        #expect(lines.lookup(0x5000)?.function == "p1")
        #expect(lines.recordCounts.functions == 2)
    }
}

