import KerasCheckpoint
import KerasLayers

/// The one-line error opening `path` gives, or nil when the file opens.
func failure(_ path: String) -> String? {
    do {
        _ = try KerasCheckpoint(path: path)
        return nil
    } catch {
        return "\(error)"
    }
}
