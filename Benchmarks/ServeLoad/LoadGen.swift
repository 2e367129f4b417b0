import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `crashpipe-loadgen`: a closed-loop load generator for `crashpipe serve`'s minidump upload
/// endpoint, on loopback. `--concurrency` clients each send one multipart upload at a time
/// (keep-alive), `--requests` in all; every answer must be 200. Then it polls the admin API until
/// every upload is stored as an event. Benchmarks/serve-benchmark.sh starts a server and runs it.
///
///     crashpipe-loadgen --dump FILE --upload-url URL --admin-base URL --admin-token TOKEN
///                       [--project default] [--requests 2000] [--concurrency 16]
///                       [--warmup 20] [--client socket|urlsession] [--pad-to BYTES]
///                       [--server-pid PID] [--poll-ms 20] [--timeout 900]
///
/// `--client socket` (the default) is a plain blocking HTTP/1.1 client, one thread and one
/// keep-alive connection per concurrent client; `--client urlsession` uses URLSession (libcurl
/// on Linux) for comparison. `--pad-to` appends zero bytes to the dump up to that size (bytes
/// after the last stream do not change what the parser reads). `--server-pid` adds the server's
/// CPU time (from /proc) per phase.
@main
struct LoadGen {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        do {
            let options = try Options(CommandLine.arguments.dropFirst())
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("crashpipe-loadgen: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: Options) async throws {
        var dump = try Array(Data(contentsOf: URL(fileURLWithPath: options.dump)))
        let originalSize = dump.count
        if let padTo = options.padTo, padTo > dump.count { dump += [UInt8](repeating: 0, count: padTo - dump.count) }
        let form = Multipart.upload(dump: dump)
        let upload = try Endpoint(options.uploadURL)
        let admin = try Endpoint(options.adminBase)
        let groupsPath = admin.path.trimmingSuffix("/") + "/api/0/projects/\(options.project)/groups/"
        let poller = try AdminPoller(endpoint: admin, path: groupsPath, token: options.adminToken)

        print("dump: \(options.dump): \(originalSize) bytes" +
              (dump.count != originalSize ? ", padded with zeros to \(dump.count) bytes" : ""))
        print("request: multipart/form-data body \(form.body.count) bytes (upload_file_minidump + 4 fields), " +
              "POST \(upload.path)")
        print("client: \(options.client.rawValue), concurrency \(options.concurrency), requests \(options.requests), " +
              "warm-up \(options.warmup); loadgen machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")

        let client: any UploadClient = switch options.client {
        case .socket: SocketClient(endpoint: upload, body: form.body, contentType: form.contentType)
        case .urlsession: URLSessionClient(url: options.uploadURL, body: form.body, contentType: form.contentType,
                                           concurrency: options.concurrency)
        }

        // Warm-up: the symbol files are read (page cache), the pipeline is loaded, connections exist.
        var stored = try poller.storedEvents()
        if options.warmup > 0 {
            let warm = try await client.run(requests: options.warmup, concurrency: min(options.concurrency, options.warmup))
            try warm.requireAllOK()
            _ = try poller.wait(until: stored + options.warmup, pollMs: options.pollMs, timeout: options.timeout)
            stored += options.warmup
            print("warm-up: \(options.warmup) uploads processed")
        }
        let baseline = stored

        let cpu0 = CPUTimes.sample(serverPid: options.serverPid)
        let start = Clock.now()
        let result = try await client.run(requests: options.requests, concurrency: options.concurrency)
        let uploadsEnd = Clock.now()
        let cpu1 = CPUTimes.sample(serverPid: options.serverPid)
        let storedAtUploadsEnd = try poller.storedEvents() - baseline
        let lastStored = try poller.wait(until: baseline + options.requests, pollMs: options.pollMs,
                                         timeout: options.timeout)
        let cpu2 = CPUTimes.sample(serverPid: options.serverPid)

        let uploadSeconds = Clock.seconds(uploadsEnd - start)
        let totalSeconds = Clock.seconds(lastStored - start)
        let drainSeconds = max(0, Clock.seconds(lastStored - uploadsEnd))
        let backlog = options.requests - storedAtUploadsEnd
        let latencies = result.latencies.sorted()
        func ms(_ p: Double) -> Double { Clock.seconds(percentile(latencies, p)) * 1000 }

        print("")
        print(String(format: "uploads: %d in %.3f s = %.1f uploads/s, all %d answered 200", options.requests,
                     uploadSeconds, Double(options.requests) / uploadSeconds, result.ok))
        print(String(format: "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (mean %.2f)", ms(0.50), ms(0.90),
                     ms(0.99), Clock.seconds(latencies.last ?? 0) * 1000,
                     Clock.seconds(latencies.reduce(0, +)) * 1000 / Double(max(1, latencies.count))))
        print(String(format: "events: %d stored %.3f s after the first upload was sent = %.1f events/s",
                     options.requests, totalSeconds, Double(options.requests) / totalSeconds))
        print(String(format: "backlog: %d of %d not yet stored when the last upload was answered; drained in %.3f s%@",
                     backlog, options.requests, drainSeconds,
                     backlog > 0 && drainSeconds > 0 ? String(format: " (%.1f events/s processing alone)",
                                                                Double(backlog) / drainSeconds) : ""))
        print(String(format: "(event times are polled every %d ms: up to that much later than the last store)", options.pollMs))
        if let c0 = cpu0, let c1 = cpu1, let c2 = cpu2 {
            let loadUp = c1.loadgen - c0.loadgen
            let otherUp = (c1.machine - c0.machine) - (c1.server - c0.server) - loadUp
            print(String(format: "CPU during uploads (%.2f s wall): server %.2f s (%.0f%%; %.2f s of it system), " +
                         "loadgen %.2f s (%.0f%%), other processes %.0f%%", uploadSeconds, c1.server - c0.server,
                         (c1.server - c0.server) / uploadSeconds * 100, c1.serverSystem - c0.serverSystem,
                         loadUp, loadUp / uploadSeconds * 100, max(0, otherUp) / uploadSeconds * 100))
            if drainSeconds > 0 {
                let otherDrain = (c2.machine - c1.machine) - (c2.server - c1.server) - (c2.loadgen - c1.loadgen)
                print(String(format: "CPU during drain (%.2f s wall): server %.2f s (%.0f%%; %.2f s of it system), " +
                             "other processes %.0f%%", drainSeconds, c2.server - c1.server,
                             (c2.server - c1.server) / drainSeconds * 100, c2.serverSystem - c1.serverSystem,
                             max(0, otherDrain) / drainSeconds * 100))
            }
            print(String(format: "server CPU per event (uploads + processing): %.2f ms",
                         (c2.server - c0.server) / Double(options.requests) * 1000))
        }
        var other = ""
        if let c0 = cpu0, let c2 = cpu2 {
            let used = (c2.machine - c0.machine) - (c2.server - c0.server) - (c2.loadgen - c0.loadgen)
            other = String(format: " other_cpu_pct=%.0f", max(0, used) / totalSeconds * 100)
        }
        print(String(format: "RESULT uploads_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f events_per_s=%.1f " +
                     "backlog=%d drain_s=%.3f upload_s=%.3f total_s=%.3f",
                     Double(options.requests) / uploadSeconds, ms(0.50), ms(0.90), ms(0.99),
                     Clock.seconds(latencies.last ?? 0) * 1000, Double(options.requests) / totalSeconds,
                     backlog, drainSeconds, uploadSeconds, totalSeconds) + other)
        try result.requireAllOK()
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [UInt64], _ p: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}

// MARK: - Options

enum ClientKind: String {
    case socket, urlsession
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
}

struct Options {
    var dump = ""
    var uploadURL = ""
    var adminBase = ""
    var adminToken = ""
    var project = "default"
    var requests = 2000
    var concurrency = 16
    var warmup = 20
    var client = ClientKind.socket
    var padTo: Int?
    var serverPid: Int32?
    var pollMs = 20
    var timeout: Double = 900

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        func value(_ name: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(description: "\(name) needs a value") }
            return next
        }
        func int(_ name: String) throws -> Int {
            let text = try value(name)
            guard let number = Int(text), number >= 0 else { throw UsageError(description: "\(name): not a count: \(text)") }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--dump": dump = try value(argument)
            case "--upload-url": uploadURL = try value(argument)
            case "--admin-base": adminBase = try value(argument)
            case "--admin-token": adminToken = try value(argument)
            case "--project": project = try value(argument)
            case "--requests": requests = try int(argument)
            case "--concurrency": concurrency = try int(argument)
            case "--warmup": warmup = try int(argument)
            case "--pad-to": padTo = try int(argument)
            case "--server-pid": serverPid = Int32(try int(argument))
            case "--poll-ms": pollMs = max(1, try int(argument))
            case "--timeout": timeout = Double(try int(argument))
            case "--client":
                let text = try value(argument)
                guard let kind = ClientKind(rawValue: text) else { throw UsageError(description: "--client: socket or urlsession") }
                client = kind
            case "-h", "--help":
                print("usage: crashpipe-loadgen --dump FILE --upload-url URL --admin-base URL --admin-token TOKEN " +
                      "[--project default] [--requests 2000] [--concurrency 16] [--warmup 20] " +
                      "[--client socket|urlsession] [--pad-to BYTES] [--server-pid PID] [--poll-ms 20] [--timeout 900]")
                exit(0)
            default: throw UsageError(description: "unknown argument \(argument) (see --help)")
            }
        }
        for (name, given) in [("--dump", dump), ("--upload-url", uploadURL), ("--admin-base", adminBase),
                              ("--admin-token", adminToken)] where given.isEmpty {
            throw UsageError(description: "\(name) is required")
        }
        guard requests > 0, concurrency > 0 else { throw UsageError(description: "--requests and --concurrency must be positive") }
    }
}

