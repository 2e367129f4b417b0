/// Writes a Breakpad `.sym` file from what a native debug file says about a module: its
/// symbol table, its DWARF functions, lines and inline calls, and its call frame information.
/// This is what `crashpipe symbols convert` prints, the job Breakpad's and Mozilla's dump_syms do.
///
/// The records follow Mozilla's dump_syms (the Breakpad writer built on getsentry/symbolic):
///
/// - `MODULE <os> <arch> <debug id> <name>`, then `INFO CODE_ID` with the code id in upper case;
/// - `FILE` and `INLINE_ORIGIN` records for every file and inlined function the records use,
///   numbered from 0 in order of first use;
/// - one `FUNC` per DWARF function range, followed by its `INLINE` records (depth, call line,
///   call file, origin, then the inlined call's ranges) and its line records: the line-table rows
///   inside the function, each sized to the next row or the function's end, rows of equal
///   position merged except where an inlined call starts or ends;
/// - `PUBLIC` for each symbol-table function that no `FUNC` covers and, in Mozilla's flavor, for code
///   sections without symbols (`<.plt ELF section in MODULE>`);
/// - `STACK CFI` from `.eh_frame`/`.debug_frame`/`__eh_frame`, or from a Mach-O's compact unwind
///   with the FDEs it defers to, in symbolic's layout (Mozilla's dump_syms and Sentry write the
///   same).
///
/// Names are demangled with `demangle` (Breakpad files hold readable names).
public struct BreakpadSymbolWriter: Sendable {
    /// The `MODULE` and `INFO CODE_ID` lines' values.
    public struct Module: Sendable {
        /// Breakpad's operating-system word: `Linux`, `Mac`, `windows`.
        public var os: String
        public var arch: String
        public var debugId: DebugId
        public var name: String
        public var codeId: CodeId?

        public init(os: String, arch: String, debugId: DebugId, name: String, codeId: CodeId?) {
            self.os = os
            self.arch = arch
            self.debugId = debugId
            self.name = name
            self.codeId = codeId
        }
    }

    /// Which dump_syms to write like, where the two differ.
    public enum Flavor: String, Sendable, CaseIterable {
        /// Mozilla's dump_syms (and Sentry): line rows of equal position merged and split where an
        /// inlined call starts or ends, CFI in symbolic's layout; names without return types
        /// (the caller's demangler decides).
        case mozilla
        /// Breakpad's dump_syms: every line-table row as it is, `MODULE mac` for macOS, CFI rules in
        /// byte order with `.ra` on every INIT row; names with return types.
        case breakpad
    }

    let demangle: @Sendable (String) -> String
    /// Write `INLINE` records. Without them Mozilla's flavor gives each inlined call's range the
    /// call site's line (dump_syms without `--inlines`); Breakpad's keeps the line table's rows.
    let inlines: Bool
    let flavor: Flavor

    public init(inlines: Bool = true, flavor: Flavor = .mozilla, demangle: @escaping @Sendable (String) -> String = { $0 }) {
        self.inlines = inlines
        self.flavor = flavor
        self.demangle = demangle
    }

    /// The readable form of `name`; symbolic's placeholder for a DWARF function without one.
    func readable(_ name: String) -> String { name.isEmpty ? "<name omitted>" : demangle(name) }

