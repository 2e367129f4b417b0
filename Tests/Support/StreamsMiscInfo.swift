// MINIDUMP_MISC_INFO, versions 1 to 5.

/// `SYSTEMTIME`: eight u16 fields.
public struct SynthSystemTime: Sendable, Hashable {
    public var year: UInt16, month: UInt16, dayOfWeek: UInt16, day: UInt16
    public var hour: UInt16, minute: UInt16, second: UInt16, milliseconds: UInt16

    public init(year: UInt16 = 0, month: UInt16 = 0, dayOfWeek: UInt16 = 0, day: UInt16 = 0,
                hour: UInt16 = 0, minute: UInt16 = 0, second: UInt16 = 0, milliseconds: UInt16 = 0) {
        self.year = year
        self.month = month
        self.dayOfWeek = dayOfWeek
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.milliseconds = milliseconds
    }

    func write(into s: ByteSection) {
        for v in [year, month, dayOfWeek, day, hour, minute, second, milliseconds] { s.u16(v) }
    }
}

/// `TIME_ZONE_INFORMATION` (172 bytes): bias, standard name (32 UTF-16 units), standard
/// date, standard bias, daylight name, daylight date, daylight bias.
public struct SynthTimeZone: Sendable, Hashable {
    public var bias: Int32
    public var standardName: String
    public var standardDate: SynthSystemTime
    public var standardBias: Int32
    public var daylightName: String
    public var daylightDate: SynthSystemTime
    public var daylightBias: Int32

    public init(bias: Int32 = 0, standardName: String = "", standardDate: SynthSystemTime = SynthSystemTime(),
                standardBias: Int32 = 0, daylightName: String = "",
                daylightDate: SynthSystemTime = SynthSystemTime(), daylightBias: Int32 = 0) {
        self.bias = bias
        self.standardName = standardName
        self.standardDate = standardDate
        self.standardBias = standardBias
        self.daylightName = daylightName
        self.daylightDate = daylightDate
        self.daylightBias = daylightBias
    }

    func write(into s: ByteSection) {
        s.i32(bias).utf16Fixed(standardName, units: 32)
        standardDate.write(into: s)
        s.i32(standardBias).utf16Fixed(daylightName, units: 32)
        daylightDate.write(into: s)
        s.i32(daylightBias)
    }
}

/// `XSTATE_CONFIG_FEATURE_MSC_INFO` (528 bytes): SizeOfInfo, ContextSize,
/// u64 EnabledFeatures, 64 × (u32 offset, u32 size).
public struct SynthXStateConfig: Sendable, Hashable {
    public var sizeOfInfo: UInt32
    public var contextSize: UInt32
    public var enabledFeatures: UInt64
    /// Up to 64 (offset, size) pairs, by feature index; the rest are zero.
    public var features: [SynthXStateFeature]

    public init(sizeOfInfo: UInt32 = 528, contextSize: UInt32 = 0, enabledFeatures: UInt64 = 0,
                features: [SynthXStateFeature] = []) {
        self.sizeOfInfo = sizeOfInfo
        self.contextSize = contextSize
        self.enabledFeatures = enabledFeatures
        self.features = features
    }
}

/// One `XSTATE_FEATURE`: u32 offset, u32 size.
public struct SynthXStateFeature: Sendable, Hashable {
    public var offset: UInt32
    public var size: UInt32
    public init(offset: UInt32, size: UInt32) {
        self.offset = offset
        self.size = size
    }
}

/// The five processor power fields of `MINIDUMP_MISC_INFO_2`.
public struct SynthProcessorPowerInfo: Sendable, Hashable {
    public var maxMhz: UInt32, currentMhz: UInt32, mhzLimit: UInt32, maxIdleState: UInt32, currentIdleState: UInt32
    public init(maxMhz: UInt32 = 0, currentMhz: UInt32 = 0, mhzLimit: UInt32 = 0, maxIdleState: UInt32 = 0,
                currentIdleState: UInt32 = 0) {
        self.maxMhz = maxMhz
        self.currentMhz = currentMhz
        self.mhzLimit = mhzLimit
        self.maxIdleState = maxIdleState
        self.currentIdleState = currentIdleState
    }
}

/// `MINIDUMP_MISC_INFO` … `MINIDUMP_MISC_INFO_5`. `version` picks the size (24, 44, 232,
/// 832, 1364 bytes); fields beyond it are not written. `Flags1` defaults to the bits for
/// the fields that are set (process id 0x1, times 0x2, power 0x4, integrity 0x10,
/// execute flags 0x20, time zone 0x40, protected 0x80, build string 0x100, cookie 0x200).
public struct SynthMiscInfo: Sendable, Hashable {
    /// Byte sizes of versions 1…5.
    public static let sizes = [24, 44, 232, 832, 1364]