// MARK: - Timing

enum Clock {
    /// Monotonic nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func seconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e9 }
}

/// CPU seconds (user + system) of this process, of the server and of the whole machine (Linux
/// /proc only): what neither used was taken by other processes.
struct CPUTimes {
    var loadgen: Double
    var server: Double
    /// The server's system (kernel) part of `server`.
    var serverSystem: Double
    var machine: Double

    static func sample(serverPid: Int32?) -> CPUTimes? {
        guard let serverPid, let (server, serverSystem) = processCPU(serverPid) else { return nil }
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        let own = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return CPUTimes(loadgen: own, server: server, serverSystem: serverSystem, machine: machineCPU() ?? 0)
    }

    /// Busy CPU seconds of all cores since boot: the first line of /proc/stat without idle and iowait.
    static func machineCPU() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// utime + stime of a process from /proc/PID/stat (fields 14 and 15, after the command name).
    static func processCPU(_ pid: Int32) -> (total: Double, system: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime is field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ((user + system) / tick, system / tick)
    }
}

// MARK: - Request body

struct Multipart {
    var body: [UInt8]
    var contentType: String

    /// A Breakpad/Crashpad-style upload: the minidump, the release, and a few annotations.
    static func upload(dump: [UInt8]) -> Multipart {
        let boundary = "crashpipe-loadgen-\(UUID().uuidString)"
        var body: [UInt8] = []
        func field(_ name: String, _ value: String) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        field("sentry[release]", "1.0.0")
        field("sentry[environment]", "benchmark")
        field("prod", "crashpipe-loadgen")
        field("ver", "1.0.0")
        body += Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; " +
                       "filename=\"minidump.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n").utf8)
        body += dump
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return Multipart(body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }
}

