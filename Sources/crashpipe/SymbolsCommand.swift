import ArgumentParser
import Bundled
import CrashpipeCore
import CrashpipeIngest
import CrashpipeServer
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `crashpipe symbols inspect|upload|list|remove`: debug information files.
struct SymbolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbols", abstract: "Inspect debug files, put them into a symbol store, list and remove them.",
        subcommands: [Inspect.self, Convert.self, Upload.self, List.self, Remove.self])

    /// The files under `paths` (folders are walked, hidden entries skipped), in a stable order.
    static func files(_ paths: [String]) throws -> [URL] {
        var found: [URL] = []
        for path in paths {
            let url = URL(fileURLWithPath: expandTilde(path))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw CLIError.usage("\(path): no such file or directory")
            }
            guard isDirectory.boolValue else { found.append(url); continue }
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey],
                                                              options: [.skipsHiddenFiles]) else { continue }
            var inside: [URL] = []
            for case let file as URL in walker where (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inside.append(file)
            }
            found += inside.sorted { $0.path < $1.path }
        }
        return found
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Format, architecture, debug id, code id and features of every object in debug files (and in zips of them).")
        @Argument(help: "Files, folders (walked) or zip archives.") var paths: [String]
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let registry = try Bundled.registry()
            var results: [JSONValue] = []
            var failures = 0
            var text = ""
            func report(_ name: String, _ bytes: [UInt8]) {
                do {
                    guard let inspected = try registry.inspectDebugFile(ByteView(bytes)) else {
                        failures += 1
                        printError("\(name): not a debug file crashpipe recognizes")
                        return
                    }
                    results.append(Self.json(name, inspected))
                    text += Self.text(name, inspected)
                } catch {
                    failures += 1
                    printError("\(name): \(error)")
                }
            }
            for file in try SymbolsCommand.files(paths) {
                let bytes: [UInt8]
                do { bytes = Array(try Data(contentsOf: file)) } catch {
                    failures += 1
                    printError("\(file.path): cannot read: \(error.localizedDescription)")
                    continue
                }
                if ZipArchive.isZip(bytes) {
                    do {
                        let archive = try ZipArchive(bytes: bytes)
                        for entry in archive.entries where !entry.isDirectory {
                            report("\(file.path):\(entry.path)", try archive.extract(entry))
                        }
                    } catch {
                        failures += 1
                        printError("\(file.path): \(error)")
                    }
                } else {
                    report(file.path, bytes)
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                write(String(decoding: try encoder.encode(JSONValue.array(results)), as: UTF8.self) + "\n")
            } else {
                write(text)
            }
            if failures > 0 { throw CLIError.processing("\(failures) file(s) could not be inspected") }
        }

        static func text(_ name: String, _ file: InspectedDebugFile) -> String {
            var out = "\(name)\n"
            for object in file.objects {
                out += "  \(object.format) \(object.kind ?? "-") \(object.arch)\n"
                out += "    debug id:     \(object.debugId?.dashed ?? "-")\n"
                out += "    code id:      \(object.codeId?.value ?? "-")\n"
                if let debugFile = object.debugFile { out += "    debug file:   \(debugFile)\n" }
                out += "    load address: 0x\(String(object.loadAddress, radix: 16))\n"
                let features = object.features.names
                out += "    features:     \(features.isEmpty ? "none" : features.joined(separator: ", "))\n"
            }
            return out
        }

        static func json(_ name: String, _ file: InspectedDebugFile) -> JSONValue {
            .object(JSONObject([
                ("file", .string(name)), ("format", .string(file.format)),
                ("objects", .array(file.objects.map { object in
                    .object(JSONObject([
                        ("format", .string(object.format)), ("kind", object.kind.map { .string($0) } ?? .null),
                        ("arch", .string(object.arch)), ("debug_id", object.debugId.map { .string($0.dashed) } ?? .null),
                        ("code_id", object.codeId.map { .string($0.value) } ?? .null),
                        ("debug_file", object.debugFile.map { .string($0) } ?? .null),
                        ("load_address", .string("0x" + String(object.loadAddress, radix: 16))),
                        ("features", .array(object.features.names.map { .string($0) })),
                    ]))
                })),
            ]))
        }
    }

    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write Breakpad .sym files from ELF and Mach-O files (binaries, split .debug files, dSYMs), as dump_syms does.",
            discussion: """
                Files with the same debug id make one module: give a stripped binary with its .debug file, or an \
                executable with its dSYM. Without --output the .sym text goes to standard output.
                """)
        @Argument(help: "ELF or Mach-O files, or folders (walked: a dSYM bundle, a build directory).") var paths: [String]
        @Option(help: "Write each module to DIR/<name>/<ID>/<name>.sym, the layout of a Breakpad symbol store.")
        var output: String?
        @Option(help: "Only this architecture of fat files (x86_64, arm64, ...).") var arch: String?
        @Flag(help: "Keep mangled names.") var noDemangle = false
        @Flag(help: "No INLINE records: an inlined call's addresses get the call site's line (dump_syms without --inlines).")
        var noInlines = false
        @Option(help: "Write like Mozilla's dump_syms (mozilla: merged line rows, names without return types) or Breakpad's (breakpad).")
        var flavor: BreakpadSymbolWriter.Flavor = .mozilla

        func run() async throws {
            let registry = try Bundled.registry()
            var inputs: [(location: String, bytes: ByteView)] = []
            let named = Set(paths.map { URL(fileURLWithPath: expandTilde($0)).path })
            for file in try SymbolsCommand.files(paths) {
                let storage: ByteStorage
                do { storage = try ByteStorage.map(path: file.path) } catch {
                    throw CLIError.usage("\(file.path): cannot read: \(error)")
                }
                // Inside folders, files that are no debug file (Info.plist, sources) are passed over.
                guard named.contains(file.path) || registry.debugFileFormat(for: storage.view) != nil else { continue }
                inputs.append((file.path, storage.view))
            }
            let demanglers = DemanglerSet(registry: registry)
            let keepMangled = noDemangle
            let options = flavor == .breakpad ? DemangleOptions.complete : DemangleOptions(parameters: true, full: false)
            let demangle: @Sendable (String) -> String = { name in
                keepMangled ? name : demanglers.demangle(name, options: options) ?? name
            }
            var (modules, problems) = registry.convertToBreakpad(inputs, inlines: !noInlines, flavor: flavor, demangle: demangle)
            if let arch {
                let all = modules
                modules = all.filter { $0.module.arch == arch }
                if modules.isEmpty, !all.isEmpty {
                    throw CLIError.usage("no \(arch) module; the files hold \(Set(all.map(\.module.arch)).sorted().joined(separator: ", "))")
                }
            }
            // One .sym per output: several modules need a store to go to.
            if output == nil, modules.count > 1 {
                let list = modules.map { "\($0.module.name) \($0.module.arch) \($0.module.debugId.breakpad)" }.joined(separator: "; ")
                throw CLIError.usage("the files hold \(modules.count) modules (\(list)): give --output DIR, or --arch")
            }
            for problem in problems { printError(problem) }
            for module in modules {
                for problem in module.problems { printError("warning: \(problem)") }
                if let output {
                    let url = URL(fileURLWithPath: expandTilde(output)).appendingPathComponent(module.storePath)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(module.text.utf8).write(to: url, options: .atomic)
                    print("\(module.sources.joined(separator: " + ")) -> \(url.path)")
                } else {
                    write(module.text)
                }
            }
            guard !modules.isEmpty else { throw CLIError.processing("no module could be converted") }
            if !problems.isEmpty { throw CLIError.processing("\(problems.count) file(s) could not be converted") }
        }
    }

    struct Upload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload debug files found in files, folders and zips to a crashpipe server, or put them into the local store.")
        @Argument(help: "Files, folders (walked) or zip archives.") var paths: [String]
        @Option(help: "Server base URL, e.g. http://127.0.0.1:8000 (without it: the local store in --data-dir).") var server: String?
        @Option(help: "Organization slug.") var org: String = "crashpipe"
        @Option(help: "Project slug.") var project: String = "default"
        @Option(help: "API token (crashpipe tokens create); also from CRASHPIPE_TOKEN.") var token: String?
        @Option(help: "Data directory for the local store. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let registry = try Bundled.registry()
            var candidates: [(URL, [UInt8])] = []
            var skipped = 0
            for file in try SymbolsCommand.files(paths) {
                guard let bytes = try? Array(Data(contentsOf: file)) else { skipped += 1; continue }
                if ZipArchive.isZip(bytes) || registry.debugFileFormat(for: ByteView(bytes)) != nil {
                    candidates.append((file, bytes))
                } else {
                    skipped += 1
                }
            }
            guard !candidates.isEmpty else { throw CLIError.usage("no debug files found in \(paths.joined(separator: ", "))") }
            var failures = 0
            if let server {
                guard let token = token ?? ProcessInfo.processInfo.environment["CRASHPIPE_TOKEN"] else {
                    throw CLIError.usage("--server needs --token (or CRASHPIPE_TOKEN); create one with `crashpipe tokens create`")
                }
                for (file, bytes) in candidates {
                    do {
                        let objects = try await Self.post(bytes, name: file.lastPathComponent, server: server, org: org,
                                                          project: project, token: token)
                        print("\(file.path): \(objects)")
                    } catch {
                        failures += 1
                        printError("\(file.path): \(error)")
                    }
                }
            } else {
                let directory = try DataDirectory(dataDirectoryURL(dataDir))
                guard let target = try directory.store.project(idOrSlug: project) else {
                    throw CLIError.usage("no project '\(project)' in \(directory.url.path) (crashpipe projects list)")
                }
                let store = directory.symbolStore(registry: registry)
                for (file, bytes) in candidates {
                    do {
                        let stored = try store.store(bytes, name: file.lastPathComponent, projectId: target.id)
                        let what = stored.entries.map { "\($0.object.format) \($0.object.arch) \($0.object.debugId?.dashed ?? "-")" }
                        print("\(file.path): \(stored.created) new, \(stored.entries.count - stored.created) already stored: "
                              + what.joined(separator: "; "))
                    } catch {
                        failures += 1
                        printError("\(file.path): \(error)")
                    }
                }
            }
            if skipped > 0 { print("skipped \(skipped) file(s) that are not debug files") }
            if failures > 0 { throw CLIError.processing("\(failures) file(s) were not stored") }
        }

        /// Sentry's multipart upload (`POST .../files/dsyms/`, field `file`).
        static func post(_ bytes: [UInt8], name: String, server: String, org: String, project: String, token: String) async throws
            -> String {
            let base = server.hasSuffix("/") ? String(server.dropLast()) : server
            guard let url = URL(string: "\(base)/api/0/projects/\(org)/\(project)/files/dsyms/") else {
                throw CLIError.usage("invalid --server URL '\(server)'")
            }
            let boundary = "crashpipe-\(UUID().uuidString)"
            var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n".utf8)
            body += Data("Content-Type: application/octet-stream\r\n\r\n".utf8) + Data(bytes) + Data("\r\n--\(boundary)--\r\n".utf8)
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("multipart/form-data; boundary=\(boundary)", forHTTPHeaderField: "Content-Type")
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.httpBody = body
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let text = String(decoding: data, as: UTF8.self)
            guard status == 201 || status == 200 else { throw CLIError.processing("HTTP \(status): \(text)") }
            let files = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
            return files.map { "\($0["symbolType"] ?? "?") \($0["cpuName"] ?? "?") \($0["debugId"] ?? "-")" }.joined(separator: "; ")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the debug files in the local store.")
        @Option(help: "Only this project (slug or id).") var project: String?
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let directory = try DataDirectory(dataDirectoryURL(dataDir))
            var projectId: Int64?
            if let project {
                guard let found = try directory.store.project(idOrSlug: project) else { throw CLIError.usage("no project '\(project)'") }
                projectId = found.id
            }
            print(["id", "project", "format", "kind", "arch", "debug id", "code id", "features", "size", "name"].joined(separator: "\t"))
            for entry in try directory.store.debugFiles(projectId: projectId) {
                let o = entry.object
                print([String(entry.id), String(entry.projectId), o.format, o.kind ?? "-", o.arch, o.debugId?.dashed ?? "-",
                       o.codeId?.value ?? "-", o.features.names.joined(separator: ","), String(entry.size), entry.name]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove debug files from the local store (by id, or every file of a debug id).")
        @Argument(help: "File ids (from `symbols list`) or debug ids.") var identifiers: [String]
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let directory = try DataDirectory(dataDirectoryURL(dataDir))
            let store = directory.symbolStore(registry: try Bundled.registry())
            var ids: [Int64] = []
            for identifier in identifiers {
                if let id = Int64(identifier) {
                    ids.append(id)
                } else if let debugId = DebugId(identifier) {
                    ids += try directory.store.debugFiles(projectId: nil, debugId: debugId.breakpad).map(\.id)
                } else {
                    throw CLIError.usage("'\(identifier)' is neither a file id nor a debug id")
                }
            }
            let removed = try store.remove(ids: ids, projectId: nil)
            for entry in removed { print("removed \(entry.id): \(entry.name) (\(entry.object.format) \(entry.object.arch))") }
            if removed.isEmpty { throw CLIError.processing("nothing matched \(identifiers.joined(separator: ", "))") }
        }
    }
}

/// `crashpipe tokens create|list`: API tokens for the debug-file upload APIs (sentry-cli's
/// `--auth-token`).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create and list API tokens.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token and print it (it is shown once).")
        @Option(help: "A name to recognize the token by.") var name: String = "token"
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let directory = try DataDirectory(dataDirectoryURL(dataDir))
            print(try directory.store.createAPIToken(name: name))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API tokens (names and creation dates).")
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let directory = try DataDirectory(dataDirectoryURL(dataDir))
            for token in try directory.store.apiTokens() {
                print("\(token.name)\t\(Date(timeIntervalSince1970: token.createdAt))")
            }
        }
    }
}

extension BreakpadSymbolWriter.Flavor: ExpressibleByArgument {}
