import CrashpipeCore
import Foundation

/// Turns a processed report into the stored event, in the shape Sentry gives minidump events
/// (see INGEST.md "The event"): exception, threads, frames, debug images, contexts, the
/// client's data, and what went wrong while processing.
public enum EventBuilder {
    /// What the server needs besides the event body.
    public struct Built: Sendable {
        public var event: JSONObject
        public var title: String
        public var level: String
        public var groupHash: String
        public var missing: [DataStore.MissingFile]
    }

    static func hex(_ value: UInt64) -> JSONValue { .string("0x" + String(value, radix: 16)) }

    /// `report` after its pipeline ran; `failure` when the parser could not read the dump.
    public static func build(report: CrashReport, submission: Submission, failure: String? = nil) -> Built {
        let client = submission.event
        var event = JSONObject()
        event["event_id"] = .string(submission.eventId)
        let received = Date(timeIntervalSince1970: submission.receivedAt)
        let timestamp = report.timestamp.map { Date(timeIntervalSince1970: Double($0)) } ?? received
        event["timestamp"] = .string(iso8601(timestamp))
        event["received"] = .string(iso8601(received))
        event["platform"] = .string("native")
        let crashed = report.crash != nil || failure != nil
        let level = client["level"]?.stringValue ?? (crashed ? "fatal" : "error")
        event["level"] = .string(level)
        for key in ["release", "dist", "environment", "server_name", "transaction", "user", "request", "sdk", "modules",
                    "breadcrumbs"] {
            if let value = client[key] { event[key] = value }
        }
        event["tags"] = tags(client["tags"])

        var extra = JSONObject()
        for (key, value) in submission.extra { extra[key] = value }
        if case .object(let clientExtra)? = client["extra"] { extra.mergeKeepingExisting(clientExtra) }
        event["extra"] = .object(extra)

        var errors: [JSONValue] = submission.problems.map {
            .object(JSONObject([("type", .string("invalid_data")), ("reason", .string($0))]))
        }
        var missing: [DataStore.MissingFile] = []

        if let failure {
            errors.append(.object(JSONObject([("type", .string("native_bad_dump")), ("reason", .string("Invalid minidump: \(failure)"))])))
            event["exception"] = .object(JSONObject([("values", .array([.object(JSONObject([
                ("type", .string("Minidump")), ("value", .string("Invalid minidump")),
                ("mechanism", .object(JSONObject([("type", .string("minidump")), ("handled", .bool(false)), ("synthetic", .bool(true))]))),
            ]))]))]))
        } else {
            let (threads, exception) = threadsAndException(report)
            event["threads"] = .object(JSONObject([("values", .array(threads))]))
            if let exception { event["exception"] = .object(JSONObject([("values", .array([exception]))])) }
            let used = Set(report.threads.flatMap { $0.frames.compactMap(\.moduleIndex) })
            event["debug_meta"] = .object(JSONObject([("images", .array(report.modules.enumerated().map {
                image($0.element, used: used.contains($0.offset), system: report.system)
            }))]))
            for (index, module) in report.modules.enumerated()
            where used.contains(index) && module.symbolStatus == .missing {
                guard let debugId = module.debugId else { continue }
                let name = module.debugName ?? module.name
                missing.append(DataStore.MissingFile(module: name, debugId: debugId.breakpad, codeId: module.codeId?.description))
                errors.append(.object(JSONObject([
                    ("type", .string("native_missing_dsym")), ("image_path", .string(module.codeFile)),
                    ("image_name", .string(name)), ("debug_id", .string(debugId.breakpad)),
                ])))
            }
        }
        for note in report.notes where note.severity != .info {
            errors.append(.object(JSONObject([("type", .string("processing")), ("stage", .string(note.stage)),
                                              ("kind", .string(note.kind)), ("reason", .string(note.message))])))
        }
        if !errors.isEmpty { event["errors"] = .array(errors) }
        event["contexts"] = .object(contexts(report, client: client))

        let title: String
        let groupHash: String
        if let signature = report.signature, failure == nil {
            title = signature.title
            groupHash = signature.hash
            event["fingerprint"] = client["fingerprint"] ?? .array([.string("{{ default }}")])
            event["culprit"] = .string(signature.frames.first ?? signature.title)
        } else {
            title = failure != nil ? "Invalid minidump" : (report.crash?.name ?? "Minidump")
            groupHash = "title:" + title
        }
        event["title"] = .string(title)
        return Built(event: event, title: title, level: level, groupHash: groupHash, missing: missing)
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Tags as Sentry stores them: an object of strings (arrays of pairs are accepted too).
    static func tags(_ value: JSONValue?) -> JSONValue {
        var tags = JSONObject()
        switch value {
        case .object(let object)?:
            for (key, value) in object { tags[key] = .string(scalarText(value)) }
        case .array(let pairs)?:
            for case .array(let pair) in pairs where pair.count == 2 {
                if case .string(let key) = pair[0] { tags[key] = .string(scalarText(pair[1])) }
            }
        default: break
        }
        return .object(tags)
    }

    static func scalarText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .null: return ""
        default:
            let data = (try? JSONEncoder().encode(value)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Frames in Sentry's order (outermost first), each with its inlined functions before it.
    static func frames(_ thread: CrashpipeCore.Thread, report: CrashReport) -> [JSONValue] {
        var out: [JSONValue] = []
        let mainModule = report.modules.first
        for frame in thread.frames {
            let module = frame.moduleIndex.flatMap { report.modules.indices.contains($0) ? report.modules[$0] : nil }
            func entry(function: String?, raw: String?, file: String?, line: UInt32?, inlined: Bool) -> JSONValue {
                var f = JSONObject()
                f["instruction_addr"] = hex(frame.instruction)
                if let function { f["function"] = .string(function) }
                if let raw { f["raw_function"] = .string(raw); f["symbol"] = .string(raw) }
                if let module {
                    f["package"] = .string(module.codeFile)
                    f["addr_mode"] = .string("abs")
                    f["image_addr"] = hex(module.base)
                }
                if let file {
                    f["filename"] = .string(baseName(file))
                    f["abs_path"] = .string(file)
                }
                if let line { f["lineno"] = .int(Int64(line)) }
                f["trust"] = .string(frame.trust.rawValue)
                if let trust = frame.symbolTrust { f["symbol_trust"] = .string(trust.rawValue) }
                if inlined { f["inlined"] = .bool(true) }
                f["in_app"] = .bool(module != nil && module == mainModule)
                return .object(f)
            }
            // Innermost first here; reversed below.
            for inline in frame.inlines {
                out.append(entry(function: inline.function, raw: inline.rawFunction, file: inline.file, line: inline.line, inlined: true))
            }
            out.append(entry(function: frame.function, raw: frame.rawFunction ?? frame.function, file: frame.file,
                             line: frame.line, inlined: false))
        }
        return out.reversed()
    }

    static func threadsAndException(_ report: CrashReport) -> (threads: [JSONValue], exception: JSONValue?) {
        var threads: [JSONValue] = []
        var exception: JSONValue?
        for (index, thread) in report.threads.enumerated() {
            let crashed = index == report.requestingThread && report.crash != nil
            var t = JSONObject()
            t["id"] = .int(Int64(thread.id))
            if let name = thread.name { t["name"] = .string(name) }
            t["crashed"] = .bool(crashed)
            let stack = JSONValue.object(JSONObject([("frames", .array(frames(thread, report: report)))]))
            if crashed, let crash = report.crash {
                exception = .object(JSONObject([
                    ("type", .string(crash.name)),
                    ("value", .string("Fatal Error: \(crash.name) at address 0x\(String(crash.address, radix: 16))")),
                    ("thread_id", .int(Int64(thread.id))),
                    ("mechanism", .object(JSONObject([
                        ("type", .string("minidump")), ("handled", .bool(false)), ("synthetic", .bool(true)),
                        ("meta", .object(JSONObject([("signal", .object(JSONObject([("number", .int(Int64(crash.code)))])))]))),
                    ]))),
                    ("stacktrace", stack),
                ]))
            } else {
                t["stacktrace"] = stack
            }
            threads.append(.object(t))
        }
        return (threads, exception)
    }

    static func image(_ module: Module, used: Bool, system: SystemInfo?) -> JSONValue {
        var i = JSONObject()
        let type: String
        switch system?.os.rawValue {
        case "windows": type = "pe"
        case "mac", "ios": type = "macho"
        default: type = "elf"
        }
        i["type"] = .string(type)
        i["code_file"] = .string(module.codeFile)
        if let codeId = module.codeId { i["code_id"] = .string(codeId.description) }
        if let debugFile = module.debugFile { i["debug_file"] = .string(debugFile) }
        if let debugId = module.debugId { i["debug_id"] = .string(debugId.dashed) }
        i["image_addr"] = hex(module.base)
        i["image_size"] = .int(Int64(module.size))
        if let cpu = system?.cpu { i["arch"] = .string(cpu.rawValue) }
        let status: String
        switch module.symbolStatus {
        case .found?: status = "found"
        case .malformed?: status = "malformed"
        case .missing?: status = used ? "missing" : "unused"
        default: status = "unused"
        }
        i["debug_status"] = .string(status)
        if let features = module.symbolFeatures {
            // As symbolicator reports them: what the file found for the module can do.
            i["features"] = .object(JSONObject([
                ("has_debug_info", .bool(features.contains(.debug))), ("has_sources", .bool(features.contains(.sources))),
                ("has_symbols", .bool(features.contains(.symtab))), ("has_unwind_info", .bool(features.contains(.unwind))),
            ]))
            i["unwind_status"] = .string(features.contains(.unwind) ? "found" : "missing")
        }
        return .object(i)
    }

    static func contexts(_ report: CrashReport, client: JSONObject) -> JSONObject {
        var contexts = JSONObject()
        if let system = report.system {
            var os = JSONObject()
            os["name"] = .string(osName(system.os))
            os["version"] = .string(system.osVersion)
            if let build = system.osBuild, !build.isEmpty { os["build"] = .string(build) }
            contexts["os"] = .object(os)
            var device = JSONObject()
            device["arch"] = .string(system.cpu.rawValue)
            if let info = system.cpuInfo { device["cpu_description"] = .string(info) }
            device["processor_count"] = .int(Int64(system.cpuCount))
            contexts["device"] = .object(device)
            if let gpu = system.gpu, gpu.isKnown {
                contexts["gpu"] = .object(JSONObject([("name", .string(gpu.renderer)), ("vendor_name", .string(gpu.vendor)),
                                                      ("version", .string(gpu.version))]))
            }
        }
        if let annotations = report.annotations {
            var crashpad = JSONObject()
            let encoded = (try? JSONEncoder().encode(annotations)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
            if case .object(let object)? = encoded { for (key, value) in object { crashpad[key] = value } }
            if !crashpad.isEmpty { contexts["crashpad"] = .object(crashpad) }
        }
        if case .object(let clientContexts)? = client["contexts"] {
            // The dump's facts first; the client adds what the dump does not say.
            contexts.mergeKeepingExisting(clientContexts)
        }
        return contexts
    }

    static func osName(_ os: OS) -> String {
        switch os.rawValue {
        case "windows": return "Windows"
        case "mac": return "macOS"
        case "ios": return "iOS"
        case "linux": return "Linux"
        case "android": return "Android"
        default: return os.rawValue
        }
    }
}
