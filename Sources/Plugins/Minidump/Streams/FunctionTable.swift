import CrashpipeCore

/// MINIDUMP_FUNCTION_TABLE_STREAM (stream 13): the dynamic function tables (runtime unwind
/// data registered with `RtlAddFunctionTable`, e.g. by JITs) of a Windows process.
///
/// Layout: a 24-byte header (size of header, of descriptor, of native descriptor, of function
/// entry, number of descriptors, size of align pad), the align pad, then per table a
/// MINIDUMP_FUNCTION_TABLE_DESCRIPTOR (u64 minimum, maximum and base address, u32 entry count,
/// u32 align pad), the OS's native descriptor, its function entries and its pad. The header and
/// each descriptor's fixed fields are read; the native data and entries are skipped. A count
/// larger than the stream can hold is cut, with a warning. Fills notes only.
public struct FunctionTable: MinidumpStream {
    public static let streamType = StreamType.functionTable
    static let headerSize = 24
    static let descriptorSize = 32

    public struct Descriptor: Sendable, Encodable {
        @Hex public var minimumAddress: UInt64
        @Hex public var maximumAddress: UInt64
        @Hex public var baseAddress: UInt64
        public var entryCount: UInt32
        public var sizeOfAlignPad: UInt32
    }

    public var sizeOfHeader: UInt32
    public var sizeOfDescriptor: UInt32
    public var sizeOfNativeDescriptor: UInt32
    public var sizeOfFunctionEntry: UInt32
    public var numberOfDescriptors: UInt32
    public var sizeOfAlignPad: UInt32
    public var descriptors: [Descriptor]
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "FunctionTable stream")
        sizeOfHeader = try r.u32()
        sizeOfDescriptor = try r.u32()
        sizeOfNativeDescriptor = try r.u32()
        sizeOfFunctionEntry = try r.u32()
        numberOfDescriptors = try r.u32()
        sizeOfAlignPad = try r.u32()
        warnings = []
        descriptors = []
        guard numberOfDescriptors > 0 else { return }
        guard Int(sizeOfDescriptor) >= Self.descriptorSize else {
            warnings.append("size_of_descriptor is \(sizeOfDescriptor), smaller than the \(Self.descriptorSize) bytes of a descriptor; descriptors not read")
            return
        }
        let start = max(Int(sizeOfHeader), Self.headerSize) + Int(sizeOfAlignPad)
        let perTable = Int(sizeOfDescriptor) + Int(sizeOfNativeDescriptor)
        let fits = start <= data.count ? (data.count - start) / perTable : 0
        var count = Int(numberOfDescriptors)
        if count > fits {
            warnings.append("descriptor count is \(numberOfDescriptors) but the stream holds at most \(fits); reading \(fits)")
            count = fits
        }
        descriptors.reserveCapacity(count)
        var offset = start
        for index in 0..<count {
            guard offset <= data.count - perTable else {
                warnings.append("descriptor \(index) starts past the end of the stream; \(index) of \(numberOfDescriptors) read")
                break
            }
            var d = dump.reader(try data.slice(offset: offset, size: Self.descriptorSize, what: "function table descriptor"),
                                context: "FunctionTable stream")
            let descriptor = Descriptor(minimumAddress: try d.u64(), maximumAddress: try d.u64(), baseAddress: try d.u64(),
                                        entryCount: try d.u32(), sizeOfAlignPad: try d.u32())
            descriptors.append(descriptor)
            // Sizes from the file: step in UInt64 and stop past the end rather than overflow.
            let entryBytes = UInt64(descriptor.entryCount) * UInt64(sizeOfFunctionEntry)
            let step = entryBytes.addingReportingOverflow(UInt64(perTable) + UInt64(descriptor.sizeOfAlignPad))
            if step.overflow || step.partialValue > UInt64(data.count - offset) {
                offset = data.count + 1
            } else {
                offset += Int(step.partialValue)
            }
        }
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MDRawFunctionTableStream", [
            ("size_of_header", "\(sizeOfHeader)"),
            ("size_of_descriptor", "\(sizeOfDescriptor)"),
            ("size_of_native_descriptor", "\(sizeOfNativeDescriptor)"),
            ("size_of_function_entry", "\(sizeOfFunctionEntry)"),
            ("number_of_descriptors", "\(numberOfDescriptors)"),
            ("size_of_align_pad", "\(sizeOfAlignPad)"),
        ])
        for (i, d) in descriptors.enumerated() {
            out.line("descriptor[\(i)]")
            out.block("MDRawFunctionTableDescriptor", [
                ("minimum_address", P.hex(d.minimumAddress)),
                ("maximum_address", P.hex(d.maximumAddress)),
                ("base_address", P.hex(d.baseAddress)),
                ("entry_count", "\(d.entryCount)"),
                ("size_of_align_pad", "\(d.sizeOfAlignPad)"),
            ])
        }
    }
}
