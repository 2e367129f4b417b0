import CrashpipeCore

/// A Breakpad microdump: the text record of one crash that Breakpad's Linux client prints to
/// the system log (logcat on Android) instead of writing a minidump.
///
/// The records, one per line between `-----BEGIN BREAKPAD MICRODUMP-----` and
/// `-----END BREAKPAD MICRODUMP-----` (numbers are upper-case hex without `0x`):
///
/// | record | fields | read as |
/// |---|---|---|
/// | `V` | product:version (`UNKNOWN:0.0.0.0` when unset) | ``product`` |
/// | `O` | OS letter (`A` Android, `L` Linux), architecture, CPU count, hardware architecture, OS version text | ``os``, ``cpu``, ... |
/// | `P` | process type (`UNKNOWN` when unset) | ``processType`` |
/// | `R` | signal number, signal name, crash address | ``crash`` |
/// | `G` | GL version, vendor and renderer separated by vertical bars, or `UNKNOWN` | ``gpu`` |
/// | `H` | free address-space statistics (32-bit writers) | ignored, as Breakpad does |
/// | `S 0` | stack pointer, stack start, stack size | ``stackHeader`` |
/// | `S` | address, the bytes there as hex (384-byte chunks, contiguous) | ``stack`` |
/// | `C` | the CPU context as hex: the minidump context structure of the architecture | ``context`` |
/// | `M` | base, file offset, size, debug id (GUID and age, Breakpad notation), file name | ``modules`` |
///
/// The dump describes one thread, the crashed one. Where Breakpad's reader (`microdump.cc`) is
/// lenient with broken input (it skips what it cannot read), this reader throws a
/// ``ParseError`` whose context names the line; it only notes what Breakpad would accept
/// without losing anything (a short stack, overlapping modules, unknown record types).
public struct Microdump: Sendable {
    /// The crash as the `R` line gives it.
    public struct Crash: Sendable, Hashable {
        public var signal: UInt32
        /// The signal's name as the writer printed it ("SIGSEGV").
        public var reason: String
        public var address: UInt64

        public init(signal: UInt32, reason: String, address: UInt64) {
            self.signal = signal
            self.reason = reason
            self.address = address
        }
    }

    /// The `S 0` line: where the stack pointer was and which range the stack lines cover.
    public struct StackHeader: Sendable, Hashable {
        public var stackPointer: UInt64
        public var start: UInt64
        public var size: UInt64

        public init(stackPointer: UInt64, start: UInt64, size: UInt64) {
            self.stackPointer = stackPointer
            self.start = start
            self.size = size
        }
    }

    /// The largest input read (a microdump is tens of kilobytes; a whole logcat may be more).
    public static let maxInputSize = 64 * 1024 * 1024
    /// The longest line read. The writer's lines are under 2 KiB (a 1232-byte context as hex).
    public static let maxLineLength = 64 * 1024

    /// The letter of the `O` line and the OS it names.
    public static let operatingSystems: [String: OS] = ["A": .android, "L": .linux]

    /// The architectures the writer names in the `O` line, and crashpipe's CPUs for them.
    public static let architectures: [String: CPU] = [
        "arm": .arm, "arm64": .arm64, "x86": .x86, "x86_64": .amd64, "mips": .mips, "mips64": .mips64,
        "riscv32": .riscv, "riscv64": .riscv64, "loongarch64": CPU(rawValue: "loongarch64"),
    ]

    public var os: OS
    /// The architecture as written ("arm64").
    public var architecture: String
    public var cpu: CPU
    public var cpuCount: Int
    /// The machine `uname` reported ("armv7l", "aarch64"); Breakpad does not show it.
    public var hardwareArchitecture: String
    /// The rest of the `O` line: a build fingerprint or uname's release and version.
    public var osVersion: String
    public var gpu: GPUInfo?
    /// The `V` line ("Chrome_Android:54.0.2790.0"), unless unset.
    public var product: String?
    /// The `P` line ("browser", "renderer"), unless unset.
    public var processType: String?
    public var crash: Crash?
    public var stackHeader: StackHeader
    /// The stack bytes of the `S` lines, or nil when there were none.
    public var stack: MemoryRegion?
    public var context: DecodedContext
    public var modules: [Module]
    /// Things the reader accepted but that are not as the writer leaves them.
    public var notes: [String]
    /// The lines of the markers.
    public var beginLine: Int
    public var endLine: Int

    /// Whether `bytes` look like a microdump (see ``MicrodumpText/recognizes(_:)``).
    public static func recognizes(_ bytes: ByteView) -> Bool { MicrodumpText.recognizes(bytes) }

    /// Reads the first microdump in `bytes`, decoding the CPU context with `contexts` (the
    /// registry's `contextFormats`).
    public init(_ bytes: ByteView, contexts: ContextFormats = ContextFormats()) throws(ParseError) {
        guard bytes.count <= Self.maxInputSize else {
            throw ParseError(.absurdCount, offset: bytes.fileOffset(0), context: "microdump",
                             "the input is \(bytes.count) bytes, more than the \(Self.maxInputSize / (1024 * 1024)) MiB a microdump may have")
        }
        var reader = MicrodumpReader(bytes: bytes.array, view: bytes)
        self = try reader.read(contexts: contexts)
    }

    init(os: OS, architecture: String, cpu: CPU, cpuCount: Int, hardwareArchitecture: String, osVersion: String,
         gpu: GPUInfo?, product: String?, processType: String?, crash: Crash?, stackHeader: StackHeader,
         stack: MemoryRegion?, context: DecodedContext, modules: [Module], notes: [String], beginLine: Int, endLine: Int) {
        self.os = os
        self.architecture = architecture
        self.cpu = cpu
        self.cpuCount = cpuCount
        self.hardwareArchitecture = hardwareArchitecture
        self.osVersion = osVersion
        self.gpu = gpu
        self.product = product
        self.processType = processType
        self.crash = crash
        self.stackHeader = stackHeader
        self.stack = stack
        self.context = context
        self.modules = modules
        self.notes = notes
        self.beginLine = beginLine
        self.endLine = endLine
    }
}
