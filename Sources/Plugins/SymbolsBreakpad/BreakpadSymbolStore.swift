import CrashpipeCore
import Foundation

/// Finds `.sym` files in local directories laid out as Breakpad's `SimpleSymbolSupplier`
/// expects (and `dump_syms` output is usually stored):
///
///     <root>/<debug file>/<DEBUG ID>/<debug file without a trailing .pdb>.sym
///     e.g. symbols/test_app.pdb/5A9832E5287241C1838ED98914E9B7FF1/test_app.sym
///
/// and, when no root has one, native debug files as crashpipe's store files them
/// (``nativePaths(for:)``), read by whichever symbol format recognizes them.
///
/// Consumes: a module's debug file name (its last path component, either separator; for
/// modules without one, such as ELF and Mach-O modules from some writers, the code file's)
/// and its debug id in Breakpad notation. Produces: the memory-mapped bytes of the first root's
/// file that exists. Modules without a debug id have no file here.
public struct BreakpadSymbolStore: SymbolSupplier {
    /// The directories searched, in order.
    public let roots: [String]

    public init(roots: [String]) {
        self.roots = roots
    }

    /// The file's path below a root, or nil when the module cannot have one (no debug id, no
    /// usable name).
    public static func relativePath(for module: Module) -> String? {
        guard let debugId = module.debugId?.breakpad else { return nil }
        var name = module.debugFile.map(baseName) ?? ""
        if name.isEmpty { name = baseName(module.codeFile) }
        // A name must stay one path component inside the root.
        guard !name.isEmpty, name != ".", name != "..", !name.contains("\0") else { return nil }
        var stem = Substring(name)
        if stem.count > 4, stem.suffix(4).lowercased() == ".pdb" { stem = stem.dropLast(4) }
        return "\(name)/\(debugId)/\(stem).sym"
    }

    /// The first root's file for `module`, memory-mapped; nil when no root has one. Throws when a
    /// file exists but cannot be read.
    public func locate(_ module: Module) async throws -> SymbolFileData? {
        guard let relative = Self.relativePath(for: module) else { return nil }
        // A `.sym` first, in every root; then native debug files filed by debug id, the debug
        // companion first and the binary (for its unwind information) behind it.
        if let sym = try find(relative) { return sym }
        let native = try Self.nativePaths(for: module).compactMap { try find($0) }
        guard var first = native.first else { return nil }
        first.companions = Array(native.dropFirst())
        return first
    }

    /// The first root's file at `relative`, memory-mapped.
    func find(_ relative: String) throws -> SymbolFileData? {
        for root in roots {
            let path = root.hasSuffix("/") ? root + relative : root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let storage = try ByteStorage.map(path: path)
            return SymbolFileData(location: path, bytes: storage.view)
        }
        return nil
    }

    /// Where crashpipe's symbol store files native debug files (ELF, Mach-O) by debug id alone,
    /// since their file names need not match the module's: `_id/<DEBUG ID>/debuginfo` (a debug
    /// companion: split `.debug`, dSYM contents) before `_id/<DEBUG ID>/executable` (the binary).
    public static func nativePaths(for module: Module) -> [String] {
        guard let debugId = module.debugId?.breakpad else { return [] }
        return ["_id/\(debugId)/debuginfo", "_id/\(debugId)/executable"]
    }
}
