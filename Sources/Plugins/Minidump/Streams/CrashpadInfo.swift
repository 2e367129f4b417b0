import CrashpipeCore

/// MinidumpCrashpadInfo (Crashpad stream 0x43500001): the report and client ids, the process's
/// simple annotations, and per module (linked to the module list by index) its list
/// annotations, simple annotations and typed annotation objects.
///
/// Layout (crashpad minidump_extensions.h): u32 version, report_id and client_id UUIDs (GUID
/// layout), simple_annotations and module_list location descriptors (52 bytes); newer writers
/// add u32 reserved and u64 address_mask (64 bytes). The module list is a count of 12-byte
/// links (u32 module index, location of a MinidumpModuleCrashpadInfo: u32 version and the
/// locations of list annotations, simple annotations and, when the structure is 28 bytes or
/// more, annotation objects). One unreadable module link, string or value is a problem of that
/// item; the rest is still read. Fills `CrashReport.annotations`.
public struct CrashpadInfo: MinidumpStream {
    public static let streamType = StreamType.crashpadInfo
    static let minimumSize = 52
    static let linkSize = 12

    /// A typed annotation object (`crashpad::Annotation`).
    public struct AnnotationObject: Sendable, Encodable {
        public var name: String
        /// 0 invalid, 1 string, 0x8001 and up user-defined.
        public var type: UInt16
        public var value: [UInt8]

        /// The value as text for string annotations (without trailing NULs), else nil.
        public var text: String? {
            guard type == 1 else { return nil }
            var bytes = value[...]
            while bytes.last == 0 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The value as the report shows it: the text of a string annotation, else the bytes in hex.
        public var displayValue: String { text ?? hexDigits(value, uppercase: false) }

        public var typeName: String {
            switch type {
            case 0: return "invalid"
            case 1: return "string"
            case 0x8000...: return "user-defined (\(formatHex(type)))"
            default: return "unsupported (\(formatHex(type)))"
            }
        }

        enum CodingKeys: String, CodingKey { case name, type, typeName, value }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(type, forKey: .type)
            try c.encode(typeName, forKey: .typeName)
            try c.encode(displayValue, forKey: .value)
        }
    }

    /// MinidumpModuleCrashpadInfo with the index of its module in the module list.
    public struct ModuleInfo: Sendable, Encodable {
        public var moduleIndex: UInt32
        public var version: UInt32
        public var listAnnotations: [String]
        public var simpleAnnotations: [TextField]
        public var annotationObjects: [AnnotationObject]
        public var problems: [String]
    }

    public var version: UInt32
    /// Lower-case UUID text, as Breakpad prints it; all zero when the writer had none.
    public var reportId: String
    public var clientId: String
    public var simpleAnnotations: [TextField]
    public var modules: [ModuleInfo]
    public var reserved: UInt32?
    @OptionalHex public var addressMask: UInt64?
    /// Problems of the stream's own structures (the module list, the process annotations).
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        try data.check(offset: 0, size: Self.minimumSize, what: "Crashpad info")
        var r = dump.reader(data, context: "CrashpadInfo stream")
        version = try r.u32()
        reportId = try StreamStrings.guid(&r)
        clientId = try StreamStrings.guid(&r)
        let simpleSize = try r.u32(), simpleRva = try r.u32()
        let listSize = try r.u32(), listRva = try r.u32()
        if r.remaining >= 4 { reserved = try r.u32() }
        if r.remaining >= 8 { addressMask = try r.u64() }
        warnings = version == 0 ? ["version is 0, which no Crashpad writes; reading the version 1 layout"] : []

        let simple = CrashpadStructures.dictionary(dump, size: simpleSize, rva: simpleRva, what: "simple annotations")
        simpleAnnotations = simple.items
        warnings += simple.problems

