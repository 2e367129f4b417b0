import CrashpipeCore
import Logging
import ScrubDefaults

/// A report with a secret of every kind in every field the stage cleans.
enum LeakyReport {
    /// Strings that must not survive scrubbing (each is in the unscrubbed report's JSON).
    static let secrets = [
        // Values of sensitive keys.
        "hunter2-xyzzy", "tok_9f8e7d6c5b4a", "sess-ABCDEF123", "AKIAEXAMPLEKEY77", "dXNlcjpwYXNz", "cookie-secret-456",
        "BEGIN-PRIVATE-KEY-0042", "annot-pass-1", "obj-secret-000", "argv-secret-1", "pw-in-status",
        // Secrets found by their shape.
        "qs-secret-123", "eyJhbGciOiJIUzI1NiJ9", "abc.def.ghi", "list-secret-789", "pa55w0rd", "argv-secret-2",
        "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "crumb-token-55",
        // User names in paths.
        "dthompson", "emartinez", "Frank Miller", "gnakamura", "hsilva", "ipetrov", "jokafor", "lrossi",
        "mchen", "nkowalski", "obrien",
        // The Linux environment and command line.
        "env-secret-77", "kmueller", "linux-cmdline-token",
    ]

    /// Values that are not secret and must come through unchanged.
    static let keptValues = [
        "MyApp", "1.2.3", "web-1", "beta", "text/html", "http", "--verbose", "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/build/src/app.cpp", "203.0.113.77", "2001:db8::7334", "order 12345 shipped", "MyApp::Store::open",
        "https://example.com/home/index.html", "/Users/Shared/Assets/logo.png",
    ]