    /// The `.sym` text for `module` from `layers`, the module's files with the most detailed
    /// first (a split debug file before its stripped binary): DWARF from the first layer that
    /// has it, call frame information from the first that has it, symbol-table names from all
    /// (the first naming an address wins).
    public func write(_ module: Module, layers: [SymbolTableSymbols]) -> String {
        let os = flavor == .breakpad && module.os == "Mac" ? "mac" : module.os
        var out = "MODULE \(os) \(module.arch) \(module.debugId.breakpad) \(module.name)\n"
        if let codeId = module.codeId { out += "INFO CODE_ID \(codeId.value.uppercased())\n" }

        var files = Numbering()
        var origins = Numbering()
        var blocks: [(address: UInt64, text: String)] = []
        var covered: [Range<UInt64>] = []
        if let debugInfo = layers.lazy.compactMap(\.debugInfo).first {
            var functions: [DWARFFunction] = []
            for function in debugInfo.functions where function.size > 0 {
                // A range overlapping the previous one (an alias at the same start) is left out.
                if let last = functions.last, function.address < last.address &+ last.size { continue }
                functions.append(function)
            }
            // Inline origins are numbered in DIE order, as dump_syms numbers them.
            if inlines {
                for function in functions.sorted(by: { $0.order < $1.order }) { numberOrigins(function.inlinees, &origins) }
            }
            for function in functions {
                let end = function.address &+ function.size
                covered.append(function.address..<end)
                var body = "FUNC \(hex(function.address)) \(hex(function.size)) 0 \(readable(function.name))\n"
                guard inlines || flavor == .breakpad else {
                    writeOuterLines(of: function, files: &files, into: &body)
                    blocks.append((function.address, body))
                    continue
                }
                var records = InlineRecords()
                if inlines { collectInlines(function.inlinees, depth: 0, files: &files, origins: &origins, into: &records) }
                for key in records.order {
                    body += "INLINE \(key.depth) \(key.line) \(key.file) \(key.origin)"
                    for range in records.ranges[key] ?? [] { body += " \(hex(range.begin)) \(hex(range.end - range.begin))" }
                    body += "\n"
                }
                var boundaries = Set<UInt64>()
                for ranges in records.ranges.values {
                    for range in ranges { boundaries.insert(range.begin); boundaries.insert(range.end) }
                }
                writeLines(of: function.address..<end, table: debugInfo.lineTable, merging: flavor == .mozilla,
                           boundaries: boundaries.sorted(), files: &files, into: &body)
                blocks.append((function.address, body))
            }
        }

        var publics: [UInt64: String] = [:]
        for layer in layers {
            for entry in layer.entries where publics[entry.address] == nil && !Self.contains(covered, entry.address) {
                publics[entry.address] = demangle(entry.name)
            }
            // Breakpad's dump_syms names no PLT sections.
            for marker in flavor == .mozilla ? layer.sectionMarkers : []
            where publics[marker.address] == nil && !Self.contains(covered, marker.address) {
                publics[marker.address] = "<\(marker.name) in \(module.name)>"
            }
        }
        for (address, name) in publics { blocks.append((address, "PUBLIC \(hex(address)) 0 \(name)\n")) }
        // FUNC and PUBLIC records in address order, as dump_syms writes them.
        var body = blocks.sorted { $0.address < $1.address }.map(\.text).joined()

        var cfi: [BreakpadCFIRecord] = []
        switch flavor {
        case .mozilla:
            // symbolic's records: a Mach-O's compact unwind (with the FDEs it defers to), else the FDEs.
            if let layer = layers.first(where: { $0.unwindTable != nil || $0.frames != nil }) { cfi = layer.breakpadCFIRecords() }
        case .breakpad:
            // Breakpad's dump_syms reads DWARF CFI only.
            if let frames = layers.lazy.compactMap(\.frames).first {
                cfi = frames.cfi.dumpSymsRecords(cpu: frames.cpu, loadAddress: frames.loadAddress)
            }
        }
        for record in cfi { body += record.description + "\n" }

        for (index, path) in files.names.enumerated() { out += "FILE \(index) \(path)\n" }
        for (index, name) in origins.names.enumerated() { out += "INLINE_ORIGIN \(index) \(readable(name))\n" }
        return out + body
    }

    /// An inline call's record key: calls of one function from the same place at the same depth
    /// share one `INLINE` record with all their ranges, as dump_syms writes them.
    struct InlineKey: Hashable { var depth: Int; var line: UInt32; var file: Int; var origin: Int }
    struct InlineRecords {
        var order: [InlineKey] = []
        var ranges: [InlineKey: [DWARFRange]] = [:]
    }

    func numberOrigins(_ inlinees: [DWARFFunction], _ origins: inout Numbering, depth: Int = 0) {
        guard depth < 256 else { return }
        for inline in inlinees {
            _ = origins.number(inline.name)
            numberOrigins(inline.inlinees, &origins, depth: depth + 1)
        }
    }

    /// The `INLINE` records of `inlinees` and, depth first, of the calls inlined into them.
    func collectInlines(_ inlinees: [DWARFFunction], depth: Int, files: inout Numbering, origins: inout Numbering,
                        into records: inout InlineRecords) {
        guard depth < 256 else { return }
        // The reader lists an inlined call once per range (each with all the call's ranges in
        // `ranges`); records of the same call merge under one key below.
        for inline in inlinees where inline.size > 0 {
            let key = InlineKey(depth: depth, line: inline.callLine, file: files.number(inline.callFile?.path ?? ""),
                                origin: origins.number(inline.name))
            if records.ranges[key] == nil { records.order.append(key) }
            records.ranges[key, default: []].append(DWARFRange(begin: inline.address, end: inline.address &+ inline.size))
            collectInlines(inline.inlinees, depth: depth + 1, files: &files, origins: &origins, into: &records)
        }
    }

