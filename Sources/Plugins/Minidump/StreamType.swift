import CrashpipeCore

/// A minidump stream type: Microsoft's values plus the Breakpad (0x4767xxxx), Crashpad
/// (0x4350xxxx) and Mozilla (0x4d7axxxx) extensions. Unknown values are kept as they are.
public struct StreamType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unused = StreamType(rawValue: 0)
    public static let threadList = StreamType(rawValue: 3)
    public static let moduleList = StreamType(rawValue: 4)
    public static let memoryList = StreamType(rawValue: 5)
    public static let exception = StreamType(rawValue: 6)
    public static let systemInfo = StreamType(rawValue: 7)
    public static let threadExList = StreamType(rawValue: 8)
    public static let memory64List = StreamType(rawValue: 9)
    public static let commentA = StreamType(rawValue: 10)
    public static let commentW = StreamType(rawValue: 11)
    public static let handleData = StreamType(rawValue: 12)
    public static let functionTable = StreamType(rawValue: 13)
    public static let unloadedModuleList = StreamType(rawValue: 14)
    public static let miscInfo = StreamType(rawValue: 15)
    public static let memoryInfoList = StreamType(rawValue: 16)
    public static let threadInfoList = StreamType(rawValue: 17)
    public static let handleOperationList = StreamType(rawValue: 18)
    public static let token = StreamType(rawValue: 19)
    public static let javaScriptData = StreamType(rawValue: 20)
    public static let systemMemoryInfo = StreamType(rawValue: 21)
    public static let processVmCounters = StreamType(rawValue: 22)
    public static let iptTrace = StreamType(rawValue: 23)
    public static let threadNames = StreamType(rawValue: 24)
    public static let breakpadInfo = StreamType(rawValue: 0x4767_0001)
    public static let assertionInfo = StreamType(rawValue: 0x4767_0002)
    public static let linuxCpuInfo = StreamType(rawValue: 0x4767_0003)
    public static let linuxProcStatus = StreamType(rawValue: 0x4767_0004)
    public static let linuxLsbRelease = StreamType(rawValue: 0x4767_0005)
    public static let linuxCmdLine = StreamType(rawValue: 0x4767_0006)
    public static let linuxEnviron = StreamType(rawValue: 0x4767_0007)
    public static let linuxAuxv = StreamType(rawValue: 0x4767_0008)
    public static let linuxMaps = StreamType(rawValue: 0x4767_0009)
    public static let linuxDsoDebug = StreamType(rawValue: 0x4767_000A)
    public static let crashpadInfo = StreamType(rawValue: 0x4350_0001)
    public static let mozMacosCrashInfo = StreamType(rawValue: 0x4d7a_0001)
    public static let mozMacosBootargs = StreamType(rawValue: 0x4d7a_0002)
    public static let mozLinuxLimits = StreamType(rawValue: 0x4d7a_0003)
    public static let mozSoftErrors = StreamType(rawValue: 0x4d7a_0004)

    /// (name as INVENTORY.json and rust-minidump print it, Breakpad's MD_ constant name)
    private static let names: [UInt32: (String, String)] = [
        0: ("Unused", "MD_UNUSED_STREAM"),
        1: ("Reserved0", "MD_RESERVED_STREAM_0"),
        2: ("Reserved1", "MD_RESERVED_STREAM_1"),
        3: ("ThreadList", "MD_THREAD_LIST_STREAM"),
        4: ("ModuleList", "MD_MODULE_LIST_STREAM"),
        5: ("MemoryList", "MD_MEMORY_LIST_STREAM"),
        6: ("Exception", "MD_EXCEPTION_STREAM"),
        7: ("SystemInfo", "MD_SYSTEM_INFO_STREAM"),
        8: ("ThreadExList", "MD_THREAD_EX_LIST_STREAM"),
        9: ("Memory64List", "MD_MEMORY_64_LIST_STREAM"),
        10: ("CommentA", "MD_COMMENT_STREAM_A"),
        11: ("CommentW", "MD_COMMENT_STREAM_W"),
        12: ("HandleData", "MD_HANDLE_DATA_STREAM"),
        13: ("FunctionTable", "MD_FUNCTION_TABLE_STREAM"),
        14: ("UnloadedModuleList", "MD_UNLOADED_MODULE_LIST_STREAM"),
        15: ("MiscInfo", "MD_MISC_INFO_STREAM"),
        16: ("MemoryInfoList", "MD_MEMORY_INFO_LIST_STREAM"),
        17: ("ThreadInfoList", "MD_THREAD_INFO_LIST_STREAM"),
        18: ("HandleOperationList", "MD_HANDLE_OPERATION_LIST_STREAM"),
        19: ("Token", "MD_TOKEN_STREAM"),
        20: ("JavaScriptData", "MD_JAVASCRIPT_DATA_STREAM"),
        21: ("SystemMemoryInfo", "MD_SYSTEM_MEMORY_INFO_STREAM"),
        22: ("ProcessVmCounters", "MD_PROCESS_VM_COUNTERS_STREAM"),
        23: ("IptTrace", "MD_IPT_TRACE_STREAM"),
        24: ("ThreadNames", "MD_THREAD_NAME_LIST_STREAM"),
        0x8000: ("ceStreamNull", "MD_CE_STREAM_NULL"),
        0x8001: ("ceStreamSystemInfo", "MD_CE_STREAM_SYSTEM_INFO"),
        0x8002: ("ceStreamException", "MD_CE_STREAM_EXCEPTION"),
        0x8003: ("ceStreamModuleList", "MD_CE_STREAM_MODULE_LIST"),
        0x8004: ("ceStreamProcessList", "MD_CE_STREAM_PROCESS_LIST"),
        0x8005: ("ceStreamThreadList", "MD_CE_STREAM_THREAD_LIST"),
        0x8006: ("ceStreamThreadContextList", "MD_CE_STREAM_THREAD_CONTEXT_LIST"),
        0x8007: ("ceStreamThreadCallStackList", "MD_CE_STREAM_THREAD_CALL_STACK_LIST"),
        0x8008: ("ceStreamMemoryVirtualList", "MD_CE_STREAM_MEMORY_VIRTUAL_LIST"),
        0x8009: ("ceStreamMemoryPhysicalList", "MD_CE_STREAM_MEMORY_PHYSICAL_LIST"),
        0x800a: ("ceStreamBucketParameters", "MD_CE_STREAM_BUCKET_PARAMETERS"),
        0x800b: ("ceStreamProcessModuleMap", "MD_CE_STREAM_PROCESS_MODULE_MAP"),
        0x800c: ("ceStreamDiagnosisList", "MD_CE_STREAM_DIAGNOSIS_LIST"),
        0xffff: ("LastReserved", "MD_LAST_RESERVED_STREAM"),
        0x4767_0001: ("BreakpadInfo", "MD_BREAKPAD_INFO_STREAM"),
        0x4767_0002: ("AssertionInfo", "MD_ASSERTION_INFO_STREAM"),
        0x4767_0003: ("LinuxCpuInfo", "MD_LINUX_CPU_INFO"),
        0x4767_0004: ("LinuxProcStatus", "MD_LINUX_PROC_STATUS"),
        0x4767_0005: ("LinuxLsbRelease", "MD_LINUX_LSB_RELEASE"),
        0x4767_0006: ("LinuxCmdLine", "MD_LINUX_CMD_LINE"),
        0x4767_0007: ("LinuxEnviron", "MD_LINUX_ENVIRON"),
        0x4767_0008: ("LinuxAuxv", "MD_LINUX_AUXV"),
        0x4767_0009: ("LinuxMaps", "MD_LINUX_MAPS"),
        0x4767_000A: ("LinuxDsoDebug", "MD_LINUX_DSO_DEBUG"),
        0x4350_0001: ("CrashpadInfo", "MD_CRASHPAD_INFO_STREAM"),
        0x4d7a_0001: ("MozMacosCrashInfo", "MOZ_MACOS_CRASH_INFO_STREAM"),
        0x4d7a_0002: ("MozMacosBootargs", "MOZ_MACOS_BOOTARGS_STREAM"),
        0x4d7a_0003: ("MozLinuxLimits", "MOZ_LINUX_LIMITS_STREAM"),
        0x4d7a_0004: ("MozSoftErrors", "MOZ_SOFT_ERRORS_STREAM"),
    ]

    /// The short name ("ThreadList"), or the type in hex ("0x4d21af") when unknown.
    public var name: String { Self.names[rawValue]?.0 ?? "0x" + String(rawValue, radix: 16) }

    /// Breakpad's constant name ("MD_THREAD_LIST_STREAM"), or "unknown".
    public var breakpadName: String { Self.names[rawValue]?.1 ?? "unknown" }

    public var isKnown: Bool { Self.names[rawValue] != nil }

    public var description: String { name }

    public static func < (lhs: StreamType, rhs: StreamType) -> Bool { lhs.rawValue < rhs.rawValue }
}
