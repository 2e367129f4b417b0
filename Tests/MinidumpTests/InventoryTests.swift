import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// Every minidump listed in `Tests/Fixtures/INVENTORY.json` is parsed, and what crashpipe reads
/// agrees with the inventory: stream list, thread count, exception, OS and CPU, and every
/// module's base, size, code file, identifiers.
struct InventoryTests {
    /// One inventory entry: the dump's path and its facts.
    struct Entry: Sendable, CustomTestStringConvertible {
        let path: String
        let facts: [String: any Sendable]
        var testDescription: String { path }
    }

    static let entries: [Entry] = {
        guard let json = try? Fixtures.json("INVENTORY.json") as? [String: Any],
              let dumps = json["minidumps"] as? [String: [String: Any]] else { return [] }
        return dumps.keys.sorted().map { path in
            Entry(path: path, facts: dumps[path]!.mapValues { SendableJSON($0) })
        }
    }()

    @Test func inventoryListsAllDumps() {
        #expect(Self.entries.count == 76)
    }

    @Test(arguments: entries)
    func agreesWithInventory(_ entry: Entry) throws {
        let facts = entry.facts.mapValues { ($0 as! SendableJSON).value }
        let contents = try MinidumpContents(bytes: ByteView(try Fixtures.bytes(entry.path)), contexts: .bundled)
        let file = contents.file

        // Header and stream list.
        #expect(Int(file.header.timeDateStamp) == facts["timestamp"] as? Int)
        let streams = file.directory.map { $0.type == .unused ? "0x0" : $0.type.name }
        #expect(streams == facts["streams"] as? [String])
        #expect(formatHex(file.header.flags) == facts["flags"] as? String)

        // System info.
        let system = contents.stream(SystemInfoStream.self)
        if let arch = facts["arch"] as? String {
            let system = try #require(system)
            #expect(SystemInfoStream.architectureName(system.processorArchitecture) == arch)
            #expect(Self.osName(system.os) == facts["os"] as? String)
            #expect("\(system.majorVersion).\(system.minorVersion).\(system.buildNumber)" == facts["os_version"] as? String)
            #expect((system.csdVersion ?? "") == facts["csd"] as? String)
            #expect(Int(system.numberOfProcessors) == facts["cpus"] as? Int)
        } else {
            #expect(system == nil)
        }

        // Threads.
        let threads = contents.stream(ThreadList.self)
        #expect(threads?.threads.count == facts["threads"] as? Int)

        // Exception.
        let exception = contents.stream(ExceptionStream.self)
        if let expected = facts["exception"] as? [String: Any] {
            let exception = try #require(exception)
            #expect(exception.threadId == UInt32(expected["thread_id"] as! Int))
            #expect(formatHex(exception.code) == expected["code"] as? String)
            #expect(formatHex(exception.flags) == expected["flags"] as? String)
            #expect(formatHex(exception.address) == expected["address"] as? String)
            #expect(exception.parameters.map { formatHex($0) } == expected["params"] as? [String])
            let context = expected["context"] as! [String: Any]
            #expect(Int(exception.contextSize) == context["context_size"] as? Int)
            if context["error"] != nil {
                #expect(exception.context == nil)
                #expect(!exception.problems.isEmpty)
            } else {
                let registers = try #require(exception.context).registers
                for name in ["rip", "rsp", "rbp", "eip", "esp", "ebp"] {
                    if let value = context[name] as? String {
                        #expect(registers[name].map { formatHex($0) } == value, "register \(name)")
                    }
                }
            }
        } else {
            #expect(exception == nil)
        }

        // Breakpad info.
        if let expected = facts["breakpad_info"] as? [String: Any] {
            let info = try #require(contents.stream(BreakpadInfo.self))
            #expect(Int(info.validity) == expected["validity"] as? Int)
            #expect(formatHex(info.dumpThreadId) == expected["dump_thread_id"] as? String)
            #expect(formatHex(info.requestingThreadId) == expected["requesting_thread_id"] as? String)
        }

        // Modules.
        let expectedModules = facts["modules"] as? [[String: Any]] ?? []
        let rawModules = contents.stream(ModuleList.self)?.modules ?? []
        #expect(rawModules.count == expectedModules.count)
        let os = system?.os
        for (raw, expected) in zip(rawModules, expectedModules) {
            let module = raw.module(os: os)
            let name = expected["name"] as? String ?? "?"
            #expect(module.codeFile == name)
            #expect(formatHex(module.base) == expected["base"] as? String, "base of \(name)")
            #expect(formatHex(module.size) == expected["size"] as? String, "size of \(name)")
            #expect(module.debugId?.breakpad == expected["debug_id"] as? String, "debug id of \(name)")
            if let debugFile = expected["debug_file"] as? String {
                #expect(module.debugFile == debugFile, "debug file of \(name)")
            }
            if let codeId = expected["code_id"] as? String {
                #expect(module.codeId?.value == codeId.lowercased(), "code id of \(name)")
                #expect(raw.breakpadCodeIdentifier(os: os) == codeId, "Breakpad code identifier of \(name)")
            }
            if let buildId = expected["build_id"] as? String {
                #expect(module.codeId?.value == buildId, "build id of \(name)")
            }
            let cvKind: String? = switch raw.codeView {
            case .pdb70: "RSDS(PDB70)"
            case .pdb20: "NB10(PDB20)"
            case .elf: "ELF build-id"
            default: nil
            }
            #expect(cvKind == expected["cv"] as? String, "CodeView kind of \(name)")
        }
    }

    static func osName(_ os: OS) -> String {
        switch os {
        case .windows: return "Windows"
        case .linux: return "Linux"
        case .macOS: return "macOS"
        case .iOS: return "iOS"
        case .android: return "Android"
        default: return os.rawValue
        }
    }
}

/// Wraps a JSONSerialization value so it can cross into a parameterized test.
struct SendableJSON: @unchecked Sendable {
    let value: Any
    init(_ value: Any) { self.value = value }
}
