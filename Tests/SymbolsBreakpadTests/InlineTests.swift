import CrashpipeCore
import Foundation
import SymbolsBreakpad
import TestSupport
import Testing

/// INLINE and INLINE_ORIGIN records: both syntaxes, Breakpad's and rust-minidump's expectations,
/// and symbolic's function trees.
struct InlineTests {
    static let linuxInline = "breakpad/symbols/linux_inline/BBA6FA10B8AAB33D00000000000000000/"

    /// Breakpad's TestLoadAndResolveInlines (new syntax, with call-site files).
    @Test func linuxInlineNewSyntax() throws {
        let symbols = try loadSymbols(Self.linuxInline + "linux_inline.new.sym")
        #expect(symbols.problems.isEmpty)
        let info = try #require(symbols.lookup(0x161b6))
        #expect(info.function == "main")
        #expect(info.functionAddress == 0x15b30)
        #expect(info.file == "a.cpp")
        #expect(info.line == 42)
        #expect(info.lineAddress == 0x161b6)
        #expect(info.inlines == [
            InlineFrame(function: "func()", file: "linux_inline.cpp", line: 27),
            InlineFrame(function: "bar()", file: "c.cpp", line: 32),
            InlineFrame(function: "foo()", file: "b.cpp", line: 39),
        ])
    }

    /// The old syntax has no call-site files: every frame is in the file of the code around it,
    /// which here is always linux_inline.cpp. Functions and lines match the new syntax everywhere.
    @Test func linuxInlineOldAndNewSyntaxAgree() throws {
        let old = try loadSymbols(Self.linuxInline + "linux_inline.old.sym")
        let new = try loadSymbols(Self.linuxInline + "linux_inline.new.sym")
        #expect(old.problems.isEmpty)
        #expect(old.recordCounts.inlineOrigins == 3 && new.recordCounts.inlineOrigins == 3)
        let info = try #require(old.lookup(0x161b6))
        #expect(info.function == "main" && info.file == "linux_inline.cpp" && info.line == 42)
        #expect(info.inlines == [
            InlineFrame(function: "func()", file: "linux_inline.cpp", line: 27),
            InlineFrame(function: "bar()", file: "linux_inline.cpp", line: 32),
            InlineFrame(function: "foo()", file: "linux_inline.cpp", line: 39),
        ])
        var depths: [Int: Int] = [:]
        for address in UInt64(0x15b30)..<0x161ff {
            let a = try #require(old.lookup(address))
            let b = try #require(new.lookup(address))
            #expect(a.function == b.function && a.line == b.line && a.lineAddress == b.lineAddress)
            #expect(a.inlines.map(\.function) == b.inlines.map(\.function), "at \(String(address, radix: 16))")
            #expect(a.inlines.map(\.line) == b.inlines.map(\.line), "at \(String(address, radix: 16))")
            depths[a.inlines.count, default: 0] += 1
        }
        // Addresses outside every inline, and at each nesting depth, were all compared.
        #expect(depths.keys.sorted() == [0, 1, 2, 3])
        // Outside the inlines the frame is the line record's.
        let outer = try #require(new.lookup(0x15b30))
        #expect(outer.inlines.isEmpty && outer.file == "linux_inline.cpp" && outer.line == 41)
    }

    /// Every crash-client frame of rust-minidump's symbolicated pipeline-inlines output.
    @Test func crashClientMatchesRustMinidump() throws {
        let symbols = try loadSymbols("rust-minidump/symbols/crash-client/509C0610949836F7B70BD88BCF03E5400/crash-client.sym")
        #expect(symbols.problems.isEmpty)
        let json = try #require(try Fixtures.json("rust-minidump/expected/pipeline-inlines-macos-segv.dmp.symbols.pretty.json")
            as? [String: Any])
        let threads = try #require(json["threads"] as? [[String: Any]])
        var checked = 0
        var withInlines = 0
        for frame in threads.flatMap({ $0["frames"] as? [[String: Any]] ?? [] })
        where frame["module"] as? String == "crash-client" {
            let offset = try #require(UInt64(hex: frame["module_offset"]))
            // A caller's return address points after the call: look up the byte before it.
            let address = frame["trust"] as? String == "context" ? offset : offset - 1
            let info = try #require(symbols.lookup(address))
            #expect(info.function == frame["function"] as? String)
            #expect(info.functionAddress == offset - (try #require(UInt64(hex: frame["function_offset"]))))
            #expect(info.file == frame["file"] as? String)
            #expect(info.line == (frame["line"] as? Int).map(UInt32.init))
            let expected = (frame["inlines"] as? [[String: Any]] ?? []).map {
                InlineFrame(function: $0["function"] as? String ?? "?", file: $0["file"] as? String,
                            line: ($0["line"] as? Int).map(UInt32.init))
            }
            #expect(info.inlines == expected, "frame at module offset \(String(offset, radix: 16))")
            checked += 1
            if !expected.isEmpty { withInlines += 1 }
        }
        #expect(checked >= 40)
        #expect(withInlines >= 10)
    }

    /// symbolic's function trees for crash.inlines.sym: at every line entry of every function
    /// and inlinee, the frame at that depth has the function's name and the entry's file and line.
    @Test func macosCrashInlinesMatchSymbolicFunctionTree() throws {
        let symbols = try loadSymbols("symbolic/debug-files/macos/crash.inlines.sym")
        #expect(symbols.problems.isEmpty)
        let checked = try checkFunctionTree(symbols, "symbolic/expected/debuginfo/macos__crash.inlines.sym.functions-first10.txt")
        #expect(checked.lines > 100)
        #expect(checked.maxDepth >= 2)
    }

    /// The same on the Windows crash.sym (no inlines; Windows paths).
    @Test func windowsCrashSymMatchesSymbolicFunctionTree() throws {
        let symbols = try loadSymbols("symbolic/debug-files/windows/crash.sym")
        #expect(symbols.problems.isEmpty)
        let checked = try checkFunctionTree(symbols, "symbolic/expected/debuginfo/windows__crash.sym.functions-first10.txt")
        #expect(checked.functions == 10)
        #expect(checked.lines > 50)
    }

    /// Walks a symbolic `functions-first10` listing:
    ///
    ///     > 0xd40: name (0x1a)                     a function (two more spaces per inline depth)
    ///       0xd40: file.cc:96 (/directory)         a line entry of the function above
    func checkFunctionTree(_ symbols: BreakpadSymbols, _ relative: String) throws -> (functions: Int, lines: Int, maxDepth: Int) {
        let text = try String(contentsOfFile: Fixtures.path(relative), encoding: .utf8)
        var names: [String] = []
        var functions = 0
        var lines = 0
        var maxDepth = 0
        for raw in text.split(separator: "\n") {
            let indent = raw.prefix { $0 == " " }.count
            let body = raw.dropFirst(indent)
            if body.hasPrefix("> ") {
                // "> 0xADDR: NAME (0xSIZE)"
                let depth = indent / 2
                let afterAddress = body.dropFirst(2).drop { $0 != " " }.dropFirst()
                let sizeStart = try #require(afterAddress.range(of: " (0x", options: .backwards))
                let name = String(afterAddress[..<sizeStart.lowerBound])
                names = Array(names.prefix(depth)) + [name]
                maxDepth = max(maxDepth, depth)
                if depth == 0 {
                    functions += 1
                    let address = try #require(UInt64(body.dropFirst(4).prefix { $0 != ":" }, radix: 16))
                    let size = try #require(UInt64(afterAddress[sizeStart.upperBound...].dropLast(), radix: 16))
                    #expect(symbols.lookup(address + size - 1)?.functionAddress == address, "\(name)")
                    #expect(symbols.lookup(address + size)?.functionAddress != address, "\(name)")
                }
            } else if body.hasPrefix("0x") {
                // "0xADDR: FILE:LINE (DIRECTORY)"
                let depth = (indent - 2) / 2
                let address = try #require(UInt64(body.dropFirst(2).prefix { $0 != ":" }, radix: 16))
                let rest = body.drop { $0 != " " }.dropFirst()
                let directoryStart = try #require(rest.range(of: " ("))
                let fileAndLine = rest[..<directoryStart.lowerBound]
                let colon = try #require(fileAndLine.lastIndex(of: ":"))
                let file = String(fileAndLine[..<colon])
                let line = try #require(UInt32(fileAndLine[fileAndLine.index(after: colon)...]))
                let directory = String(rest[directoryStart.upperBound...].dropLast())

                let info = try #require(symbols.lookup(address), "no symbol at \(String(address, radix: 16))")
                let frames = framesOutermostFirst(info)
                try #require(frames.count > depth, "depth \(depth) at \(String(address, radix: 16))")
                let frame = frames[depth]
                #expect(frame.function == names[depth], "function at \(String(address, radix: 16))")
                #expect(frame.line == line, "line at \(String(address, radix: 16)) depth \(depth)")
                #expect(frame.file.map(lastComponent) == file, "file at \(String(address, radix: 16))")
                #expect(frame.file?.hasPrefix(directory) == true, "directory at \(String(address, radix: 16))")
                lines += 1
            }
        }
        return (functions, lines, maxDepth)
    }
}

extension UInt64 {
    /// Parses rust-minidump's "0x0000…" JSON strings.
    init?(hex value: Any?) {
        guard let text = value as? String, text.hasPrefix("0x") else { return nil }
        self.init(text.dropFirst(2), radix: 16)
    }
}