    /// Line records at the function's own level: an inlined call's range has the call site.
    func writeOuterLines(of function: DWARFFunction, files: inout Numbering, into out: inout String) {
        let end = function.address &+ function.size
        var pending: (start: UInt64, end: UInt64, line: UInt32, file: String)?
        func flush() {
            guard let row = pending, row.end > row.start else { return }
            out += "\(hex(row.start)) \(hex(row.end - row.start)) \(row.line) \(files.number(row.file))\n"
        }
        for record in function.lines where record.address < end {
            let recordEnd = min(record.size.map { record.address &+ $0 } ?? end, end)
            if let row = pending, row.end == record.address, row.line == record.line, row.file == record.file.path {
                pending?.end = recordEnd
                continue
            }
            flush()
            pending = (record.address, recordEnd, record.line, record.file.path)
        }
        flush()
    }

    /// Line records for the line-table rows inside `range`. Consecutive rows with the same
    /// position are one record unless an inlined call starts or ends between them (`boundaries`),
    /// as dump_syms merges them.
    func writeLines(of range: Range<UInt64>, table: DWARFLineTable, merging: Bool, boundaries: [UInt64], files: inout Numbering,
                    into out: inout String) {
        var pending: (start: UInt64, end: UInt64, line: UInt32, file: String)?
        func flush() {
            guard let row = pending else { return }
            out += "\(hex(row.start)) \(hex(row.end - row.start)) \(row.line) \(files.number(row.file))\n"
        }
        for sequence in table.sequences(overlapping: range) {
            // The row in effect at the range's start, then every row after it.
            var low = 0, high = sequence.addresses.count
            while low < high {
                let mid = (low + high) / 2
                if sequence.addresses[mid] <= range.lowerBound { low = mid + 1 } else { high = mid }
            }
            var index = max(low - 1, 0)
            while index < sequence.addresses.count, sequence.addresses[index] < range.upperBound {
                let start = max(sequence.addresses[index], range.lowerBound)
                let next = index + 1 < sequence.addresses.count ? sequence.addresses[index + 1] : sequence.end
                let end = min(next, range.upperBound, sequence.end)
                let fileIndex = sequence.fileIndices[index]
                let file = sequence.files.indices.contains(fileIndex) ? sequence.files[fileIndex] : ""
                let line = sequence.lines[index]
                index += 1
                guard end > start else { continue }
                let atBoundary = boundaries.firstIndex(atLeast: start).map { boundaries[$0] == start } ?? false
                if merging, let row = pending, row.end == start, row.line == line, row.file == file, !atBoundary {
                    pending?.end = end
                } else {
                    flush()
                    pending = (start, end, line, file)
                }
                // A row that an inlined call starts or ends inside is split there.
                var cut = boundaries.firstIndex(atLeast: start &+ 1) ?? boundaries.count
                while cut < boundaries.count, boundaries[cut] < end, let row = pending {
                    pending = (row.start, boundaries[cut], row.line, row.file)
                    flush()
                    pending = (boundaries[cut], end, row.line, row.file)
                    cut += 1
                }
            }
        }
        flush()
    }

    static func contains(_ ranges: [Range<UInt64>], _ address: UInt64) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].lowerBound <= address { low = mid + 1 } else { high = mid }
        }
        return low > 0 && ranges[low - 1].contains(address)
    }

    func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    /// Numbers names from 0 in order of first use.
    struct Numbering {
        var names: [String] = []
        var numbers: [String: Int] = [:]

        mutating func number(_ name: String) -> Int {
            if let known = numbers[name] { return known }
            numbers[name] = names.count
            names.append(name)
            return names.count - 1
        }
    }
}

extension DWARFLineTable {
    /// The sequences that overlap `range`, in address order.
    func sequences(overlapping range: Range<UInt64>) -> [Sequence] {
        var low = 0, high = sequences.count
        while low < high {
            let mid = (low + high) / 2
            if sequences[mid].start < range.upperBound { low = mid + 1 } else { high = mid }
        }
        // Sequences are sorted by start; a few before the range may still reach into it.
        var found: [Sequence] = []
        var index = low - 1
        while index >= 0 && index >= low - 8 {
            let s = sequences[index]
            if s.end > range.lowerBound && s.start < range.upperBound { found.append(s) }
            index -= 1
        }
        return found.reversed()
    }
}