// MARK: - Clients

struct RunResult {
    var latencies: [UInt64] = []
    var ok = 0
    var failures: [String] = []

    func requireAllOK() throws {
        guard failures.isEmpty else {
            throw UsageError(description: "\(failures.count) uploads were not answered 200; first: " +
                             failures.prefix(5).joined(separator: " | "))
        }
    }

    mutating func merge(_ other: RunResult) {
        latencies += other.latencies
        ok += other.ok
        failures += other.failures
    }
}

protocol UploadClient: Sendable {
    /// Sends `requests` uploads, `concurrency` at a time; records each one's response time.
    func run(requests: Int, concurrency: Int) async throws -> RunResult
}

/// Which request to send next, shared by the clients.
final class Ticket: Sendable {
    private let next = Atomic<Int>(0)
    let limit: Int
    init(limit: Int) { self.limit = limit }

    func take() -> Bool {
        next.wrappingAdd(1, ordering: .relaxed).oldValue < limit
    }
}

/// host:port and path (with query) of a loopback http URL.
struct Endpoint: Sendable {
    var host: String
    var port: UInt16
    var path: String

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), components.scheme == "http",
              let host = components.host else {
            throw UsageError(description: "not an http URL: \(text)")
        }
        // Loopback only: this tool is a load generator for a local server.
        guard host == "localhost" || host.hasPrefix("127.") else {
            throw UsageError(description: "only loopback addresses are allowed: \(text)")
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        port = UInt16(components.port ?? 80)
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        path = (components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath) + query
    }
}

