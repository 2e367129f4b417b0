import Foundation
import Yams

/// Reads pipeline files and builds ready-to-run ``Pipeline`` values.
///
/// Everything is checked before any report runs: YAML syntax, the file's structure, stage names
/// (with the list of known stages and a "did you mean"), option names and types, and stage
/// order. Every error names file:line:column.
///
/// ```yaml
/// version: 1
/// description: read a minidump and print what is in it
/// stages:
///   - use: minidump
///   - use: stackwalk
///     with: { max_frames: 1024 }
/// ```
public struct PipelineLoader: Sendable {
    public var registry: PluginRegistry
    public var services: Services

    public init(registry: PluginRegistry, services: Services? = nil) {
        self.registry = registry
        self.services = services ?? Services(registry: registry)
    }

    /// Loads and validates the pipeline file at `path`.
    public func load(path: String) throws(PipelineError) -> Pipeline {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw PipelineError(file: path, line: 1, column: 1, message: "the file is not valid UTF-8")
            }
            text = decoded
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(file: path, line: 1, column: 1, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try load(yaml: text, file: path)
    }

    /// Loads and validates pipeline text; `file` is used in messages and as the default name.
    public func load(yaml text: String, file: String = "<string>") throws(PipelineError) -> Pipeline {
        guard let root = try PipelineError.compose(yaml: text, file: file) else {
            throw PipelineError(file: file, line: 1, column: 1, message: "the file is empty; expected 'version' and 'stages'")
        }

        guard case .mapping(let top) = root else {
            throw PipelineError(file: file, mark: root.mark, "a pipeline must be a mapping with 'version' and 'stages'")
        }
        try Self.checkKeys(top, allowed: ["version", "name", "description", "stages"], what: "pipeline", file: file)

        guard let versionNode = top["version"] else {
            throw PipelineError(file: file, mark: root.mark, "missing 'version' (this crashpipe reads version 1)")
        }
        guard versionNode.int == 1 else {
            throw PipelineError(file: file, mark: versionNode.mark,
                                "unsupported version '\(versionNode.string ?? "?")' (this crashpipe reads version 1)")
        }
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let nameNode = top["name"] {
            guard let value = nameNode.string, case .scalar = nameNode else {
                throw PipelineError(file: file, mark: nameNode.mark, "'name' must be a string")
            }
            name = value
        }
        guard let stagesNode = top["stages"] else {
            throw PipelineError(file: file, mark: root.mark, "missing 'stages' (a list of '- use: <stage>' entries)")
        }
        guard case .sequence(let list) = stagesNode, !list.isEmpty else {
            throw PipelineError(file: file, mark: stagesNode.mark, "'stages' must be a non-empty list of '- use: <stage>' entries")
        }

        var configured: [ConfiguredStage] = []
        for entry in list {
            configured.append(try buildStage(entry, file: file))
        }
        try Self.checkOrder(configured, file: file)
        return Pipeline(name: name, file: file, stages: configured)
    }

    private func buildStage(_ entry: Node, file: String) throws(PipelineError) -> ConfiguredStage {
        guard case .mapping(let pairs) = entry else {
            throw PipelineError(file: file, mark: entry.mark, "each stage must be a mapping like '- use: minidump'")
        }
        try Self.checkKeys(pairs, allowed: ["use", "with"], what: "stage", file: file)
        guard let useNode = pairs["use"] else {
            throw PipelineError(file: file, mark: entry.mark, "stage has no 'use' (the name of a registered stage)")
        }
        guard case .scalar = useNode, let id = useNode.string, !id.isEmpty else {
            throw PipelineError(file: file, mark: useNode.mark, "'use' must be a stage name")
        }
        guard let factory = registry.stages[id] else {
            let known = registry.stages.keys.sorted()
            var message = "unknown stage '\(id)'"
            if let guess = closestMatch(to: id, in: known) { message += "; did you mean '\(guess)'?" }
            message += " (known stages: \(known.joined(separator: ", ")))"
            throw PipelineError(file: file, mark: useNode.mark, message)
        }
        let withNode = pairs["with"]
        if let withNode, case .scalar = withNode, withNode.null != nil {
            // `with:` with nothing after it means no options.
        } else if let withNode, withNode.mapping == nil {
            throw PipelineError(file: file, mark: withNode.mark, "stage '\(id)': 'with' must be a mapping of options")
        }
        let options = withNode.flatMap { $0.mapping == nil ? nil : $0 }
        do {
            let stage = try factory.make(options, services)
            return ConfiguredStage(id: id, kind: factory.descriptor, stage: stage,
                                   line: useNode.mark?.line ?? 0, column: useNode.mark?.column ?? 0)
        } catch let error as OptionError {
            let mark = Self.locate(error.path, in: options, atKey: error.atKey) ?? withNode?.mark ?? useNode.mark
            throw PipelineError(file: file, mark: mark, "stage '\(id)': \(error.message)")
        } catch {
            throw PipelineError(file: file, mark: withNode?.mark ?? useNode.mark,
                                "stage '\(id)' cannot be set up: \(error)")
        }
    }

    /// The position of the value at `path` under `root` (the deepest part that exists), or of
    /// the last key itself when `atKey` is set.
    private static func locate(_ path: [String], in root: Node?, atKey: Bool) -> Mark? {
        guard var node = root else { return nil }
        var mark = node.mark
        for (depth, component) in path.enumerated() {
            if case .mapping(let pairs) = node {
                guard let pair = pairs.first(where: { $0.key.string == component }) else { break }
                let last = depth == path.count - 1
                mark = last && atKey ? pair.key.mark : (pair.value.mark ?? pair.key.mark)
                node = pair.value
            } else if case .sequence(let items) = node, let i = Int(component), items.indices.contains(i) {
                node = items[i]
                mark = node.mark
            } else {
                break
            }
        }
        return mark
    }

    private static func checkKeys(_ pairs: Node.Mapping, allowed: [String], what: String, file: String) throws(PipelineError) {
        for (key, _) in pairs {
            let name = key.string ?? "\(key)"
            guard allowed.contains(name) else {
                var message = "unknown \(what) key '\(name)'"
                if let guess = closestMatch(to: name, in: allowed) { message += "; did you mean '\(guess)'?" }
                message += " (allowed: \(allowed.joined(separator: ", ")))"
                throw PipelineError(file: file, mark: key.mark, message)
            }
        }
    }

    private static func checkOrder(_ stages: [ConfiguredStage], file: String) throws(PipelineError) {
        var seen: [StageKind] = []
        var sink: ConfiguredStage?
        for (position, stage) in stages.enumerated() {
            guard case .stage(let kind) = stage.kind.kind else { continue }
            if kind == .parser && position != 0 {
                throw PipelineError(file: file, line: stage.line, column: stage.column,
                                    message: "parser stage '\(stage.id)' must be the first stage")
            }
            if let sink, kind != .sink {
                throw PipelineError(file: file, line: stage.line, column: stage.column,
                                    message: "stage '\(stage.id)' comes after sink '\(sink.id)'; sinks must be the last stages")
            }
            for needed in stage.kind.requires where !seen.contains(needed) {
                throw PipelineError(file: file, line: stage.line, column: stage.column,
                                    message: "stage '\(stage.id)' needs a \(needed.rawValue) stage before it")
            }
            if kind == .sink { sink = stage }
            seen.append(kind)
        }
    }

}