    public var version: Int
    public var flags1: UInt32?
    public var processID: UInt32?
    public var processCreateTime: UInt32?
    public var processUserTime: UInt32
    public var processKernelTime: UInt32
    public var powerInfo: SynthProcessorPowerInfo?
    public var processIntegrityLevel: UInt32?
    public var processExecuteFlags: UInt32?
    public var protectedProcess: UInt32?
    public var timeZoneID: UInt32
    public var timeZone: SynthTimeZone?
    /// BuildString (260 UTF-16 units) and DbgBldStr (40 units).
    public var buildString: String?
    public var debugBuildString: String
    public var xstate: SynthXStateConfig
    public var processCookie: UInt32?
    /// Corruption: replaces SizeOfInfo (default: the size of `version`).
    public var sizeOfInfoOverride: UInt32?

    public init(version: Int = 1, flags1: UInt32? = nil, processID: UInt32? = nil,
                processCreateTime: UInt32? = nil, processUserTime: UInt32 = 0, processKernelTime: UInt32 = 0,
                powerInfo: SynthProcessorPowerInfo? = nil, processIntegrityLevel: UInt32? = nil,
                processExecuteFlags: UInt32? = nil, protectedProcess: UInt32? = nil, timeZoneID: UInt32 = 0,
                timeZone: SynthTimeZone? = nil, buildString: String? = nil, debugBuildString: String = "",
                xstate: SynthXStateConfig = SynthXStateConfig(sizeOfInfo: 0), processCookie: UInt32? = nil,
                sizeOfInfoOverride: UInt32? = nil) {
        precondition((1...5).contains(version), "misc info version must be 1...5")
        self.version = version
        self.flags1 = flags1
        self.processID = processID
        self.processCreateTime = processCreateTime
        self.processUserTime = processUserTime
        self.processKernelTime = processKernelTime
        self.powerInfo = powerInfo
        self.processIntegrityLevel = processIntegrityLevel
        self.processExecuteFlags = processExecuteFlags
        self.protectedProcess = protectedProcess
        self.timeZoneID = timeZoneID
        self.timeZone = timeZone
        self.buildString = buildString
        self.debugBuildString = debugBuildString
        self.xstate = xstate
        self.processCookie = processCookie
        self.sizeOfInfoOverride = sizeOfInfoOverride
    }

    /// The Flags1 bits implied by which optional fields are set.
    public var derivedFlags: UInt32 {
        var f: UInt32 = 0
        if processID != nil { f |= 0x1 }
        if processCreateTime != nil { f |= 0x2 }
        if powerInfo != nil { f |= 0x4 }
        if processIntegrityLevel != nil { f |= 0x10 }
        if processExecuteFlags != nil { f |= 0x20 }
        if timeZone != nil { f |= 0x40 }
        if protectedProcess != nil { f |= 0x80 }
        if buildString != nil { f |= 0x100 }
        if processCookie != nil { f |= 0x200 }
        return f
    }

    func section(_ endian: SynthEndian) -> ByteSection {
        let s = ByteSection(endian: endian, name: "miscInfo")
        s.u32(sizeOfInfoOverride ?? UInt32(Self.sizes[version - 1])).u32(flags1 ?? derivedFlags)
        s.u32(processID ?? 0).u32(processCreateTime ?? 0).u32(processUserTime).u32(processKernelTime)
        if version >= 2 {
            let p = powerInfo ?? SynthProcessorPowerInfo()
            s.u32(p.maxMhz).u32(p.currentMhz).u32(p.mhzLimit).u32(p.maxIdleState).u32(p.currentIdleState)
        }
        if version >= 3 {
            s.u32(processIntegrityLevel ?? 0).u32(processExecuteFlags ?? 0).u32(protectedProcess ?? 0)
            s.u32(timeZoneID)
            (timeZone ?? SynthTimeZone()).write(into: s)
        }
        if version >= 4 {
            s.utf16Fixed(buildString ?? "", units: 260).utf16Fixed(debugBuildString, units: 40)
        }
        if version >= 5 {
            s.u32(xstate.sizeOfInfo).u32(xstate.contextSize).u64(xstate.enabledFeatures)
            for i in 0..<64 {
                let f = i < xstate.features.count ? xstate.features[i] : SynthXStateFeature(offset: 0, size: 0)
                s.u32(f.offset).u32(f.size)
            }
            s.u32(processCookie ?? 0)
        }
        precondition(s.size == Self.sizes[version - 1])
        return s
    }
}

extension SyntheticMinidump {
    /// Adds a misc info stream (`MINIDUMP_MISC_INFO_N`, 24/44/232/832/1364 bytes).
    @discardableResult
    public func addMiscInfo(_ info: SynthMiscInfo) -> SynthStream {
        addStream(type: SynthStreamType.miscInfo, body: info.section(endian))
    }
}
