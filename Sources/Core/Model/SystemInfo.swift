/// The machine and operating system a crash happened on.
public struct SystemInfo: Sendable, Codable, Hashable {
    public var os: OS
    /// Version as `major.minor.build` ("5.1.2600", "4.9.60").
    public var osVersion: String
    /// The service pack (Windows), kernel build string (Linux) or build number (macOS).
    public var osBuild: String?
    public var cpu: CPU
    /// "GenuineIntel family 6 model 13 stepping 8", or a CPU model string where known.
    public var cpuInfo: String?
    public var cpuCount: Int
    /// The CPU vendor string (x86) or implementer (ARM), when known.
    public var cpuVendor: String?
    public var cpuFamily: UInt32?
    public var cpuModel: UInt32?
    public var cpuStepping: UInt32?
    /// CPU microcode version, when the dump records it.
    @OptionalHex public var cpuMicrocodeVersion: UInt64?
    /// The OS version as Breakpad prints it ("5.1.2600 Service Pack 2", "0.0.0 Linux 4.9.60 #1
    /// SMP ... x86_64"), when it differs from `osVersion` + `osBuild`.
    public var breakpadOSVersion: String?
    /// The values as stored by the dump format, for output that must show them.
    public var rawCPU: UInt32?
    public var rawOS: UInt32?
    /// The GPU, when the dump records one (Breakpad's microdumps do, from the `G` line).
    public var gpu: GPUInfo?

    public init(os: OS, osVersion: String, osBuild: String? = nil, cpu: CPU, cpuInfo: String? = nil,
                cpuCount: Int, cpuVendor: String? = nil, cpuFamily: UInt32? = nil, cpuModel: UInt32? = nil,
                cpuStepping: UInt32? = nil, cpuMicrocodeVersion: UInt64? = nil, rawCPU: UInt32? = nil,
                rawOS: UInt32? = nil) {
        self.os = os
        self.osVersion = osVersion
        self.osBuild = osBuild
        self.cpu = cpu
        self.cpuInfo = cpuInfo
        self.cpuCount = cpuCount
        self.cpuVendor = cpuVendor
        self.cpuFamily = cpuFamily
        self.cpuModel = cpuModel
        self.cpuStepping = cpuStepping
        self.cpuMicrocodeVersion = cpuMicrocodeVersion
        self.rawCPU = rawCPU
        self.rawOS = rawOS
    }
}

/// A GPU as Breakpad's microdumps describe it: the OpenGL version, vendor and renderer strings
/// (each may be empty).
public struct GPUInfo: Sendable, Codable, Hashable {
    public var version: String
    public var vendor: String
    public var renderer: String

    public init(version: String, vendor: String, renderer: String) {
        self.version = version
        self.vendor = vendor
        self.renderer = renderer
    }

    /// Whether any of the three strings says something (Breakpad prints "UNKNOWN" otherwise).
    public var isKnown: Bool { !version.isEmpty || !vendor.isEmpty || !renderer.isEmpty }
}
