// Exception, system info, Breakpad info and assertion info streams.

/// `MINIDUMP_EXCEPTION_STREAM` (168 bytes): thread id, align, `MINIDUMP_EXCEPTION`
/// (code, flags, u64 record, u64 address, u32 NumberParameters, align,
/// 15 × u64 ExceptionInformation) and the thread context location.
public struct SynthException {
    public var threadID: UInt32
    public var code: UInt32
    public var flags: UInt32
    /// `ExceptionRecord`: address of a nested exception record.
    public var nestedRecord: UInt64
    public var address: UInt64
    /// Up to 15 values; the rest of the array is zero.
    public var parameters: [UInt64]
    /// Corruption: replaces NumberParameters (default `parameters.count`).
    public var numberParametersOverride: UInt32?
    /// The raw context blob (see `SynthContext`); `nil` writes a zero location.
    public var context: ByteSection?
    /// Corruption: fixed context location.
    public var contextLocationOverride: SynthRawLocation?

    public init(threadID: UInt32, code: UInt32, flags: UInt32 = 0, nestedRecord: UInt64 = 0, address: UInt64,
                parameters: [UInt64] = [], numberParametersOverride: UInt32? = nil, context: ByteSection? = nil,
                contextLocationOverride: SynthRawLocation? = nil) {
        precondition(parameters.count <= 15, "MINIDUMP_EXCEPTION holds at most 15 parameters")
        self.threadID = threadID
        self.code = code
        self.flags = flags
        self.nestedRecord = nestedRecord
        self.address = address
        self.parameters = parameters
        self.numberParametersOverride = numberParametersOverride
        self.context = context
        self.contextLocationOverride = contextLocationOverride
    }
}

/// Processor architecture values for `MINIDUMP_SYSTEM_INFO.ProcessorArchitecture`.
public enum SynthArchitecture {
    public static let x86: UInt16 = 0
    public static let mips: UInt16 = 1
    public static let ppc: UInt16 = 3
    public static let arm: UInt16 = 5
    public static let ia64: UInt16 = 6
    public static let amd64: UInt16 = 9
    public static let x86OnWin64: UInt16 = 10
    public static let arm64: UInt16 = 12
    public static let sparc: UInt16 = 0x8001
    public static let ppc64: UInt16 = 0x8002
    /// Breakpad's pre-Microsoft ARM64 value.
    public static let arm64Old: UInt16 = 0x8003
    public static let mips64: UInt16 = 0x8004
    public static let unknown: UInt16 = 0xFFFF
}

/// Platform values for `MINIDUMP_SYSTEM_INFO.PlatformId`.
public enum SynthPlatform {
    public static let win32s: UInt32 = 0
    public static let win32Windows: UInt32 = 1
    public static let win32NT: UInt32 = 2
    public static let win32CE: UInt32 = 3
    public static let unix: UInt32 = 0x8000
    public static let macOS: UInt32 = 0x8101
    public static let iOS: UInt32 = 0x8102
    public static let linux: UInt32 = 0x8201
    public static let solaris: UInt32 = 0x8202
    public static let android: UInt32 = 0x8203
    public static let ps3: UInt32 = 0x8204
    public static let nacl: UInt32 = 0x8205
    public static let fuchsia: UInt32 = 0x8206
}

/// The 24-byte `CPU_INFORMATION` union at the end of `MINIDUMP_SYSTEM_INFO`.
public enum SynthCPUInfo: Sendable, Hashable {
    /// `X86CpuInfo`: VendorId[3] (cpuid 0: ebx, edx, ecx), VersionInformation,
    /// FeatureInformation, AMDExtendedCpuFeatures.
    case x86(vendorID: [UInt32], versionInformation: UInt32, featureInformation: UInt32,
             amdExtendedCPUFeatures: UInt32)
    /// Breakpad `arm_cpu_info`: cpuid, elf_hwcaps (then 16 zero bytes).
    case arm(cpuid: UInt32, elfHWCaps: UInt32)
    /// `OtherCpuInfo`: ProcessorFeatures[2] (u64 each, 8 bytes of zero after).
    case other(processorFeatures: [UInt64])

    /// `x86` with the vendor given as its 12-character string, e.g. "GenuineIntel"
    /// (each u32 is the little-endian reading of 4 characters, as cpuid returns them).
    public static func x86(vendor: String, versionInformation: UInt32 = 0, featureInformation: UInt32 = 0,
                           amdExtendedCPUFeatures: UInt32 = 0) -> SynthCPUInfo {
        var chars = Array(vendor.utf8.prefix(12))
        chars += [UInt8](repeating: 0, count: 12 - chars.count)
        var words: [UInt32] = [0, 0, 0]
        for i in 0..<12 {
            let byte = UInt32(chars[i])
            words[i / 4] |= byte << UInt32(8 * (i % 4))
        }
        return .x86(vendorID: words, versionInformation: versionInformation,
                    featureInformation: featureInformation, amdExtendedCPUFeatures: amdExtendedCPUFeatures)
    }

    func write(into s: ByteSection) {
        let start = s.size
        switch self {
        case .x86(let vendor, let version, let features, let amd):
            for i in 0..<3 { s.u32(i < vendor.count ? vendor[i] : 0) }
            s.u32(version).u32(features).u32(amd)
        case .arm(let cpuid, let hwcaps):
            s.u32(cpuid).u32(hwcaps)
        case .other(let features):
            for i in 0..<2 { s.u64(i < features.count ? features[i] : 0) }
        }
        s.zeros(24 - (s.size - start))
    }
}