/// A blocking HTTP/1.1 keep-alive connection (Content-Length or chunked responses).
final class HTTPConnection {
    let endpoint: Endpoint
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(_ endpoint: Endpoint) { self.endpoint = endpoint }
    deinit { if fd >= 0 { close(fd) } }

    struct Failure: Error, CustomStringConvertible { var description: String }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        #if canImport(Glibc)
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let socketFD = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socketFD >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = endpoint.port.bigEndian
        guard inet_pton(AF_INET, endpoint.host, &address.sin_addr) == 1 else {
            close(socketFD)
            throw Failure(description: "not an IPv4 address: \(endpoint.host)")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socketFD)
            throw Failure(description: "connect to \(endpoint.host):\(endpoint.port): errno \(errno)")
        }
        fd = socketFD
        buffer.removeAll(keepingCapacity: true)
    }

    func reset() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Sends a complete request and reads the response: status and body.
    func exchange(_ request: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        try connectIfNeeded()
        do {
            try request.withUnsafeBytes { raw in
                var sent = 0
                while sent < raw.count {
                    #if canImport(Glibc)
                    let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                    #else
                    let n = send(fd, raw.baseAddress! + sent, raw.count - sent, 0)
                    #endif
                    guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
                    sent += n
                }
            }
            return try readResponse()
        } catch {
            reset()
            throw error
        }
    }

    private func fill() throws {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed by the server" : "recv: errno \(errno)") }
        buffer += chunk[0..<n]
    }

    private static let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
    private static let lineEnd: [UInt8] = Array("\r\n".utf8)

    private func find(_ needle: [UInt8], from start: Int = 0) -> Int? {
        guard buffer.count >= needle.count + start else { return nil }
        var i = start
        while i <= buffer.count - needle.count {
            if buffer[i] == needle[0] && buffer[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        var end = find(Self.headerEnd)
        while end == nil {
            try fill()
            end = find(Self.headerEnd)
        }
        let head = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var length: Int?
        var chunked = false
        var closes = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding" && value.contains("chunked") { chunked = true }
            if name == "connection" && value == "close" { closes = true }
        }
        var body: [UInt8] = []
        if chunked {
            while true {
                var lineEnd = find(Self.lineEnd)
                while lineEnd == nil {
                    try fill()
                    lineEnd = find(Self.lineEnd)
                }
                let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw Failure(description: "bad chunk size")
                }
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { try fill() }
                body += buffer[0..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }  // no trailers expected
            }
        } else if let length {
            while buffer.count < length { try fill() }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else {
            // Body until the server closes the connection.
            while (try? fill()) != nil {}
            body = buffer
            buffer.removeAll()
            closes = true
        }
        if closes { reset() }
        return (status, body)
    }
}

/// One thread and one keep-alive connection per concurrent client, sending prebuilt bytes.
struct SocketClient: UploadClient {
    let endpoint: Endpoint
    let request: [UInt8]

