import CrashpipeCore

/// Applies a ``Scrubber`` to every field of a ``CrashReport`` that can hold client data,
/// and drops what never belongs in an event.
public enum ReportScrubbing {
    /// Removes the Linux environment and command line and all captured memory; returns what
    /// was dropped, in words, for the stage's note.
    public static func dropPrivateData(_ report: inout CrashReport) -> [String] {
        var dropped: [String] = []
        if let environment = report.linux?.environment {
            report.linux?.environment = nil
            dropped.append("dropped the environment (\(environment.count) variable(s))")
        }
        if report.linux?.commandLine != nil {
            report.linux?.commandLine = nil
            dropped.append("dropped the Linux command line")
        }
        let regions = report.memory.regions.count
        report.memory = MemoryMap()
        var stacks = 0
        for index in report.threads.indices where report.threads[index].stack != nil {
            report.threads[index].stack = nil
            stacks += 1
        }
        if regions > 0 || stacks > 0 {
            dropped.append("cleared captured memory (\(regions) region(s), \(stacks) thread stack(s))")
        }
        return dropped
    }

    /// Scrubs every string field that can hold client data or paths.
    public static func scrub(_ report: inout CrashReport, with scrubber: Scrubber, _ counts: inout ScrubCounts) {
        if let source = report.source { report.source = scrubber.text(source, &counts) }

        for t in report.threads.indices {
            if let name = report.threads[t].name { report.threads[t].name = scrubber.text(name, &counts) }
            for f in report.threads[t].frames.indices {
                if let file = report.threads[t].frames[f].file {
                    report.threads[t].frames[f].file = scrubber.text(file, &counts)
                }
                for i in report.threads[t].frames[f].inlines.indices {
                    if let file = report.threads[t].frames[f].inlines[i].file {
                        report.threads[t].frames[f].inlines[i].file = scrubber.text(file, &counts)
                    }
                }
            }
        }

        func scrubModules(_ modules: inout [Module]) {
            for m in modules.indices {
                modules[m].codeFile = scrubber.text(modules[m].codeFile, &counts)
                if let debugFile = modules[m].debugFile { modules[m].debugFile = scrubber.text(debugFile, &counts) }
            }
        }
        scrubModules(&report.modules)
        scrubModules(&report.unloadedModules)

        if let commandLine = report.process?.commandLine {
            report.process?.commandLine = scrubber.commandLine(commandLine, &counts)
        }

        if var assertion = report.assertion {
            assertion.expression = scrubber.text(assertion.expression, &counts)
            assertion.function = scrubber.text(assertion.function, &counts)
            assertion.file = scrubber.text(assertion.file, &counts)
            report.assertion = assertion
        }

        if var annotations = report.annotations {
            annotations.simple = scrubber.dictionary(annotations.simple, &counts)
            for m in annotations.modules.indices {
                var module = annotations.modules[m]
                if let name = module.moduleName { module.moduleName = scrubber.text(name, &counts) }
                module.listAnnotations = module.listAnnotations.map { scrubber.text($0, &counts) }
                module.simpleAnnotations = scrubber.dictionary(module.simpleAnnotations, &counts)
                for o in module.annotationObjects.indices {
                    let object = module.annotationObjects[o]
                    module.annotationObjects[o].value = scrubber.value(object.value, key: object.name, &counts)
                }
                annotations.modules[m] = module
            }
            report.annotations = annotations
        }

        if var linux = report.linux {
            if let status = linux.procStatus { linux.procStatus = scrubber.dictionary(status, &counts) }
            if let maps = linux.maps {
                linux.maps = maps.map { mapping in
                    var mapping = mapping
                    if let path = mapping.path { mapping.path = scrubber.text(path, &counts) }
                    return mapping
                }
            }
            if let entries = linux.dsoDebug {
                linux.dsoDebug = entries.map { entry in
                    var entry = entry
                    entry.name = scrubber.text(entry.name, &counts)
                    return entry
                }
            }
            report.linux = linux
        }

        if var submission = report.submission {
            submission.extra = scrubber.object(submission.extra, &counts)
            submission.event = scrubber.object(submission.event, &counts)
            submission.problems = submission.problems.map { scrubber.text($0, &counts) }
            for a in submission.attachments.indices {
                if let name = submission.attachments[a].fileName {
                    submission.attachments[a].fileName = scrubber.text(name, &counts)
                }
            }
            report.submission = submission
        }

        // Notes come from stages and hold no client values, but may quote a path.
        for n in report.notes.indices {
            report.notes[n].message = scrubber.personalData(report.notes[n].message, &counts)
        }
    }
}