        modules = []
        do {
            guard listSize > 0 else { return }
            let list = try dump.location(size: listSize, rva: listRva, what: "Crashpad module list")
            var l = dump.reader(list, context: "Crashpad module list")
            let declared = try l.u32()
            let fits = l.remaining / Self.linkSize
            var count = Int(declared)
            if count > fits {
                warnings.append("module list count is \(declared) but its \(listSize) bytes hold only \(fits); reading \(fits)")
                count = fits
            }
            modules.reserveCapacity(count)
            for index in 0..<count {
                let moduleIndex = try l.u32(), size = try l.u32(), rva = try l.u32()
                modules.append(Self.moduleInfo(dump, index: index, moduleIndex: moduleIndex, size: size, rva: rva))
            }
        } catch {
            warnings.append("module list: \(error)")
        }
    }

    /// One MinidumpModuleCrashpadInfo; a link that cannot be followed gives an empty entry with
    /// the problem.
    static func moduleInfo(_ dump: MinidumpFile, index: Int, moduleIndex: UInt32, size: UInt32, rva: UInt32) -> ModuleInfo {
        var info = ModuleInfo(moduleIndex: moduleIndex, version: 0, listAnnotations: [], simpleAnnotations: [],
                              annotationObjects: [], problems: [])
        do {
            let data = try dump.location(size: size, rva: rva, what: "Crashpad module info \(index)")
            var r = dump.reader(data, context: "Crashpad module info \(index)")
            info.version = try r.u32()
            let listSize = try r.u32(), listRva = try r.u32()
            let simpleSize = try r.u32(), simpleRva = try r.u32()
            let list = CrashpadStructures.stringList(dump, size: listSize, rva: listRva, what: "list annotations")
            let simple = CrashpadStructures.dictionary(dump, size: simpleSize, rva: simpleRva, what: "simple annotations")
            info.listAnnotations = list.items
            info.simpleAnnotations = simple.items
            info.problems += list.problems + simple.problems
            if r.remaining >= 8 {
                let objectsSize = try r.u32(), objectsRva = try r.u32()
                let objects = CrashpadStructures.annotations(dump, size: objectsSize, rva: objectsRva, what: "annotation objects")
                info.annotationObjects = objects.items
                info.problems += objects.problems
            }
        } catch {
            info.problems.append("\(error)")
        }
        return info
    }

    /// Every problem, as sentences.
    public var problems: [String] {
        warnings + modules.enumerated().flatMap { i, m in m.problems.map { "module link \(i): \($0)" } }
    }

    /// Breakpad's `MinidumpCrashpadInfo::Print` (simple annotations sorted by key, as its
    /// std::map holds them), plus the annotation objects rust-minidump prints. The address mask
    /// is printed once, when the stream has one.
    public func dump(to out: inout DumpPrinter) {
        out.line("MDRawCrashpadInfo")
        out.line("  version = \(version)")
        out.line("  report_id = \(reportId)")
        out.line("  client_id = \(clientId)")
        for field in Self.sorted(simpleAnnotations) {
            out.line("  simple_annotations[\"\(field.key)\"] = \(field.value)")
        }
        for (i, module) in modules.enumerated() {
            out.line("  module_list[\(i)].minidump_module_list_index = \(module.moduleIndex)")
            out.line("  module_list[\(i)].version = \(module.version)")
            for (j, annotation) in module.listAnnotations.enumerated() {
                out.line("  module_list[\(i)].list_annotations[\(j)] = \(annotation)")
            }
            for field in Self.sorted(module.simpleAnnotations) {
                out.line("  module_list[\(i)].simple_annotations[\"\(field.key)\"] = \(field.value)")
            }
            for object in module.annotationObjects {
                out.line("  module_list[\(i)].annotation_objects[\"\(object.name)\"] = \(object.text ?? "<\(object.typeName)>")")
            }
            for problem in module.problems { out.line("  module_list[\(i)].(problem) = \(problem)") }
        }
        if let addressMask { out.line("  address_mask = \(addressMask)") }
        for warning in warnings { out.line("  (problem) = \(warning)") }
        out.line()
    }

    /// Sorted by key, the first of repeated keys kept (Breakpad discards later duplicates).
    static func sorted(_ fields: [TextField]) -> [TextField] {
        var seen = Set<String>()
        return fields.filter { seen.insert($0.key).inserted }.sorted { $0.key < $1.key }
    }
}
