import CrashpipeCore

/// MINIDUMP_HANDLE_DATA_STREAM (stream 12): the kernel handles the process held (files, events,
/// mutexes, threads, ...), from dumps written with `MiniDumpWithHandleData`.
///
/// Layout: u32 size_of_header, u32 size_of_descriptor, u32 number_of_descriptors, u32 reserved,
/// then descriptors: MINIDUMP_HANDLE_DESCRIPTOR (32 bytes: u64 handle, type name RVA, object
/// name RVA, attributes, granted access, handle count, pointer count) or
/// MINIDUMP_HANDLE_DESCRIPTOR_2 (40 bytes: plus the RVA of a chain of object information
/// records and a reserved u32). Names are MINIDUMP_STRINGs, RVA 0 meaning none; a name or
/// object record that cannot be read is a problem of that handle. Fills notes only.
public struct HandleData: MinidumpStream {
    public static let streamType = StreamType.handleData
    static let headerSize = 16
    static let descriptorSize = 32
    static let descriptor2Size = 40
    /// Object information chains are short in practice; this bounds a cyclic or absurd one.
    static let maxObjectInfos = 64

    /// One MINIDUMP_HANDLE_OBJECT_INFORMATION record of a handle's chain.
    public struct ObjectInfo: Sendable, Encodable {
        @Hex public var rva: UInt32
        public var infoType: UInt32
        public var infoTypeName: String
        public var size: UInt32
    }

    public struct Descriptor: Sendable, Encodable {
        @Hex public var handle: UInt64
        @Hex public var typeNameRva: UInt32
        @Hex public var objectNameRva: UInt32
        @Hex public var attributes: UInt32
        @Hex public var grantedAccess: UInt32
        public var handleCount: UInt32
        public var pointerCount: UInt32
        /// Only in MINIDUMP_HANDLE_DESCRIPTOR_2.
        @OptionalHex public var objectInfoRva: UInt32?
        public var typeName: String?
        public var objectName: String?
        public var objectInfos: [ObjectInfo]
        public var problems: [String]
    }

    @Hex public var sizeOfHeader: UInt32
    public var sizeOfDescriptor: UInt32
    public var numberOfDescriptors: UInt32
    public var handles: [Descriptor]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        let layout = try ExtendedListLayout(data, endian: dump.endian, fixedHeaderSize: Self.headerSize,
                                            minimumEntrySize: Self.descriptorSize, what: "handle descriptor")
        sizeOfHeader = layout.declaredHeaderSize
        sizeOfDescriptor = UInt32(layout.entrySize)
        numberOfDescriptors = UInt32(truncatingIfNeeded: layout.declaredCount)
        warnings = layout.warnings
        let isVersion2 = layout.entrySize >= Self.descriptor2Size
        if layout.entrySize != Self.descriptorSize, layout.entrySize != Self.descriptor2Size {
            warnings.append("size_of_descriptor is \(layout.entrySize); reading the first \(isVersion2 ? 40 : 32) bytes of each")
        }
        handles = []
        handles.reserveCapacity(layout.count)
        for index in 0..<layout.count {
            var r = dump.reader(try layout.entry(index, in: data, what: "handle descriptor"), context: "HandleData stream")
            var entry = Descriptor(handle: try r.u64(), typeNameRva: try r.u32(), objectNameRva: try r.u32(),
                                   attributes: try r.u32(), grantedAccess: try r.u32(), handleCount: try r.u32(),
                                   pointerCount: try r.u32(), objectInfoRva: nil, typeName: nil, objectName: nil,
                                   objectInfos: [], problems: [])
            if isVersion2 { entry.objectInfoRva = try r.u32() }
            if entry.typeNameRva != 0 {
                do { entry.typeName = try dump.string(at: entry.typeNameRva, what: "handle type name") } catch {
                    entry.problems.append("type name: \(error)")
                }
            }
            if entry.objectNameRva != 0 {
                do { entry.objectName = try dump.string(at: entry.objectNameRva, what: "handle object name") } catch {
                    entry.problems.append("object name: \(error)")
                }
            }
            if let first = entry.objectInfoRva, first != 0 {
                Self.readObjectInfos(from: first, dump: dump, into: &entry)
            }
            handles.append(entry)
        }
    }

    /// Follows the NextInfoRva chain (u32 next, u32 info type, u32 size of info, data), stopping
    /// at RVA 0, at an RVA already seen, or after ``maxObjectInfos`` records.
    static func readObjectInfos(from first: UInt32, dump: MinidumpFile, into entry: inout Descriptor) {
        var rva = first
        var seen = Set<UInt32>()
        while rva != 0 {
            guard seen.insert(rva).inserted else {
                entry.problems.append("object information chain loops back to \(formatHex(rva))")
                return
            }
            guard entry.objectInfos.count < maxObjectInfos else {
                entry.problems.append("object information chain longer than \(maxObjectInfos) records; the rest is ignored")
                return
            }
            do {
                var r = dump.reader(try dump.location(size: 12, rva: rva, what: "handle object information"),
                                    context: "handle object information")
                let next = try r.u32(), type = try r.u32(), size = try r.u32()
                try dump.bytes.check(offset: Int(rva) + 12, size: Int(size), what: "handle object information data")
                entry.objectInfos.append(ObjectInfo(rva: rva, infoType: type, infoTypeName: objectInfoTypeName(type), size: size))
                rva = next
            } catch {
                entry.problems.append("object information: \(error)")
                return
            }
        }
    }

    /// `MINIDUMP_HANDLE_OBJECT_INFORMATION_TYPE` names.
    static func objectInfoTypeName(_ type: UInt32) -> String {
        let names = ["MiniHandleObjectInformationNone", "MiniThreadInformation1", "MiniMutantInformation1",
                     "MiniMutantInformation2", "MiniProcessInformation1", "MiniProcessInformation2",
                     "MiniEventInformation1", "MiniSectionInformation1", "MiniSemaphoreInformation1"]
        return Int(exactly: type).flatMap { names.indices.contains($0) ? names[$0] : nil } ?? formatHex(type)
    }

    public var problems: [String] {
        handles.flatMap { h in h.problems.map { "handle \(formatHex(h.handle)): \($0)" } }
    }

    /// In the layout of rust-minidump's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MinidumpHandleDataStream", [("handle_count", "\(handles.count)")])
        for (i, h) in handles.enumerated() {
            out.line("handle[\(i)]")
            var fields: [(String, String)] = [
                ("handle", P.hex(h.handle)),
                ("type_name_rva", P.hex(h.typeNameRva)),
                ("object_name_rva", P.hex(h.objectNameRva)),
                ("attributes", P.hex(h.attributes)),
                ("granted_access", P.hex(h.grantedAccess)),
                ("handle_count", "\(h.handleCount)"),
                ("pointer_count", "\(h.pointerCount)"),
                ("object_info_rva", h.objectInfoRva.map(P.hex) ?? "(invalid)"),
                ("(type_name)", h.typeName.map(P.quoted) ?? "(null)"),
                ("(object_name)", h.objectName.map(P.quoted) ?? "(null)"),
            ]
            for info in h.objectInfos {
                fields.append(("(object_info)", "\(info.infoTypeName), \(info.size) bytes at \(P.hex(info.rva))"))
            }
            for problem in h.problems { fields.append(("(problem)", problem)) }
            out.block("MDRawHandleDescriptor", fields)
        }
    }
}
