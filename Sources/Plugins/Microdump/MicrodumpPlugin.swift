import CrashpipeCore

/// Registers the microdump parser stage.
public enum MicrodumpPlugin {
    public static func register(in registry: inout PluginRegistry) throws {}
}
