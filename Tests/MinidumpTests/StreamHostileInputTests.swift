import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// Every additional stream type fed garbage: empty, tiny, all-ones (absurd counts and sizes),
/// random bytes, and a directory entry outside the file. Each must end in a value or an error
/// for that stream only, never a trap, and other streams must still be read.
struct StreamHostileInputTests {
    static let types: [UInt32] = [8, 10, 11, 12, 13, 14, 16, 17, 21, 22, 24, 0x4767_0002, 0x4767_0003, 0x4767_0004,
                                  0x4767_0005, 0x4767_0006, 0x4767_0007, 0x4767_0008, 0x4767_0009, 0x4767_000A,
                                  0x4350_0001, 0x4d7a_0001, 0x4d7a_0002, 0x4d7a_0003, 0x4d7a_0004]

    /// Deterministic bytes (SplitMix64) so failures reproduce.
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }

    static func bodies(for type: UInt32) -> [[UInt8]] {
        [[], [0xff], [UInt8](repeating: 0xff, count: 4), [UInt8](repeating: 0xff, count: 64),
         [UInt8](repeating: 0x7f, count: 800), [UInt8](repeating: 0, count: 800),
         randomBytes(97, seed: UInt64(type)), randomBytes(1500, seed: UInt64(type) &* 3)]
    }

    @Test(arguments: types)
    func garbageBodies(_ type: UInt32) throws {
        for endian in StreamSynth.endians {
            for (index, body) in Self.bodies(for: type).enumerated() {
                let dump = SyntheticMinidump(endian: endian)
                StreamSynth.linux(dump)
                dump.addThreadName(threadID: 1, name: "survivor")
                if type != 24 { dump.addRawStream(type: type, bytes: body) }
                let contents = try StreamSynth.contents(dump)
                let report = StreamSynth.report(contents)
                #expect(report.system != nil, "body \(index)")
                if type != 24 {
                    #expect(contents.stream(ThreadNames.self)?.name(of: 1) == "survivor", "body \(index)")
                }
                let known = contents.streams[StreamType(rawValue: type)] != nil
                let failed = contents.errors[StreamType(rawValue: type)] != nil
                #expect(known != failed || body.isEmpty && type == 24, "type \(formatHex(type)) body \(index)")
            }
        }
    }

    @Test(arguments: types)
    func entryOutsideTheFile(_ type: UInt32) throws {
        let dump = SyntheticMinidump()
        StreamSynth.windows(dump)
        dump.addDirectoryEntry(type: type, rva: 0xffff_fff0, size: 0x100)
        let contents = try StreamSynth.contents(dump)
        let error = try #require(contents.errors[StreamType(rawValue: type)])
        #expect(error.kind == .outOfRange)
        #expect(error.offset == 0xffff_fff0)
        let report = StreamSynth.report(contents)
        #expect(report.system != nil)
        #expect(report.notes.contains { $0.severity == .error })
    }

    /// The whole set of streams in one dump, truncated at every 7th byte: no cut may trap.
    @Test(arguments: StreamSynth.endians)
    func truncatedEverywhere(_ endian: SynthEndian) throws {
        let dump = StreamSyntheticCrashpadTests.crashpadDump(endian)
        dump.addThread(SynthThread(id: 3))
        dump.addThreadName(threadID: 3, name: "t")
        dump.addUnloadedModule(SynthUnloadedModule(baseOfImage: 0x1000, sizeOfImage: 0x1000, name: "u.dll"))
        dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x1000, regionSize: 0x1000))
        dump.addHandle(SynthHandleDescriptor(handle: 4, typeName: "File", objectName: "f"))
        dump.addAssertionInfo(expression: "e", function: "f", file: "g", line: 1, type: 1)
        dump.addLinuxMaps("1000-2000 r-xp 0 00:00 0 /a\n")
        dump.addLinuxAuxv([SynthAuxvEntry(6, 0x1000), SynthAuxvEntry(0, 0)])
        dump.addLinuxDSODebug(SynthDSODebug(linkMaps: [SynthLinkMap(address: 1, name: "/l")]))
        dump.addStream(type: 0x4d7a_0001, body: StreamSyntheticCrashpadTests.macCrashInfo(dump, count: 1, records: [(5, ["a", "b", "c", "d", "e"])]))
        let bytes = dump.build()
        let full = try MinidumpContents(bytes: ByteView(bytes), contexts: .bundled)
        #expect(full.errors.isEmpty)
        for cut in stride(from: 32, to: bytes.count, by: 7) {
            guard let contents = try? MinidumpContents(bytes: ByteView(Array(bytes[..<cut])), contexts: .bundled) else { continue }
            _ = StreamSynth.report(contents)
        }
    }
}
