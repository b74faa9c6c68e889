import Foundation

/// libhdf5 1.10 (Debian 12's) is not memory-safe on damaged files: a corrupted address or size
/// can make it read or copy past its buffers (H5F__accum_read, H5HG_read). `GlobalHeapCheck` and
/// the declared-size checks stop the cases known here; for the rest, a program may opt in to
/// containment: a SIGSEGV or SIGBUS raised while a libhdf5 call is running (inside
/// `withLibrary`) prints `message` as one line on stderr and ends the process with `exitCode`,
/// at once (nothing else runs, nothing is written). A fault anywhere else goes to the handler
/// that was there before (the Swift runtime's backtracer), so real bugs still crash loudly.
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

/// How many `withLibrary` calls are running (read by the fault handler).
nonisolated(unsafe) var libraryDepth: Int32 = 0
nonisolated(unsafe) private var faultMessage: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var faultMessageLength = 0
nonisolated(unsafe) private var faultExitCode: Int32 = 1
nonisolated(unsafe) private var installed = false
nonisolated(unsafe) private var previousSegv = sigaction()
nonisolated(unsafe) private var previousBus = sigaction()
