import CrashpipeCore

/// The variable-length structures Crashpad's info stream points at (minidump_extensions.h):
/// MinidumpRVAList of UTF-8 strings, MinidumpSimpleStringDictionary, MinidumpAnnotationList and
/// MinidumpByteArray. Each is reached through a location descriptor; its count is checked
/// against the location's size (cut, with a warning) and a bad string or value is a problem of
/// that item only.
enum CrashpadStructures {
    /// A list read from a location: the items that could be read and what went wrong.
    struct Read<Item> {
        var items: [Item] = []
        var problems: [String] = []
    }

    /// The `count` of a counted structure at `location` and a reader at its first element,
    /// with the count cut to what the location holds. Nil for an empty location.
    static func counted(_ dump: MinidumpFile, size: UInt32, rva: UInt32, elementSize: Int, what: String,
                        problems: inout [String]) throws(ParseError) -> (count: Int, reader: ByteReader)? {
        guard size > 0 else { return nil }
        let data = try dump.location(size: size, rva: rva, what: what)
        var r = dump.reader(data, context: what)
        let declared = try r.u32()
        let fits = r.remaining / elementSize
        var count = Int(declared)
        if count > fits {
            problems.append("\(what) count is \(declared) but its \(size) bytes hold only \(fits); reading \(fits)")
            count = fits
        }
        return (count, r)
    }

    /// A MinidumpRVAList of MinidumpUTF8Strings.
    static func stringList(_ dump: MinidumpFile, size: UInt32, rva: UInt32, what: String) -> Read<String> {
        var result = Read<String>()
        do {
            guard let found = try counted(dump, size: size, rva: rva, elementSize: 4, what: what,
                                              problems: &result.problems) else { return result }
            var r = found.reader
            for index in 0..<found.count {
                let stringRva = try r.u32()
                do { result.items.append(try dump.utf8String(at: stringRva, what: "\(what) \(index)")) } catch {
                    result.problems.append("\(what) \(index): \(error)")
                }
            }
        } catch {
            result.problems.append("\(what): \(error)")
        }
        return result
    }

    /// A MinidumpSimpleStringDictionary (count, then key and value RVAs of UTF-8 strings), in
    /// file order.
    static func dictionary(_ dump: MinidumpFile, size: UInt32, rva: UInt32, what: String) -> Read<TextField> {
        var result = Read<TextField>()
        do {
            guard let found = try counted(dump, size: size, rva: rva, elementSize: 8, what: what,
                                              problems: &result.problems) else { return result }
            var r = found.reader
            for index in 0..<found.count {
                let keyRva = try r.u32(), valueRva = try r.u32()
                do {
                    let key = try dump.utf8String(at: keyRva, what: "\(what) key \(index)")
                    let value = try dump.utf8String(at: valueRva, what: "\(what) value \(index)")
                    result.items.append(TextField(key: key, value: value))
                } catch {
                    result.problems.append("\(what) entry \(index): \(error)")
                }
            }
        } catch {
            result.problems.append("\(what): \(error)")
        }
        return result
    }

    /// A MinidumpAnnotationList: count, then 12-byte MinidumpAnnotations (name RVA, u16 type,
    /// u16 reserved, value RVA of a MinidumpByteArray; RVA 0 is an empty value).
    static func annotations(_ dump: MinidumpFile, size: UInt32, rva: UInt32, what: String) -> Read<CrashpadInfo.AnnotationObject> {
        var result = Read<CrashpadInfo.AnnotationObject>()
        do {
            guard let found = try counted(dump, size: size, rva: rva, elementSize: 12, what: what,
                                              problems: &result.problems) else { return result }
            var r = found.reader
            for index in 0..<found.count {
                let nameRva = try r.u32(), type = try r.u16()
                try r.skip(2)
                let valueRva = try r.u32()
                do {
                    let name = try dump.utf8String(at: nameRva, what: "\(what) name \(index)")
                    let value = valueRva == 0 ? [] : try byteArray(dump, at: valueRva, what: "value of annotation \(name)")
                    result.items.append(CrashpadInfo.AnnotationObject(name: name, type: type, value: value))
                } catch {
                    result.problems.append("\(what) \(index): \(error)")
                }
            }
        } catch {
            result.problems.append("\(what): \(error)")
        }
        return result
    }

    /// A MinidumpByteArray: u32 length, then the bytes.
    static func byteArray(_ dump: MinidumpFile, at rva: UInt32, what: String) throws(ParseError) -> [UInt8] {
        let length = try dump.bytes.u32(at: Int(rva), dump.endian)
        return try dump.bytes.slice(offset: Int(rva) + 4, size: Int(length), what: what).array
    }
}
