import Foundation

/// A symbol source over debug files named one by one (or folders of them, walked): each file
/// is inspected with the registered debug-file formats once, and modules are matched by debug
/// id, whatever the files are called. This is how `crashpipe stackwalk dump path/to/app` uses an
/// unstripped binary, a split `.debug` file or a dSYM's DWARF file directly.
///
/// A fat file answers with the slice of the module's debug id. Files no format recognizes are
/// skipped; a recognized file that does not parse is skipped with a note in ``problems``.
public struct DebugFileIndex: SymbolSupplier {
    struct Location: Sendable {
        var path: String
        var range: Range<Int>?
        /// A debug companion (split debug file, dSYM contents) rather than the binary.
        var isDebug: Bool
    }

    /// Every file of a debug id, debug companions first.
    let byDebugId: [String: [Location]]
    /// Files skipped because they could not be read, with the reason.
    public let problems: [String]

    /// The `files` source: `sources: [ { type: files, paths: [build/app, build/app.debug] } ]`.
    public static let source = SymbolSourceFactory(
        type: "files",
        summary: "debug files given by path (binaries, .debug files, dSYM contents, .sym), matched by debug id",
        options: [
            OptionSpec("path", type: "string", default: nil, help: "a file or a folder of files (or use paths)"),
            OptionSpec("paths", type: "list of strings", default: nil, help: "files or folders, tried in order"),
        ],
        make: { options, services in
            let paths = options.directories
            guard !paths.isEmpty else { throw SymbolSourceError(description: "a 'files' source needs 'path' or 'paths'") }
            return DebugFileIndex(paths: paths, registry: services.registry)
        })

    public init(paths: [String], registry: PluginRegistry) {
        var byDebugId: [String: [Location]] = [:]
        var problems: [String] = []
        for path in Self.files(under: paths) {
            guard let storage = try? ByteStorage.map(path: path) else {
                problems.append("\(path): cannot be read")
                continue
            }
            let inspected: InspectedDebugFile?
            do {
                inspected = try registry.inspectDebugFile(storage.view)
            } catch {
                problems.append("\(path): \(error)")
                continue
            }
            for object in inspected?.objects ?? [] {
                guard let id = object.debugId?.breakpad else { continue }
                byDebugId[id, default: []].append(Location(path: path, range: object.byteRange, isDebug: object.kind == "debug"))
            }
        }
        // Stable: debug companions before binaries, otherwise in the order given.
        self.byDebugId = byDebugId.mapValues { list in
            list.enumerated().sorted { ($0.element.isDebug ? 0 : 1, $0.offset) < ($1.element.isDebug ? 0 : 1, $1.offset) }
                .map(\.element)
        }
        self.problems = problems
    }

    static func files(under paths: [String]) -> [String] {
        var found: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else { found.append(path); continue }
            let walker = FileManager.default.enumerator(atPath: path)
            var inside: [String] = []
            while let relative = walker?.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(relative)
                var nested: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue { inside.append(full) }
            }
            found += inside.sorted()
        }
        return found
    }

    public func locate(_ module: Module) async throws -> SymbolFileData? {
        guard let id = module.debugId?.breakpad, let locations = byDebugId[id], !locations.isEmpty else { return nil }
        var files = try locations.map { location in
            let storage = try ByteStorage.map(path: location.path)
            var view = storage.view
            if let range = location.range {
                view = try view.slice(offset: UInt64(range.lowerBound), size: UInt64(range.count), what: "fat slice")
            }
            return SymbolFileData(location: location.path, bytes: view)
        }
        var first = files.removeFirst()
        first.companions = files
        return first
    }
}
