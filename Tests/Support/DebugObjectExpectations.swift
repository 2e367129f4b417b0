import CrashpipeCore
import Foundation

/// What getsentry/symbolic reports for a debug file, read from
/// `Tests/Fixtures/symbolic/expected/object_metadata.json` (values transcribed from
/// symbolic-debuginfo's test_objects.rs), and what sentry-cli reports, read from
/// `Tests/Fixtures/crashpipe/sentry_cli_debug_files_check.json`.
public struct ExpectedDebugObject: Sendable {
    /// The fixture path relative to `Tests/Fixtures`.
    public var path: String
    public var format: String
    public var kind: String?
    public var arch: String
    /// symbolic's form: the UUID, a dash and the age (`...-0` for age 0).
    public var debugId: String
    public var codeId: String?
    public var loadAddress: UInt64?
    public var name: String?
    public var features: DebugFeatures

    /// Every entry of object_metadata.json, files that share another's values
    /// (`same_files_and_functions_as`) included under their own paths.
    public static func symbolic() throws -> [ExpectedDebugObject] {
        guard let root = try Fixtures.json("symbolic/expected/object_metadata.json") as? [String: Any],
              let objects = root["objects"] as? [String: [String: Any]] else {
            throw ExpectationError("object_metadata.json has no objects")
        }
        var result: [ExpectedDebugObject] = []
        for (file, entry) in objects.sorted(by: { $0.key < $1.key }) {
            var features: DebugFeatures = []
            if entry["has_symbols"] as? Bool == true { features.insert(.symtab) }
            if entry["has_debug_info"] as? Bool == true { features.insert(.debug) }
            if entry["has_unwind_info"] as? Bool == true { features.insert(.unwind) }
            var loadAddress: UInt64?
            if let text = entry["load_address"] as? String {
                guard text.hasPrefix("0x"), let value = UInt64(text.dropFirst(2), radix: 16) else {
                    throw ExpectationError("\(file): load_address \(text)")
                }
                loadAddress = value
            }
            guard let format = entry["format"] as? String, let arch = entry["arch"] as? String,
                  let debugId = entry["debug_id"] as? String else {
                throw ExpectationError("\(file): format, arch or debug_id missing")
            }
            let expected = ExpectedDebugObject(
                path: "symbolic/" + file, format: format, kind: entry["kind"] as? String, arch: arch, debugId: debugId,
                codeId: entry["code_id"] as? String, loadAddress: loadAddress, name: entry["name"] as? String,
                features: features)
            result.append(expected)
            for other in entry["same_files_and_functions_as"] as? [String] ?? [] {
                var copy = expected
                copy.path = "symbolic/" + other
                result.append(copy)
            }
        }
        return result
    }

    /// The differences between `object` and this expectation, as readable lines (empty when
    /// everything matches). The debug id is compared in both printed forms.
    public func mismatches(_ object: DebugObject) -> [String] {
        var problems: [String] = []
        func check(_ field: String, _ actual: String?, _ wanted: String?) {
            if actual != wanted { problems.append("\(path): \(field) is \(actual ?? "nil"), symbolic says \(wanted ?? "nil")") }
        }
        check("format", object.format, format)
        check("kind", object.kind, kind)
        check("arch", object.arch, arch)
        check("code id", object.codeId?.value, codeId)
        // "c0bcc3f1-9827-fe65-3058-404b2831d9e6-0": the dashed form drops a zero age, the
        // Breakpad form is the GUID without dashes in upper case and the age in hex.
        let uuid = String(debugId.prefix(36))
        let age = UInt32(debugId.dropFirst(37), radix: 16) ?? .max
        let dashed = age == 0 ? uuid : uuid + "-" + String(age, radix: 16)
        let breakpad = uuid.replacingOccurrences(of: "-", with: "").uppercased() + String(age, radix: 16, uppercase: true)
        check("debug id (dashed)", object.debugId?.dashed, dashed)
        check("debug id (Breakpad)", object.debugId?.breakpad, breakpad)
        if let loadAddress {
            check("load address", "0x" + String(object.loadAddress, radix: 16), "0x" + String(loadAddress, radix: 16))
        }
        if let name { check("name", object.debugFile, name) }
        check("features", object.features.names.joined(separator: ", "), features.names.joined(separator: ", "))
        return problems
    }
}

/// One file as `sentry-cli debug-files check` saw it.
public struct SentryCLICheck: Sendable {
    public struct Variant: Sendable {
        public var debugId: String
        public var codeId: String?
        public var arch: String
    }

    public var path: String
    /// sentry-cli's file type: "elf", "dsym", "breakpad", ...
    public var type: String
    /// The kind as sentry-cli words it: "executable", "library", "debug companion", ...
    public var kindText: String
    public var variants: [Variant]
    /// The union of the objects' features.
    public var features: [String]

    public static func all() throws -> [SentryCLICheck] {
        guard let root = try Fixtures.json("crashpipe/sentry_cli_debug_files_check.json") as? [String: Any],
              let files = root["files"] as? [String: [String: Any]] else {
            throw ExpectationError("sentry_cli_debug_files_check.json has no files")
        }
        return try files.sorted(by: { $0.key < $1.key }).map { path, entry in
            guard let type = entry["type"] as? String, let typeText = entry["type_text"] as? String,
                  let variants = entry["variants"] as? [[String: Any]], let features = entry["features"] as? [String] else {
                throw ExpectationError("\(path): incomplete entry")
            }
            return SentryCLICheck(
                path: path, type: type, kindText: String(typeText.dropFirst(type.count + 1)),
                variants: variants.map {
                    Variant(debugId: $0["debug_id"] as? String ?? "", codeId: $0["code_id"] as? String,
                            arch: $0["arch"] as? String ?? "")
                },
                features: features)
        }
    }

    /// crashpipe's kind for sentry-cli's wording (symbolic's `ObjectKind::human_name`).
    public static func kind(forText text: String) -> String? {
        ["object": "relocatable", "executable": "executable", "library": "library", "memory dump": "dump",
         "debug companion": "debug", "file": "other"][text]
    }

    /// The differences between the listed objects and sentry-cli's view of the file.
    public func mismatches(_ objects: [DebugObject], format: String) -> [String] {
        var problems: [String] = []
        if objects.count != variants.count {
            problems.append("\(path): \(objects.count) objects, sentry-cli lists \(variants.count)")
        }
        for (object, variant) in zip(objects, variants) {
            let dashed = object.debugId?.dashed ?? "nil"
            if dashed != variant.debugId { problems.append("\(path): debug id \(dashed), sentry-cli says \(variant.debugId)") }
            if object.codeId?.value != variant.codeId {
                problems.append("\(path): code id \(object.codeId?.value ?? "nil"), sentry-cli says \(variant.codeId ?? "nil")")
            }
            if object.arch != variant.arch { problems.append("\(path): arch \(object.arch), sentry-cli says \(variant.arch)") }
            if format != "breakpad", object.kind != Self.kind(forText: kindText) {
                problems.append("\(path): kind \(object.kind ?? "nil"), sentry-cli says \(kindText)")
            }
        }
        let union = objects.reduce(DebugFeatures()) { $0.union($1.features) }.names
        if union != features { problems.append("\(path): features \(union), sentry-cli says \(features)") }
        return problems
    }
}

public struct ExpectationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