    init(endpoint: Endpoint, body: [UInt8], contentType: String) {
        self.endpoint = endpoint
        let head = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n" +
            "User-Agent: crashpipe-loadgen\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
        request = Array(head.utf8) + body
    }

    func run(requests: Int, concurrency: Int) async throws -> RunResult {
        let ticket = Ticket(limit: requests)
        let results = Mutex(RunResult())
        let group = DispatchGroup()
        let endpoint = self.endpoint
        let request = self.request
        for _ in 0..<concurrency {
            group.enter()
            let thread = Thread {
                var own = RunResult()
                own.latencies.reserveCapacity(requests / concurrency + 1)
                let connection = HTTPConnection(endpoint)
                while ticket.take() {
                    let start = Clock.now()
                    do {
                        let (status, body) = try connection.exchange(request)
                        own.latencies.append(Clock.now() - start)
                        if status == 200 {
                            own.ok += 1
                        } else {
                            own.failures.append("\(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
                        }
                    } catch {
                        own.latencies.append(Clock.now() - start)
                        own.failures.append("\(error)")
                    }
                }
                results.withLock { $0.merge(own) }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { continuation.resume() }
        }
        return results.withLock { $0 }
    }
}

/// URLSession (libcurl on Linux), `concurrency` tasks each awaiting one upload at a time.
struct URLSessionClient: UploadClient {
    let url: URL
    let body: Data
    let contentType: String
    let session: URLSession

    init(url: String, body: [UInt8], contentType: String, concurrency: Int) {
        self.url = URL(string: url)!
        self.body = Data(body)
        self.contentType = contentType
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = concurrency
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
    }

    func run(requests: Int, concurrency: Int) async throws -> RunResult {
        let ticket = Ticket(limit: requests)
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        request.setValue("crashpipe-loadgen", forHTTPHeaderField: "User-Agent")
        let prepared = request
        return await withTaskGroup(of: RunResult.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var own = RunResult()
                    while ticket.take() {
                        let start = Clock.now()
                        do {
                            let (data, response) = try await session.upload(for: prepared, from: body)
                            own.latencies.append(Clock.now() - start)
                            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                            if status == 200 {
                                own.ok += 1
                            } else {
                                own.failures.append("\(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
                            }
                        } catch {
                            own.latencies.append(Clock.now() - start)
                            own.failures.append("\(error)")
                        }
                    }
                    return own
                }
            }
            var all = RunResult()
            for await partial in group { all.merge(partial) }
            return all
        }
    }
}

// MARK: - Admin API

/// Counts the project's stored events: the sum of its groups' `count`.
final class AdminPoller {
    let connection: HTTPConnection
    let request: [UInt8]

    init(endpoint: Endpoint, path: String, token: String) throws {
        connection = HTTPConnection(endpoint)
        request = Array(("GET \(path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n" +
                         "User-Agent: crashpipe-loadgen\r\nAuthorization: Bearer \(token)\r\n\r\n").utf8)
    }

    func storedEvents() throws -> Int {
        let (status, body) = try connection.exchange(request)
        guard status == 200 else {
            throw UsageError(description: "groups API answered \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        guard let groups = try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
            throw UsageError(description: "groups API did not answer a JSON array")
        }
        return groups.reduce(0) { total, group in
            switch group["count"] {
            case let text as String: total + (Int(text) ?? 0)
            case let number as NSNumber: total + number.intValue
            default: total
            }
        }
    }

    /// Polls until at least `count` events are stored; returns the time of the poll that saw them.
    func wait(until count: Int, pollMs: Int, timeout: Double) throws -> UInt64 {
        let deadline = Clock.now() + UInt64(timeout * 1e9)
        while true {
            let stored = try storedEvents()
            let now = Clock.now()
            if stored >= count { return now }
            guard now < deadline else {
                throw UsageError(description: "only \(stored) of \(count) events stored after \(Int(timeout)) s")
            }
            usleep(UInt32(pollMs) * 1000)
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