/// One module's `.sym` made by ``PluginRegistry/convertToBreakpad(_:inlines:flavor:demangle:)``.
public struct ConvertedModule: Sendable {
    public var module: BreakpadSymbolWriter.Module
    /// The files it was made from, most detailed first.
    public var sources: [String]
    public var text: String
    /// Problems the symbol formats met in those files (the rest was still used).
    public var problems: [String]

    /// Where Breakpad's symbol store keeps it: `<name>/<ID>/<name without .pdb>.sym`.
    public var storePath: String {
        let stem = module.name.hasSuffix(".pdb") ? String(module.name.dropLast(4)) : module.name
        return "\(module.name)/\(module.debugId.breakpad)/\(stem).sym"
    }
}

extension PluginRegistry {
    /// Breakpad `.sym` text for the modules in `inputs`: every object of a debug-file format that
    /// names a Breakpad operating system, read by the symbol format that recognizes it. Objects
    /// with the same debug id and architecture (a stripped binary and its `.debug` file, an
    /// executable and its dSYM) make one module, the split debug file first. A file that is no
    /// such debug file, or whose object cannot be read, is reported in `problems` with its path;
    /// the other files are still converted.
    public func convertToBreakpad(_ inputs: [(location: String, bytes: ByteView)], inlines: Bool = true,
                                  flavor: BreakpadSymbolWriter.Flavor = .mozilla,
                                  demangle: @escaping @Sendable (String) -> String) -> (modules: [ConvertedModule], problems: [String]) {
        struct Part { var location: String; var object: DebugObject; var symbols: SymbolTableSymbols }
        var groups: [String: [Part]] = [:]
        var order: [String] = []
        var operatingSystems: [String: String] = [:]
        var problems: [String] = []
        for input in inputs {
            guard let format = debugFileFormat(for: input.bytes) else {
                problems.append("\(input.location): not a debug file crashpipe recognizes")
                continue
            }
            guard let os = format.breakpadOperatingSystem else {
                problems.append("\(input.location): \(format.name) files cannot be converted to Breakpad symbols")
                continue
            }
            let objects: [DebugObject]
            do { objects = try format.objects(in: input.bytes) } catch {
                problems.append("\(input.location): \(error)")
                continue
            }
            for object in objects {
                guard let debugId = object.debugId else {
                    problems.append("\(input.location): the \(object.arch) object has no debug id")
                    continue
                }
                do {
                    var view = input.bytes
                    if let range = object.byteRange {
                        view = try view.slice(offset: UInt64(range.lowerBound), size: UInt64(range.count), what: "\(object.arch) slice")
                    }
                    guard let symbolFormat = symbolFormats.first(where: { $0.recognizes(view) }) else {
                        problems.append("\(input.location): no symbol format reads its \(object.arch) object")
                        continue
                    }
                    guard let symbols = try symbolFormat.load(view, location: input.location) as? SymbolTableSymbols else {
                        problems.append("\(input.location): the \(symbolFormat.name) format gives no symbol table to convert")
                        continue
                    }
                    let key = "\(debugId.breakpad) \(object.arch)"
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(Part(location: input.location, object: object, symbols: symbols))
                    operatingSystems[key] = os
                } catch {
                    problems.append("\(input.location): \(error)")
                }
            }
        }
        let writer = BreakpadSymbolWriter(inlines: inlines, flavor: flavor, demangle: demangle)
        return (order.compactMap { key in
            guard let parts = groups[key], let first = parts.first, let debugId = first.object.debugId else { return nil }
            // Split debug files first; names come from the binary when there is one.
            let layers = parts.filter { $0.object.kind == "debug" } + parts.filter { $0.object.kind != "debug" }
            let named = parts.first { $0.object.kind != "debug" } ?? first
            let name = named.location.split(separator: "/").last.map(String.init) ?? named.location
            let module = BreakpadSymbolWriter.Module(os: operatingSystems[key] ?? "", arch: first.object.arch, debugId: debugId,
                                                     name: name, codeId: parts.lazy.compactMap(\.object.codeId).first)
            return ConvertedModule(module: module, sources: layers.map(\.location),
                                   text: writer.write(module, layers: layers.map(\.symbols)),
                                   problems: layers.flatMap { part in part.symbols.problems.map { "\(part.location): \($0)" } })
        }, problems)
    }
}

extension [UInt64] {
    /// The index of the first element not below `value` in this sorted array; nil when none is.
    func firstIndex(atLeast value: UInt64) -> Int? {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < count ? low : nil
    }
}
