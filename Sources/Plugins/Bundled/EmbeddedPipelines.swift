/// The pipelines shipped in `pipelines/`, compiled in so that `crashpipe` runs on a fresh
/// machine with no files beside it. A test keeps these identical to the files.
public enum EmbeddedPipelines {
    /// File name (as in `pipelines/`) to YAML text.
    public static let files: [String: String] = [
        "inspect.yaml": inspect,
        "stackwalk.yaml": stackwalk,
        "default.yaml": serverDefault,
    ]

    /// The pipeline `crashpipe process` uses when none is given.
    public static let defaultName = "inspect.yaml"

    static let inspect = """
        # Reads a minidump and reports what is in it: system info, crash reason and address,
        # the crashing thread, all threads with their registers, modules with debug and code ids,
        # annotations and Linux streams. No symbols, no stack walking.
        version: 1
        name: inspect
        description: read a minidump and report everything it contains
        stages:
          - use: minidump

        """

    static let stackwalk = """
        # Reads a minidump, finds each module's symbols in a Breakpad symbol store, and walks and
        # symbolicates every thread (CFI, then frame pointers, then stack scanning), then demangles
        # C++, Rust, Swift, MSVC and Objective-C names (short form; the raw name is kept).
        version: 1
        name: stackwalk
        description: walk and symbolicate every thread with symbols from ~/.crashpipe/symbols
        stages:
          - use: minidump
          - use: symbols
            with:
              sources:
                - { type: store, path: ~/.crashpipe/symbols }
          - use: stackwalk
            with: { max_frames: 1024, scan: true }
          - use: demangle
            with: { full: false, parameters: true }

        """

    /// `crashpipe serve`'s pipeline (`${data_dir}` is replaced by the server).
    static let serverDefault = """
        # The server's pipeline (`crashpipe serve`): reads the uploaded minidump, finds symbols in the
        # data directory's symbol store, walks and symbolicates every thread, demangles, removes
        # secrets and personal data, and computes the grouping signature. `${data_dir}` is replaced
        # with the server's data directory before the file is loaded.
        version: 1
        name: default
        description: process an uploaded minidump into a grouped, scrubbed event
        stages:
          - use: minidump
          - use: symbols
            with:
              sources:
                - type: store
                  path: ${data_dir}/symbols
          - use: stackwalk
            with: { max_frames: 1024, scan: true }
          - use: demangle
            with: { full: false, parameters: true }
          - use: scrub.defaults
          - use: signature

        """
}
