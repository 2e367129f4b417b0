// Crashpad info stream (minidump_extensions.h) and the handle data stream.

/// A Crashpad annotation object (`MinidumpAnnotation`: u32 name RVA → MinidumpUTF8String,
/// u16 type, u16 reserved = 0, u32 value RVA → MinidumpByteArray {u32 length, bytes}).
public struct SynthAnnotation: Sendable, Hashable {
    public var name: String
    /// `Annotation::Type`: 0 invalid, 1 string, 0x8001+ user-defined.
    public var type: UInt16
    /// The value bytes; nil writes value RVA 0.
    public var value: [UInt8]?

    public init(name: String, type: UInt16, value: [UInt8]?) {
        self.name = name
        self.type = type
        self.value = value
    }

    /// A string annotation (type 1, UTF-8 bytes without terminator).
    public static func string(_ name: String, _ value: String) -> SynthAnnotation {
        SynthAnnotation(name: name, type: 1, value: Array(value.utf8))
    }
}

/// `MinidumpModuleCrashpadInfo` (version, list_annotations → MinidumpRVAList of
/// UTF-8 strings, simple_annotations → MinidumpSimpleStringDictionary,
/// annotation_objects → MinidumpAnnotationList), reached through a
/// `MinidumpModuleCrashpadInfoLink` (u32 module list index + location).
public struct SynthModuleCrashpadInfo: Sendable, Hashable {
    public var moduleIndex: UInt32
    public var version: UInt32
    public var listAnnotations: [String]
    public var simpleAnnotations: [SynthKeyValue]
    public var annotationObjects: [SynthAnnotation]

    public init(moduleIndex: UInt32, version: UInt32 = 1, listAnnotations: [String] = [],
                simpleAnnotations: [SynthKeyValue] = [], annotationObjects: [SynthAnnotation] = []) {
        self.moduleIndex = moduleIndex
        self.version = version
        self.listAnnotations = listAnnotations
        self.simpleAnnotations = simpleAnnotations
        self.annotationObjects = annotationObjects
    }
}

/// A key/value pair of a `MinidumpSimpleStringDictionary` (order is kept).
public struct SynthKeyValue: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// `MinidumpCrashpadInfo`: u32 version, report_id and client_id UUIDs (GUID layout),
/// simple_annotations location, module_list location (→ MinidumpModuleCrashpadInfoList:
/// u32 count + 12-byte links), optionally followed by the newer u64 address_mask.
public struct SynthCrashpadInfo: Sendable, Hashable {
    public var version: UInt32
    public var reportID: SynthGUID
    public var clientID: SynthGUID
    public var simpleAnnotations: [SynthKeyValue]
    public var modules: [SynthModuleCrashpadInfo]
    /// When set, the 8-byte `address_mask` field is appended (60-byte struct instead of 52).
    public var addressMask: UInt64?
    /// Empty lists/dictionaries are written as a zero location (as Crashpad's writer
    /// does); set to false to write a list with count 0 instead.
    public var emptyListsAsNull: Bool

    public init(version: UInt32 = 1, reportID: SynthGUID = .zero, clientID: SynthGUID = .zero,
                simpleAnnotations: [SynthKeyValue] = [], modules: [SynthModuleCrashpadInfo] = [],
                addressMask: UInt64? = nil, emptyListsAsNull: Bool = true) {
        self.version = version
        self.reportID = reportID
        self.clientID = clientID
        self.simpleAnnotations = simpleAnnotations
        self.modules = modules
        self.addressMask = addressMask
        self.emptyListsAsNull = emptyListsAsNull
    }
}

/// One handle data descriptor: `MINIDUMP_HANDLE_DESCRIPTOR` (32 bytes: u64 handle, type
/// name RVA, object name RVA, attributes, granted access, handle count, pointer count),
/// or `_2` (40 bytes, adds ObjectInfoRva and a reserved u32) depending on
/// `SyntheticMinidump.handleDescriptorSize`. Names are `MINIDUMP_STRING`s; nil → RVA 0.
public struct SynthHandleDescriptor: Sendable, Hashable {
    public var handle: UInt64
    public var typeName: String?
    public var objectName: String?
    public var attributes: UInt32
    public var grantedAccess: UInt32
    public var handleCount: UInt32
    public var pointerCount: UInt32
    public var objectInfoRVA: UInt32

    public init(handle: UInt64, typeName: String? = nil, objectName: String? = nil, attributes: UInt32 = 0,
                grantedAccess: UInt32 = 0, handleCount: UInt32 = 0, pointerCount: UInt32 = 0,
                objectInfoRVA: UInt32 = 0) {
        self.handle = handle
        self.typeName = typeName
        self.objectName = objectName
        self.attributes = attributes
        self.grantedAccess = grantedAccess
        self.handleCount = handleCount
        self.pointerCount = pointerCount
        self.objectInfoRVA = objectInfoRVA
    }
}

