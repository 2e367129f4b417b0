import CrashpipeCore

extension MinidumpContents {
    /// Stream types beyond the core ones, appended to ``streamTypes``: first those Breakpad's
    /// minidump_dump prints, in its order (thread names, assertion, memory info list, Crashpad
    /// info, then the raw Linux files), then the rest in stream-number order of their families.
    static let additionalStreamTypes: [any MinidumpStream.Type] = [
        ThreadNames.self, AssertionInfoStream.self, MemoryInfoList.self, CrashpadInfo.self,
        LinuxCmdLine.self, LinuxEnviron.self, LinuxLsbRelease.self, LinuxProcStatus.self, LinuxCpuInfo.self,
        LinuxMaps.self,
        ThreadExList.self, CommentA.self, CommentW.self, HandleData.self, FunctionTable.self,
        UnloadedModuleList.self, ThreadInfoList.self, SystemMemoryInfo.self, ProcessVmCounters.self,
        LinuxAuxv.self, LinuxDsoDebug.self,
        MozMacosCrashInfo.self, MozMacosBootargs.self, MozLinuxLimits.self, MozSoftErrors.self,
    ]
}

/// A stream that read what it could and has something to say about the rest: counts cut to
/// what fits, sub-records (a name, a module link, a line) that could not be read.
protocol StreamDiagnostics {
    var diagnostics: [String] { get }
}

extension ThreadNames: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension ThreadExList: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension UnloadedModuleList: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension MemoryInfoList: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension ThreadInfoList: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension HandleData: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension FunctionTable: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension SystemMemoryInfo: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension ProcessVmCounters: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension AssertionInfoStream: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension LinuxMaps: StreamDiagnostics { var diagnostics: [String] { problems } }
extension LinuxAuxv: StreamDiagnostics { var diagnostics: [String] { warnings } }
extension LinuxDsoDebug: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension CrashpadInfo: StreamDiagnostics { var diagnostics: [String] { problems } }
extension MozMacosCrashInfo: StreamDiagnostics { var diagnostics: [String] { warnings + problems } }
extension MozMacosBootargs: StreamDiagnostics { var diagnostics: [String] { warnings } }

extension MinidumpReport {
    /// Copies what the additional streams know into the report.
    ///
    /// Reads: ThreadNames, UnloadedModuleList, AssertionInfo, CrashpadInfo and the Linux
    /// streams. Fills: `Thread.name` (by thread id), `unloadedModules`, `assertion`,
    /// `annotations` (module names from `modules` by the link's index), `linux` (lsb-release,
    /// command line, environment, status, first CPU, maps, auxv, DSO list) and the process's
    /// command line (and pid, when no MiscInfo gave one). Notes: one per stream-level warning
    /// or sub-record problem of every additional stream.
    static func fillExtensions(_ report: inout CrashReport, from contents: MinidumpContents, stage: String) {
        let os = contents.os

        if let names = contents.stream(ThreadNames.self) {
            for index in report.threads.indices {
                // Writers list unnamed threads with an empty name; it is kept as "" (present
                // but empty), which rust-minidump's output distinguishes from no entry.
                if let name = names.name(of: report.threads[index].id) {
                    report.threads[index].name = name
                }
            }
        }
        if let list = contents.stream(UnloadedModuleList.self) {
            report.unloadedModules = list.modules.map { $0.module(os: os) }
        }
        if let assertion = contents.stream(AssertionInfoStream.self) {
            report.assertion = assertion.assertion
        }
        if let crashpad = contents.stream(CrashpadInfo.self) {
            report.annotations = annotations(crashpad, modules: report.modules, report: &report, stage: stage)
        }
        fillLinux(&report, from: contents)

        for type in MinidumpContents.additionalStreamTypes {
            guard let stream = contents.streams[type.streamType] as? any StreamDiagnostics else { continue }
            for message in stream.diagnostics {
                report.note(stage, kind: noteKind(type.streamType), "\(type.streamType.name) stream: \(message)")
            }
        }
    }

    static func annotations(_ info: CrashpadInfo, modules: [Module], report: inout CrashReport,
                            stage: String) -> Annotations {
        var result = Annotations(reportId: info.reportId, clientId: info.clientId,
                                 simple: LinuxText.dictionary(info.simpleAnnotations))
        for link in info.modules {
            let index = Int(link.moduleIndex)
            let name = modules.indices.contains(index) ? modules[index].codeFile : nil
            if name == nil, !modules.isEmpty {
                report.note(stage, kind: "crashpad_info",
                            "CrashpadInfo stream: module link names module \(index), but the module list has \(modules.count)")
            }
            result.modules.append(Annotations.ModuleAnnotations(
                moduleIndex: index, moduleName: name, listAnnotations: link.listAnnotations,
                simpleAnnotations: LinuxText.dictionary(link.simpleAnnotations),
                annotationObjects: link.annotationObjects.map {
                    Annotations.AnnotationObject(name: $0.name, type: $0.type, value: $0.displayValue)
                }))
        }
        return result
    }

    static func fillLinux(_ report: inout CrashReport, from contents: MinidumpContents) {
        var linux = report.linux ?? LinuxDetails()
        var found = false
        if let lsb = contents.stream(LinuxLsbRelease.self) { linux.lsbRelease = lsb.dictionary; found = true }
        if let cmdline = contents.stream(LinuxCmdLine.self) {
            linux.commandLine = cmdline.arguments
            var process = report.process ?? ProcessDetails()
            process.commandLine = cmdline.arguments
            report.process = process
            found = true
        }
        if let environ = contents.stream(LinuxEnviron.self) { linux.environment = environ.dictionary; found = true }
        if let status = contents.stream(LinuxProcStatus.self) {
            linux.procStatus = status.dictionary
            if report.process?.processId == nil, let pid = status.pid {
                var process = report.process ?? ProcessDetails()
                process.processId = pid
                report.process = process
            }
            found = true
        }
        if let cpu = contents.stream(LinuxCpuInfo.self) { linux.cpuInfo = cpu.firstProcessor; found = true }
        if let maps = contents.stream(LinuxMaps.self) { linux.maps = maps.mappings; found = true }
        if let auxv = contents.stream(LinuxAuxv.self) {
            linux.auxv = auxv.entries.map { LinuxDetails.AuxvEntry(type: $0.type, name: $0.name, value: $0.value) }
            found = true
        }
        if let dso = contents.stream(LinuxDsoDebug.self) { linux.dsoDebug = dso.entries; found = true }
        if found { report.linux = linux }
    }

    /// "ThreadNames" -> "thread_names", the kind of a stream's notes.
    static func noteKind(_ type: StreamType) -> String {
        var kind = ""
        for character in type.name {
            if character.isUppercase, !kind.isEmpty { kind += "_" }
            kind += character.lowercased()
        }
        return kind
    }
}
