import ArgumentParser
import Engine
import Foundation

/// Runs a command body; a qscope error is printed as one paragraph on stderr and the process exits with 2.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as QScopeError {
        FileHandle.standardError.write(Data("qscope: error: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch let error as OpError {
        FileHandle.standardError.write(Data("qscope: error: \(error.message)\n".utf8))
        throw ExitCode(2)
    }
}

/// Prints a warning on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("qscope: warning: \(message)\n".utf8))
}

/// Peak resident memory of this process in MiB (VmHWM), or 0 where /proc is unavailable.
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// Monotonic time in seconds.
func now() -> Double { MonotonicClock.seconds() }
