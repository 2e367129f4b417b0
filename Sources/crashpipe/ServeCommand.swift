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

    @Option(help: "Data directory (database, spool, symbol store). Default: ~/.crashpipe")
    var dataDir: String?

    @Option(help: "Port to listen on (loopback). Default: 8000; 0 picks a free one.")
    var port: Int = 8000

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Processing workers. Default: one per core.")
    var workers: Int?

    @Option(help: "Admin API token (default: the one created at first start).")
    var adminToken: String?

    func run() async throws {
        var configuration = ServerConfiguration(dataDirectory: dataDirectoryURL(dataDir))
        configuration.port = port
        configuration.host = host
        if let workers { configuration.workers = workers }
        configuration.adminToken = adminToken
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

        func run() async throws {
            if let pipeline { _ = try loadPipeline(pipeline) }
            do {
                let directory = try DataDirectory(dataDirectoryURL(dataDir))
                let path = pipeline.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                let project = try directory.store.createProject(name: name, organization: organization, pipeline: path,
                                                                keepMinidumps: keepMinidumps)
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
