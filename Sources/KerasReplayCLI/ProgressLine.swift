import ArgumentParser
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--progress` / `--no-progress`: a progress line on stderr, by default only when stderr is a terminal.
struct ProgressOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Show a progress line on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    var enabled: Bool { progress ?? (isatty(STDERR_FILENO) == 1) }
}

/// One line on stderr, rewritten in place: done / total, rate, time left. At most 5 updates a
/// second; `finish` ends the line. Silent when not enabled, so scripts see only results.
final class ProgressLine {
    let total: Int
    let unit: String
    let enabled: Bool
    let started = DispatchTime.now().uptimeNanoseconds
    private var lastDrawn: UInt64 = 0
    private var drawn = false

    init(total: Int, unit: String, enabled: Bool) {
        self.total = total
        self.unit = unit
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard done >= total || now - lastDrawn >= 200_000_000 else { return }
        lastDrawn = now
        let seconds = Double(now - started) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let percent = total > 0 ? Double(done) * 100 / Double(total) : 100
        var text = "\(grouped(done)) / \(grouped(total)) \(unit) (\(String(format: "%.0f", percent)) %)"
        if rate > 0 {
            text += ", \(grouped(Int(rate))) \(unit)/s"
            if done < total { text += ", \(Self.duration(Double(total - done) / rate)) left" }
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        drawn = true
    }

    func finish() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drawn = false
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    func grouped(_ value: Int) -> String { InspectText.grouped(value) }
}

/// Removes `path` and exits 130 on Ctrl-C (143 on SIGTERM) while `body` runs, so an interrupted
/// streamed output leaves no half-written file behind.
func removingOnInterrupt<T>(_ path: String, _ body: () throws -> T) rethrows -> T {
    var sources: [DispatchSourceSignal] = []
    for (signalNumber, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler {
            unlink(path)
            _exit(code)
        }
        source.resume()
        sources.append(source)
    }
    defer {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
    return try body()
}
