import CrashpipeCore
import Foundation
import TestSupport
import Testing

let linuxDebug = "symbolic/debug-files/linux/crash.debug"
let macDSYM = "symbolic/debug-files/macos/crash.dSYM/Contents/Resources/DWARF/crash"

func expectedText(_ name: String) throws -> String {
    String(decoding: try Fixtures.bytes("symbolic/expected/debuginfo/\(name)"), as: UTF8.self)
}

/// Renders the first 10 functions in symbolic's order (DIE order) and compares with its snapshot.
func functionAgreement(_ object: TestObject, expected name: String) throws -> (common: Int, expected: Int, ours: [String], theirs: [String]) {
    let info = object.debugInfo()
    let first = info.functions.sorted { $0.order < $1.order }.prefix(10)
    var ours: [String] = []
    for function in first { render(function, into: &ours) }
    while ours.last == "" { ours.removeLast() }
    let theirs = withoutVariables(try expectedText(name))
    return (commonLines(ours, theirs), theirs.count, ours, theirs)
}

struct DWARFFixtureTests {
    @Test func linuxFilesMatchSymbolic() throws {
        let info = try TestObject.elf(linuxDebug).debugInfo()
        let expected = try expectedText("linux__crash.debug.files-first10.txt").split(separator: "\n").map(String.init)
        #expect(Array(info.files.prefix(10)) == expected)
        #expect(info.files.count == 1012) // object_metadata.json file_count
        #expect(info.errors.isEmpty, "\(info.errors)")
    }

    @Test func macFilesMatchSymbolic() throws {
        let info = try TestObject.machO(macDSYM).debugInfo()
        let expected = try expectedText("macos__crash.dSYM.files-first10.txt").split(separator: "\n").map(String.init)
        #expect(Array(info.files.prefix(10)) == expected)
        #expect(info.files.count == 554) // object_metadata.json file_count
        #expect(info.errors.isEmpty, "\(info.errors)")
    }

    @Test func linuxFunctionsMatchSymbolic() throws {
        let result = try functionAgreement(try TestObject.elf(linuxDebug), expected: "linux__crash.debug.functions-first10.txt")
        let percent = Double(result.common) * 100 / Double(result.expected)
        print("linux functions-first10 agreement: \(result.common)/\(result.expected) lines = \(String(format: "%.1f", percent))%")
        #expect(result.common == result.expected)
        #expect(result.ours.count == result.theirs.count)
    }

    @Test func macFunctionsMatchSymbolic() throws {
        let result = try functionAgreement(try TestObject.machO(macDSYM), expected: "macos__crash.dSYM.functions-first10.txt")
        let percent = Double(result.common) * 100 / Double(result.expected)
        print("macos functions-first10 agreement: \(result.common)/\(result.expected) lines = \(String(format: "%.1f", percent))%")
        #expect(result.common == result.expected)
        #expect(result.ours.count == result.theirs.count)
    }
}

struct DWARFBreakpadAgreementTests {
    /// Every function of the dSYM against the FUNC records Breakpad's dump_syms wrote for it
    /// (`macos/crash.sym`): same addresses and sizes.
    @Test func macFunctionsAgreeWithBreakpadFUNCs() throws {
        let sym = String(decoding: try Fixtures.bytes("symbolic/debug-files/macos/crash.sym"), as: UTF8.self)
        var funcs: Set<[UInt64]> = []
        for line in sym.split(separator: "\n") where line.hasPrefix("FUNC ") {
            let parts = line.split(separator: " ")
            funcs.insert([UInt64(parts[1], radix: 16)!, UInt64(parts[2], radix: 16)!])
        }
        let ours = Set(try TestObject.machO(macDSYM).debugInfo().functions.map { [$0.address, $0.size] })
        print("macOS: \(ours.intersection(funcs).count) of \(funcs.count) Breakpad FUNCs found (we have \(ours.count))")
        #expect(ours == funcs)
    }
}

extension DWARFBreakpadAgreementTests {
    /// Every LINE record of `macos/crash.sym` against `line(at:)`: same line, same file name
    /// (Breakpad keeps `..` in paths, so only the last component is compared).
    @Test func macLineTableAgreesWithBreakpadLINEs() throws {
        let sym = String(decoding: try Fixtures.bytes("symbolic/debug-files/macos/crash.sym"), as: UTF8.self)
        let info = try TestObject.machO(macDSYM).debugInfo()
        var files: [String: String] = [:]
        var total = 0, same = 0
        for line in sym.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            if parts.first == "FILE" { files[String(parts[1])] = String(parts[2]); continue }
            guard parts.count == 4, let address = UInt64(parts[0], radix: 16), let number = UInt32(parts[2]) else { continue }
            total += 1
            let expectedName = files[String(parts[3])]?.split(separator: "/").last.map(String.init)
            if let found = info.line(at: address), found.line == number,
               found.file.split(separator: "/").last.map(String.init) == expectedName {
                same += 1
            }
        }
        print("macOS: \(same) of \(total) Breakpad LINE records agree with line(at:)")
        #expect(total > 1000 && same == total)
    }
}
