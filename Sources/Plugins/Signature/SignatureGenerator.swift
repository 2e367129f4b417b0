import CrashpipeCore
import Crypto

/// Builds a report's grouping signature from its crashing thread, the way Socorro's
/// `CSignatureTool` does, but keeping up to `maxFrames` meaningful frames instead of stopping
/// at the first one:
///
/// 1. take the crashing thread (thread 0 when the dump names none), innermost frame first,
///    each frame's inlined functions before the function itself;
/// 2. name every frame by its normalized function (``FunctionNameNormalizer``), else
///    `module@0xoffset`, else `@0xaddress`;
/// 3. skip names the `irrelevant` patterns match; keep the rest until `maxFrames` are kept,
///    and then go on while the last kept name is a `prefix` one (a prefix frame never ends a
///    signature: the frame after it is always included);
/// 4. when every frame was irrelevant, the signature is the first frame's name, as in Socorro.
///
/// The title joins the names with ` | `; the hash is the hex SHA-256 of the names joined by
/// newlines. A stack with nothing in it gets an `EMPTY: ...` title (hashed as the title).
public struct SignatureGenerator: Sendable {
    public var maxFrames: Int
    public var irrelevant: FramePatterns
    public var prefix: FramePatterns

    public init(maxFrames: Int = 5, irrelevant: FramePatterns, prefix: FramePatterns) {
        self.maxFrames = maxFrames
        self.irrelevant = irrelevant
        self.prefix = prefix
    }

    /// The generator with the built-in lists.
    public static func standard(maxFrames: Int = 5) -> SignatureGenerator {
        // The built-in lists are tested to compile.
        SignatureGenerator(maxFrames: maxFrames, irrelevant: try! FramePatterns(DefaultFrameLists.irrelevant),
                           prefix: try! FramePatterns(DefaultFrameLists.prefix))
    }

    /// Something worth telling the reader of the report about how the signature was made.
    public struct Remark: Sendable, Hashable {
        public var kind: String
        public var message: String
    }

    public static let noCrashingThread = "EMPTY: no crashing thread identified"
    public static let noFrameData = "EMPTY: no frame data available"

    /// The signature of `report` and remarks on how it was found.
    public func signature(of report: CrashReport) -> (CrashSignature, [Remark]) {
        var remarks: [Remark] = []
        let thread: Thread
        if let crashing = report.crashingThread {
            thread = crashing
        } else if let first = report.threads.first {
            thread = first
            remarks.append(Remark(kind: "no_crashing_thread",
                                  message: "the dump names no crashing thread; the signature uses thread 0"))
        } else {
            remarks.append(Remark(kind: "empty_signature", message: "no signature: the report has no threads"))
            return (Self.empty(Self.noCrashingThread), remarks)
        }
        guard !thread.frames.isEmpty else {
            remarks.append(Remark(kind: "empty_signature",
                                  message: "no signature: the crashing thread has no frames (was the stack walked?)"))
            return (Self.empty(Self.noFrameData), remarks)
        }
        let names = FrameNames(frames: thread.frames, modules: report.modules)
        var chosen = select(names)
        if chosen.isEmpty, let first = names.first(where: { _ in true }) {
            chosen = [first]
            remarks.append(Remark(kind: "no_meaningful_frames",
                                  message: "every frame of the crashing thread is on the irrelevant list; the signature is its first frame"))
        }
        return (Self.make(chosen), remarks)
    }

    /// The normalized names of a thread's frames, innermost first, inlined functions before
    /// the function they were inlined into.
    public func frameNames(of thread: Thread, modules: [Module]) -> [String] {
        Array(FrameNames(frames: thread.frames, modules: modules))
    }

    /// The names of frames, made one at a time as a signature asks for them (a signature
    /// rarely needs more than the top dozen of a thousand frames).
    struct FrameNames: Sequence, IteratorProtocol {
        let frames: [Frame]
        let modules: [Module]
        var frame = 0
        var inline = 0

        init(frames: [Frame], modules: [Module]) {
            self.frames = frames
            self.modules = modules
        }

        mutating func next() -> String? {
            while frame < frames.count {
                let inlines = frames[frame].inlines
                while inline < inlines.count {
                    defer { inline += 1 }
                    if !inlines[inline].function.isEmpty {
                        return FunctionNameNormalizer.normalize(inlines[inline].function)
                    }
                }
                defer {
                    frame += 1
                    inline = 0
                }
                return SignatureGenerator.name(of: frames[frame], modules: modules)
            }
            return nil
        }
    }

    /// A frame's name: its normalized function, else `module@0xoffset`, else `@0xaddress`.
    public static func name(of frame: Frame, modules: [Module]) -> String {
        if let function = frame.function, !function.isEmpty {
            let normalized = FunctionNameNormalizer.normalize(function)
            if !normalized.isEmpty { return normalized }
        }
        if let index = frame.moduleIndex, modules.indices.contains(index) {
            let module = modules[index]
            let offset = frame.moduleOffset ?? (frame.lookupAddress &- module.base)
            return "\(module.name)@0x\(String(offset, radix: 16))"
        }
        return "@0x\(String(frame.instruction, radix: 16))"
    }

    /// The names the signature keeps, in order.
    public func select(_ names: some Sequence<String>) -> [String] {
        var chosen: [String] = []
        var lastIsPrefix = false
        for name in names {
            if chosen.count >= maxFrames && !lastIsPrefix { break }
            if irrelevant.matches(name) { continue }
            chosen.append(name)
            lastIsPrefix = prefix.matches(name)
        }
        return chosen
    }

    /// A signature over `frames`: title `a | b | c`, hash of the frames joined by newlines.
    public static func make(_ frames: [String], fromFingerprint: Bool = false) -> CrashSignature {
        CrashSignature(title: frames.joined(separator: " | "), frames: frames,
                       hash: sha256Hex(frames.joined(separator: "\n")), fromFingerprint: fromFingerprint)
    }

    static func empty(_ title: String) -> CrashSignature {
        CrashSignature(title: title, frames: [], hash: sha256Hex(title))
    }

    /// Lower-case hex SHA-256 of the UTF-8 bytes of `text`.
    public static func sha256Hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in SHA256.hash(data: Array(text.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
