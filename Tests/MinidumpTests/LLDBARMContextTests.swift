import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// LLDB's generated ARM and ARM64 dumps (lldb/generated): the registers of thread 0 exactly as
/// LLDB's tests assert them (Tests/Fixtures/lldb/expected/lldb_expectations.json).
struct LLDBARMContextTests {
    static func registers(_ path: String) throws -> RegisterContext {
        let contents = try MinidumpContents(bytes: ByteView(try Fixtures.bytes("lldb/generated/\(path)")), contexts: .bundled)
        let threads = try #require(contents.stream(ThreadList.self)?.threads)
        #expect(threads.count == 1)
        return try #require(threads.first?.context?.registers)
    }

    static func expectations(_ key: String) throws -> [String: Any] {
        let json = try #require(try Fixtures.json("lldb/expected/lldb_expectations.json") as? [String: Any])
        return try #require(json[key] as? [String: Any])
    }

    @Test func armLinux() throws {
        let facts = try Self.expectations("generated/arm-linux.dmp")
        #expect(facts["threads"] as? Int == 1)
        let context = try Self.registers("arm-linux.dmp")
        #expect(context.cpu == .arm)
        for i in 0...15 { #expect(context["r\(i)"] == UInt64(i + 1), "r\(i)") }
        #expect(context["fp"] == 0xc && context["sp"] == 0xe && context["lr"] == 0xf && context["pc"] == 0x10)
        #expect(context["cpsr"] == 0x1122_3344)
        #expect(context.framePointer == 0xc)
    }

    @Test func armMacOSUsesR7AsFramePointer() throws {
        let facts = try Self.expectations("generated/arm-macos.dmp")
        #expect((facts["except"] as? [String: String])?["fp (r7 on Apple)"] == "0x8")
        let context = try Self.registers("arm-macos.dmp")
        for i in 0...15 { #expect(context["r\(i)"] == UInt64(i + 1), "r\(i)") }
        #expect(context["fp"] == 0x8 && context.framePointer == 0x8)
        #expect(context["sp"] == 0xe && context["lr"] == 0xf && context["pc"] == 0x10 && context["cpsr"] == 0x1122_3344)
    }

    /// Breakpad's old ARM64 layout: x<i> = (i+1) | (i+2)<<32 | (i+3)<<48, x29 fp, x30 lr, x31 sp.
    @Test func arm64MacOS() throws {
        let facts = try Self.expectations("generated/arm64-macos.dmp")
        #expect((facts["context_flavour"] as? String)?.hasPrefix("Breakpad ARM64_OLD") == true)
        let contents = try MinidumpContents(bytes: ByteView(try Fixtures.bytes("lldb/generated/arm64-macos.dmp")), contexts: .bundled)
        let decoded = try #require(contents.stream(ThreadList.self)?.threads.first?.context)
        #expect(decoded.structureName == "MDRawContextARM64_Old")
        let context = decoded.registers
        func value(_ i: UInt64) -> UInt64 { (i + 1) | (i + 2) << 32 | (i + 3) << 48 }
        for i in 0...30 { #expect(context["x\(i)"] == value(UInt64(i)), "x\(i)") }
        #expect(context["fp"] == value(29) && context["lr"] == value(30) && context["sp"] == value(31))
        #expect(context["x31"] == value(31))
        #expect(context["pc"] == 0x1000 && context["cpsr"] == 0x1122_3344)
        let fields = Dictionary(decoded.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(fields["float_save.fpsr"] == "0x55667788" && fields["float_save.fpcr"] == "0x99aabbcc")
        // v<i>: bytes i..i+15, printed as a 128-bit number (most significant byte first).
        #expect(fields["float_save.regs[ 0]"] == "0x0f0e0d0c0b0a09080706050403020100")
    }
}