extension SynthBuildContext {
    /// Places a `MinidumpSimpleStringDictionary` and returns its location (zero if empty
    /// and `nullIfEmpty`).
    func dictionary(_ pairs: [SynthKeyValue], nullIfEmpty: Bool) -> SynthLocation {
        if pairs.isEmpty && nullIfEmpty { return .zero }
        let s = section("simpleStringDictionary").u32(UInt32(pairs.count))
        for pair in pairs { s.u32(utf8String(pair.key)).u32(utf8String(pair.value)) }
        return place(s)
    }

    func moduleCrashpadInfo(_ m: SynthModuleCrashpadInfo, nullIfEmpty: Bool) -> SynthLocation {
        let info = section("moduleCrashpadInfo").u32(m.version)
        if m.listAnnotations.isEmpty && nullIfEmpty {
            info.location(rva: 0, size: 0)
        } else {
            let list = section("rvaList").u32(UInt32(m.listAnnotations.count))
            for text in m.listAnnotations { list.u32(utf8String(text)) }
            info.location(place(list))
        }
        info.location(dictionary(m.simpleAnnotations, nullIfEmpty: nullIfEmpty))
        if m.annotationObjects.isEmpty && nullIfEmpty {
            info.location(rva: 0, size: 0)
        } else {
            let list = section("annotationList").u32(UInt32(m.annotationObjects.count))
            for a in m.annotationObjects {
                list.u32(utf8String(a.name)).u16(a.type).u16(0)
                if let value = a.value {
                    list.u32(place(section("byteArray").u32(UInt32(value.count)).append(value)).rva)
                } else {
                    list.u32(0)
                }
            }
            info.location(place(list))
        }
        return place(info)
    }
}

extension SyntheticMinidump {
    /// Adds a Crashpad info stream (type 0x43500001). All lists, dictionaries and UTF-8
    /// strings it points at are placed as referenced data.
    @discardableResult
    public func addCrashpadInfo(_ info: SynthCrashpadInfo) -> SynthStream {
        addGeneratedStream(type: SynthStreamType.crashpadInfo) { ctx, stream in
            let body = ctx.section("crashpadInfo").u32(info.version)
            info.reportID.write(into: body)
            info.clientID.write(into: body)
            body.location(ctx.dictionary(info.simpleAnnotations, nullIfEmpty: info.emptyListsAsNull))
            if info.modules.isEmpty && info.emptyListsAsNull {
                body.location(rva: 0, size: 0)
            } else {
                let list = ctx.section("moduleCrashpadInfoList").u32(UInt32(info.modules.count))
                for m in info.modules {
                    list.u32(m.moduleIndex).location(ctx.moduleCrashpadInfo(m, nullIfEmpty: info.emptyListsAsNull))
                }
                body.location(ctx.place(list))
            }
            // MINIDUMP_CRASHPAD_INFO is 64 bytes with the mask: a reserved u32 pads it to 8.
            if let mask = info.addressMask { body.u32(0).u64(mask) }
            return body.append(stream.trailingBytes)
        }
    }

    /// Adds a descriptor to the handle data stream (`MINIDUMP_HANDLE_DATA_STREAM`:
    /// u32 SizeOfHeader=16, u32 SizeOfDescriptor (32 or 40), u32 NumberOfDescriptors,
    /// u32 Reserved, then descriptors).
    @discardableResult
    public func addHandle(_ handle: SynthHandleDescriptor) -> SynthStream {
        handles.append(handle)
        return listStream(SynthStreamType.handleData) { dump, ctx, stream in
            let v2 = dump.handleDescriptorSize >= 40
            let body = ctx.section("handleData")
            body.u32(stream.headerSizeOverride ?? 16).u32(stream.entrySizeOverride ?? (v2 ? 40 : 32))
            body.u32(UInt32(truncatingIfNeeded: stream.countOverride ?? UInt64(dump.handles.count))).u32(0)
            for h in dump.handles {
                body.u64(h.handle)
                if let t = h.typeName { body.u32(ctx.string(t)) } else { body.u32(0) }
                if let o = h.objectName { body.u32(ctx.string(o)) } else { body.u32(0) }
                body.u32(h.attributes).u32(h.grantedAccess).u32(h.handleCount).u32(h.pointerCount)
                if v2 { body.u32(h.objectInfoRVA).u32(0) }
            }
            return body
        }
    }
}