    static func make() -> CrashReport {
        var report = CrashReport(source: "/home/obrien/dumps/crash.dmp")
        report.modules = [
            Module(base: 0x1000, size: 0x1000, codeFile: "/home/emartinez/build/out/libapp.so",
                   debugFile: "C:\\Users\\Frank Miller\\src\\app.pdb"),
            Module(base: 0x4000, size: 0x1000, codeFile: "/usr/lib/x86_64-linux-gnu/libc.so.6", debugFile: "libc.so.6"),
        ]
        report.unloadedModules = [Module(base: 0x8000, size: 0x1000, codeFile: "c:/users/gnakamura/AppData/Local/x.dll")]

        var frame = Frame(instruction: 0x1234, trust: .context)
        frame.moduleIndex = 0
        frame.function = "MyApp::Store::open"
        frame.file = "/Users/hsilva/src/app/main.cpp"
        var inline = InlineFrame(function: "MyApp::inl", file: "C:\\USERS\\ipetrov\\src\\inl.h", line: 3)
        inline.rawFunction = "_ZN5MyApp3inlEv"
        frame.inlines = [inline]
        var caller = Frame(instruction: 0x4321, trust: .cfi)
        caller.file = "/build/src/app.cpp"
        var thread = Thread(id: 7, name: "worker", stack: MemoryRegion(base: 0x7ff0, bytes: ByteView(Array("stack-bytes".utf8))))
        thread.frames = [frame, caller]
        report.threads = [thread]
        report.requestingThread = 0
        report.memory = MemoryMap([MemoryRegion(base: 0x9000, bytes: ByteView(Array("heap-bytes".utf8)))])

        var process = ProcessDetails()
        process.commandLine = ["/home/jokafor/bin/app", "--password", "argv-secret-1", "--api-key=argv-secret-2", "--verbose"]
        report.process = process
        report.assertion = AssertionInfo(expression: "ptr != nullptr", function: "MyApp::load",
                                         file: "/home/lrossi/src/load.cpp", line: 10, type: "1")

        report.annotations = Annotations(simple: ["password": "annot-pass-1", "channel": "beta"], modules: [
            Annotations.ModuleAnnotations(
                moduleIndex: 0, moduleName: "/home/mchen/lib/libapp.so",
                listAnnotations: ["secret=list-secret-789", "order 12345 shipped"],
                simpleAnnotations: ["Authorization": "Bearer abc.def.ghi", "ver": "1.2.3"],
                annotationObjects: [
                    Annotations.AnnotationObject(name: "crash_key_token", type: 1, value: "obj-secret-000"),
                    Annotations.AnnotationObject(name: "upstream", type: 1, value: "https://svc:pa55w0rd@internal.example.com/"),
                    Annotations.AnnotationObject(name: "logo", type: 1, value: "/Users/Shared/Assets/logo.png"),
                ]),
        ])

        var linux = LinuxDetails()
        linux.environment = ["HOME": "/home/kmueller", "AWS_SECRET": "env-secret-77"]
        linux.commandLine = ["app", "--token", "linux-cmdline-token"]
        linux.procStatus = ["Name": "app", "Password": "pw-in-status"]
        linux.maps = [LinuxDetails.MemoryMapping(start: 0x1000, end: 0x2000, permissions: "r-xp", offset: 0, device: "08:01",
                                                 inode: 12, path: "/home/nkowalski/lib/libx.so")]
        report.linux = linux

        let event = JSONObject([
            ("release", .string("1.2.3")),
            ("tags", .object(JSONObject([("server", .string("web-1")), ("session_id", .string("sess-ABCDEF123"))]))),
            ("contexts", .object(JSONObject([
                ("app", .object(JSONObject([("name", .string("MyApp")), ("api_key", .string("AKIAEXAMPLEKEY77"))]))),
            ]))),
            ("user", .object(JSONObject([("id", .string("42")), ("ip_address", .string("203.0.113.77"))]))),
            ("request", .object(JSONObject([
                ("url", .string("https://api.example.com/v1/items?token=qs-secret-123")),
                ("headers", .array([
                    .array([.string("Authorization"), .string("Basic dXNlcjpwYXNz")]),
                    .array([.string("Accept"), .string("text/html")]),
                ])),
                ("cookies", .string("sid=cookie-secret-456")),
                ("env", .object(JSONObject([("REMOTE_ADDR", .string("2001:db8::7334"))]))),
                ("homepage", .string("https://example.com/home/index.html")),
            ]))),
            ("breadcrumbs", .object(JSONObject([("values", .array([
                .object(JSONObject([("category", .string("http")),
                                    ("message", .string("GET /items with Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"))])),
                .object(JSONObject([("category", .string("config")),
                                    ("message", .string("loaded /home/dthompson/.config/app.ini"))])),
                .object(JSONObject([("data", .object(JSONObject([("X-Auth", .string("crumb-token-55"))])))])),
            ]))]))),
            ("extra", .object(JSONObject([
                ("deep", .object(JSONObject([("nested", .object(JSONObject([("PRIVATE_KEY", .string("BEGIN-PRIVATE-KEY-0042"))])))]))),
                ("payment", .string("card 5500-0000-0000-0004 declined")),
            ]))),
        ])
        let extra = JSONObject([
            ("prod", .string("MyApp")), ("ver", .string("1.2.3")),
            ("db_password", .string("hunter2-xyzzy")), ("AUTH_TOKEN", .string("tok_9f8e7d6c5b4a")),
            ("note", .string("card 4111 1111 1111 1111 on file")), ("amex", .string("378282246310005")),
            ("order", .string("order 12345 shipped")),
        ])
        report.submission = Submission(eventId: "0123456789abcdef0123456789abcdef", receivedAt: 0, extra: extra,
                                       event: event)
        return report
    }

    static let context = StageContext(input: PipelineInput(name: "test", bytes: ByteView([])),
                                      logger: Logger(label: "test"), stage: "scrub.defaults")

    static func scrub(_ report: CrashReport, _ configuration: ScrubDefaultsStage.Configuration = .init()) async throws -> CrashReport {
        let stage = ScrubDefaultsStage(configuration: configuration, services: Services(registry: PluginRegistry()))
        var report = report
        try await stage.run(&report, context: context)
        return report
    }

    static func json(_ report: CrashReport) throws -> String {
        try JSONOutput.string(report)
    }
}
