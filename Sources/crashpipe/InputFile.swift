import CrashpipeCore
import Foundation

/// Maps an input file, turning failures into usage errors that name the path.
func mapInput(_ path: String) throws -> ByteView {
    do {
        return try ByteStorage.map(path: path).view
    } catch let error as FileError {
        throw CLIError.usage("cannot read \(error.path): \(error.reason)")
    }
}
