import CrashpipeCore

/// Registers the 32-bit ARM architecture: how its contexts are stored in dumps and its unwinder.
public enum UnwindARMPlugin {
    public static func register(in registry: inout PluginRegistry) throws {
        try registry.register(contextFormat: ARMContextFormat())
        try registry.register(unwinder: ARMUnwinder())
    }
}
