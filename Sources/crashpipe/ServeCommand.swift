import ArgumentParser
import Bundled
import CrashpipeCore
import CrashpipeServer
import Foundation
import Logging

/// `crashpipe serve`: the upload endpoint, processing workers and JSON API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Accept minidump uploads (Sentry-compatible), process them and serve the events."
    )

    @Option(help: "Server config file (YAML: data_dir, host, port, workers, admin_token, limits). Flags win over it.")
    var config: String?

    @Option(help: "Data directory (database, spool, symbol store). Default: ~/.crashpipe")
    var dataDir: String?

    @Option(help: "Port to listen on. Default: 8000; 0 picks a free one.")
    var port: Int?

    @Option(help: "Address to listen on. Default: 127.0.0.1 (loopback).")
    var host: String?

    @Option(help: "Processing workers. Default: one per core.")
    var workers: Int?

    @Option(help: "Admin API token (default: the one created at first start).")
    var adminToken: String?

    func run() async throws {
        var configuration = ServerConfiguration(dataDirectory: ServerConfiguration.defaultDataDirectory())
        if let config {
            do {
                try ServerConfigFile.load(path: config).apply(to: &configuration)
            } catch {
                throw CLIError.usage(error.description)
            }
        }
        if let dataDir { configuration.dataDirectory = dataDirectoryURL(dataDir) }
        if let port { configuration.port = port }
        if let host { configuration.host = host }
        if let workers { configuration.workers = workers }
        if let adminToken { configuration.adminToken = adminToken }
        var logger = Logger(label: "crashpipe.serve")
        logger.logLevel = .info
        do {
            try await CrashpipeServer.run(configuration: configuration, registry: try Bundled.registry(), logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        } catch let error as StoreError {
            throw CLIError.usage(error.message)
        }
    }
}

func dataDirectoryURL(_ given: String?) -> URL {
    given.map { URL(fileURLWithPath: expandTilde($0)) } ?? ServerConfiguration.defaultDataDirectory()
}

/// `crashpipe projects create|list`.
struct ProjectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projects", abstract: "Create and list projects.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project and print its keys.")
        @Argument(help: "Project name.") var name: String
        @Option(help: "Pipeline file the project's events run through (default: the built-in default).") var pipeline: String?
        @Option(help: "Organization slug.") var organization: String = "crashpipe"
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?
        @Flag(help: "Keep minidumps after processing.") var keepMinidumps = false
        @Flag(help: "Keep the uploads' attachments (other file parts); by default they are dropped.") var keepAttachments = false

        func run() async throws {
            if let pipeline { _ = try loadPipeline(pipeline) }
            do {
                let directory = try DataDirectory(dataDirectoryURL(dataDir))
                let path = pipeline.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                let project = try directory.store.createProject(name: name, organization: organization, pipeline: path,
                                                                keepMinidumps: keepMinidumps, keepAttachments: keepAttachments)
                print("id: \(project.id)\nslug: \(project.organization)/\(project.slug)\npublic key: \(project.publicKey)")
                print("minidump URL: \(CrashpipeServer.uploadURL(base: "http://127.0.0.1:8000", project: project))")
            } catch let error as StoreError {
                throw CLIError.usage(error.message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects with their keys and pipelines.")
        @Option(help: "Data directory. Default: ~/.crashpipe") var dataDir: String?

        func run() async throws {
            let directory = try DataDirectory(dataDirectoryURL(dataDir))
            for project in try directory.store.projects() {
                print("\(project.id)\t\(project.organization)/\(project.slug)\t\(project.publicKey)\t\(project.pipeline ?? "default")")
            }
        }
    }
}
