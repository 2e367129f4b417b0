/// Facts about the crashed process that are not threads or modules.
public struct ProcessDetails: Sendable, Codable, Hashable {
    public var processId: UInt32?
    /// Process creation time, seconds since the Unix epoch.
    public var createTime: UInt32?
    /// CPU time spent in user and kernel mode, seconds.
    public var userTime: UInt32?
    public var kernelTime: UInt32?
    public var processorMaxMhz: UInt32?
    public var processorCurrentMhz: UInt32?
    public var timeZone: String?
    /// Windows build strings ("10.0.22621.1 (WinBuild.160101.0800)").
    public var buildString: String?
    public var debugBuildString: String?
    /// The command line, when the dump records it.
    public var commandLine: [String]?

    public init() {}
}

/// Metadata the crash reporter attached: Crashpad annotations and the like.
public struct Annotations: Sendable, Codable, Hashable {
    /// A key-value annotation of one module, or a typed annotation object.
    public struct ModuleAnnotations: Sendable, Codable, Hashable {
        public var moduleIndex: Int
        public var moduleName: String?
        public var listAnnotations: [String]
        public var simpleAnnotations: [String: String]
        public var annotationObjects: [AnnotationObject]

        public init(moduleIndex: Int, moduleName: String? = nil, listAnnotations: [String] = [],
                    simpleAnnotations: [String: String] = [:], annotationObjects: [AnnotationObject] = []) {
            self.moduleIndex = moduleIndex
            self.moduleName = moduleName
            self.listAnnotations = listAnnotations
            self.simpleAnnotations = simpleAnnotations
            self.annotationObjects = annotationObjects
        }
    }

    /// A Crashpad annotation object: a name, a type code and a value.
    public struct AnnotationObject: Sendable, Codable, Hashable {
        public var name: String
        public var type: UInt16
        /// The value as text when it is a string annotation, else hex of the bytes.
        public var value: String

        public init(name: String, type: UInt16, value: String) {
            self.name = name
            self.type = type
            self.value = value
        }
    }

    public var reportId: String?
    public var clientId: String?
    public var simple: [String: String]
    public var modules: [ModuleAnnotations]

    public init(reportId: String? = nil, clientId: String? = nil, simple: [String: String] = [:],
                modules: [ModuleAnnotations] = []) {
        self.reportId = reportId
        self.clientId = clientId
        self.simple = simple
        self.modules = modules
    }
}

/// Linux-specific text the Breakpad and Crashpad writers add (from /proc and /etc).
public struct LinuxDetails: Sendable, Codable, Hashable {
    /// /etc/lsb-release (or os-release) fields.
    public var lsbRelease: [String: String]?
    /// /proc/self/cmdline, split at NUL.
    public var commandLine: [String]?
    /// /proc/self/environ keys (values kept only where a scrubber allows).
    public var environment: [String: String]?
    /// /proc/self/status fields.
    public var procStatus: [String: String]?
    /// /proc/cpuinfo of the first processor.
    public var cpuInfo: [String: String]?
    /// /proc/self/maps lines.
    public var maps: [MemoryMapping]?
    /// The auxiliary vector as (type, value).
    public var auxv: [AuxvEntry]?
    /// Modules from the dynamic linker's r_debug list.
    public var dsoDebug: [DSOEntry]?

    public struct MemoryMapping: Sendable, Codable, Hashable {
        @Hex public var start: UInt64
        @Hex public var end: UInt64
        public var permissions: String
        @Hex public var offset: UInt64
        public var device: String
        public var inode: UInt64
        public var path: String?

        public init(start: UInt64, end: UInt64, permissions: String, offset: UInt64, device: String,
                    inode: UInt64, path: String?) {
            self.start = start
            self.end = end
            self.permissions = permissions
            self.offset = offset
            self.device = device
            self.inode = inode
            self.path = path
        }
    }

    public struct AuxvEntry: Sendable, Codable, Hashable {
        public var type: UInt64
        public var name: String?
        @Hex public var value: UInt64
        public init(type: UInt64, name: String?, value: UInt64) {
            self.type = type
            self.name = name
            self.value = value
        }
    }

    public struct DSOEntry: Sendable, Codable, Hashable {
        @Hex public var address: UInt64
        public var name: String
        @Hex public var dynamic: UInt64
        public init(address: UInt64, name: String, dynamic: UInt64) {
            self.address = address
            self.name = name
            self.dynamic = dynamic
        }
    }

    public init() {}
}
