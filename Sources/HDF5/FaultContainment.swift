import Foundation

/// libhdf5 1.10 (Debian 12's) is not memory-safe on damaged files: a corrupted address or size
/// can make it read or copy past its buffers (H5F__accum_read, H5HG_read). `GlobalHeapCheck` and
/// the declared-size checks stop the cases known here; for the rest, a program may opt in to
/// containment: a SIGSEGV or SIGBUS raised while a libhdf5 call is running (inside
/// `withLibrary`) prints `message` as one line on stderr and ends the process with `exitCode`,
/// at once (nothing else runs, nothing is written). A fault anywhere else goes to the handler
/// that was there before (the Swift runtime's backtracer), so real bugs still crash loudly.
///
/// Containment also bounds memory while libhdf5 reads data: it sizes its vlen conversion buffer
/// by the length a descriptor in the file claims (up to 2^32 elements) and zero-fills it, and some
/// dataset buffers by the size the storage declares, so one flipped byte costs gigabytes and tens
/// of seconds of page faults before the read fails. While such a read runs, the process's data
/// limit (`RLIMIT_DATA`) is lowered to what it uses plus a headroom (four times the attribute
/// limit plus 64 MiB for strings, 256 MiB for datasets), so the allocation fails at once and the
/// read ends in a clean error. The limit is process-wide, which is why this is opt-in: a program turns it on
/// only when nothing else allocates while it reads a checkpoint (the command-line tool).
public enum LibraryFaults {
    /// Installs the handlers (once; later calls only change the message and exit code).
    public static func contain(message: String, exitCode: Int32 = 1) {
        libraryLock.lock()
        defer { libraryLock.unlock() }
        let line = message.replacingOccurrences(of: "\n", with: " ") + "\n"
        let buffer = strdup(line)
        let old = faultMessage
        faultMessage = buffer
        faultMessageLength = strlen(line)
        faultExitCode = exitCode
        free(old)
        guard !installed else { return }
        installed = true
        statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        for signal in [SIGSEGV, SIGBUS] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                if libraryDepth > 0, let message = faultMessage {
                    _ = write(2, message, faultMessageLength)
                    _exit(faultExitCode)
                }
                // Not ours: put the previous handler back and let the fault happen again.
                if signal == SIGSEGV { sigaction(signal, &previousSegv, nil) } else { sigaction(signal, &previousBus, nil) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            if signal == SIGSEGV { sigaction(signal, &action, &previousSegv) } else { sigaction(signal, &action, &previousBus) }
        }
    }
}

/// Runs `body` (a libhdf5 read whose allocations the file's contents size) with at most
/// `headroom` bytes of new data memory when containment is on; otherwise just runs it. Callers
/// hold the library lock. `capped` tells the body whether the limit is in force, so it can say
/// why an allocation failed.
func withDataHeadroom<T>(_ headroom: Int, _ body: (_ capped: Bool) throws -> T) rethrows -> T {
    guard installed, statm >= 0 else { return try body(false) }
    var text = [UInt8](repeating: 0, count: 128)
    let count = text.withUnsafeMutableBytes { pread(statm, $0.baseAddress, $0.count - 1, 0) }
    // statm: size resident shared text lib data dt, in pages; "data" is what RLIMIT_DATA counts.
    let fields = count > 0 ? text.prefix(count).split(separator: UInt8(ascii: " ")) : []
    guard fields.count >= 6, let pages = Int(String(decoding: fields[5], as: UTF8.self)) else { return try body(false) }
    let resource = __rlimit_resource_t(RLIMIT_DATA.rawValue)
    var previous = rlimit()
    guard getrlimit(resource, &previous) == 0 else { return try body(false) }
    let wanted = rlim_t(pages * Int(sysconf(Int32(_SC_PAGESIZE))) + headroom)
    guard wanted < previous.rlim_cur else { return try body(false) }  // already tighter
    var capped = previous
    capped.rlim_cur = wanted
    guard setrlimit(resource, &capped) == 0 else { return try body(false) }
    defer { _ = setrlimit(resource, &previous) }
    return try body(true)
}

/// How many `withLibrary` calls are running (read by the fault handler).
nonisolated(unsafe) var libraryDepth: Int32 = 0
nonisolated(unsafe) private var faultMessage: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var faultMessageLength = 0
nonisolated(unsafe) private var faultExitCode: Int32 = 1
nonisolated(unsafe) private var installed = false
nonisolated(unsafe) private var statm: Int32 = -1
nonisolated(unsafe) private var previousSegv = sigaction()
nonisolated(unsafe) private var previousBus = sigaction()
