import Bundled
import CrashpipeCore

extension ContextFormats {
    /// Every context format the bundled architecture plugins register.
    static let bundled: ContextFormats = {
        do { return try Bundled.registry().contextFormats } catch { fatalError("bundled plugins failed to register: \(error)") }
    }()
}