/// `MINIDUMP_SYSTEM_INFO` (56 bytes), with the CSD version as a `MINIDUMP_STRING`.
public struct SynthSystemInfo: Sendable, Hashable {
    public var processorArchitecture: UInt16
    public var processorLevel: UInt16
    public var processorRevision: UInt16
    public var numberOfProcessors: UInt8
    public var productType: UInt8
    public var majorVersion: UInt32
    public var minorVersion: UInt32
    public var buildNumber: UInt32
    public var platformID: UInt32
    /// `CSDVersionRva` target; nil writes RVA 0.
    public var csdVersion: String?
    /// Corruption: fixed CSDVersionRva.
    public var csdVersionRVAOverride: UInt32?
    public var suiteMask: UInt16
    public var reserved2: UInt16
    public var cpu: SynthCPUInfo

    public init(processorArchitecture: UInt16, processorLevel: UInt16 = 0, processorRevision: UInt16 = 0,
                numberOfProcessors: UInt8 = 1, productType: UInt8 = 0, majorVersion: UInt32 = 0,
                minorVersion: UInt32 = 0, buildNumber: UInt32 = 0, platformID: UInt32,
                csdVersion: String? = nil, suiteMask: UInt16 = 0, reserved2: UInt16 = 0,
                cpu: SynthCPUInfo = .other(processorFeatures: [0, 0])) {
        self.processorArchitecture = processorArchitecture
        self.processorLevel = processorLevel
        self.processorRevision = processorRevision
        self.numberOfProcessors = numberOfProcessors
        self.productType = productType
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.buildNumber = buildNumber
        self.platformID = platformID
        self.csdVersion = csdVersion
        self.suiteMask = suiteMask
        self.reserved2 = reserved2
        self.cpu = cpu
    }
}

extension SyntheticMinidump {
    /// Adds an exception stream (`MINIDUMP_EXCEPTION_STREAM`, 168 bytes); the context is
    /// placed as referenced data.
    @discardableResult
    public func addException(_ e: SynthException) -> SynthStream {
        addGeneratedStream(type: SynthStreamType.exception) { ctx, stream in
            let body = ctx.section("exception")
            body.u32(e.threadID).u32(0)
            body.u32(e.code).u32(e.flags).u64(e.nestedRecord).u64(e.address)
            body.u32(e.numberParametersOverride ?? UInt32(e.parameters.count)).u32(0)
            for i in 0..<15 { body.u64(i < e.parameters.count ? e.parameters[i] : 0) }
            if let raw = e.contextLocationOverride {
                body.location(rva: raw.rva, size: raw.size)
            } else if let context = e.context {
                body.location(ctx.place(context))
            } else {
                body.location(rva: 0, size: 0)
            }
            return body.append(stream.trailingBytes)
        }
    }

    /// Adds a system info stream (`MINIDUMP_SYSTEM_INFO`, 56 bytes).
    @discardableResult
    public func addSystemInfo(_ info: SynthSystemInfo) -> SynthStream {
        addGeneratedStream(type: SynthStreamType.systemInfo) { ctx, stream in
            let body = ctx.section("systemInfo")
            body.u16(info.processorArchitecture).u16(info.processorLevel).u16(info.processorRevision)
            body.u8(info.numberOfProcessors).u8(info.productType)
            body.u32(info.majorVersion).u32(info.minorVersion).u32(info.buildNumber).u32(info.platformID)
            if let rva = info.csdVersionRVAOverride {
                body.u32(rva)
            } else if let csd = info.csdVersion {
                body.u32(ctx.string(csd))
            } else {
                body.u32(0)
            }
            body.u16(info.suiteMask).u16(info.reserved2)
            info.cpu.write(into: body)
            return body.append(stream.trailingBytes)
        }
    }

    /// Adds a Breakpad info stream (`MDRawBreakpadInfo`, 12 bytes: validity,
    /// dump_thread_id, requesting_thread_id). Validity defaults to bit 0 if the dump
    /// thread is given and bit 1 if the requesting thread is given.
    @discardableResult
    public func addBreakpadInfo(dumpThreadID: UInt32? = nil, requestingThreadID: UInt32? = nil,
                                validity: UInt32? = nil) -> SynthStream {
        let derived = (dumpThreadID != nil ? 1 : 0) | (requestingThreadID != nil ? 2 : 0)
        let section = self.section("breakpadInfo")
        section.u32(validity ?? UInt32(derived)).u32(dumpThreadID ?? 0).u32(requestingThreadID ?? 0)
        return addStream(type: SynthStreamType.breakpadInfo, body: section)
    }

    /// Adds a Breakpad assertion info stream (`MDRawAssertionInfo`, 776 bytes):
    /// expression, function and file as 128 UTF-16 units each (truncated, zero-filled;
    /// a 128-unit string gets no terminator), then u32 line and u32 type
    /// (0 unknown, 1 invalid parameter, 2 pure virtual call).
    @discardableResult
    public func addAssertionInfo(expression: String, function: String, file: String, line: UInt32,
                                 type: UInt32 = 0) -> SynthStream {
        let section = self.section("assertionInfo")
        section.utf16Fixed(expression, units: 128).utf16Fixed(function, units: 128).utf16Fixed(file, units: 128)
        section.u32(line).u32(type)
        return addStream(type: SynthStreamType.assertionInfo, body: section)
    }
}
