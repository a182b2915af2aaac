// qscope-conformance: runs the ONNX backend node tests through qscope's float reference engine.
//
//   qscope-conformance DIR [--exclusions FILE] [--filter TEXT] [--verbose]
//
// DIR holds one folder per test (model.onnx + test_data_set_0/), e.g. onnx/backend/test/data/node inside the
// onnx 1.22.0 wheel (scripts/fetch_onnx_tests.py prints it). Prints failures, skipped groups, and as the
// last line `conformance: N passed, M failed, K skipped`. Exit code 1 when any test failed, 2 on usage errors.

import ConformanceKit
import Engine
import Foundation

#if canImport(Glibc)
import Glibc
#endif

let usage = "usage: qscope-conformance DIR [--exclusions FILE] [--filter TEXT] [--verbose]"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("qscope-conformance: \(message)\n\(usage)\n".utf8))
    exit(2)
}

var directory: String?
var exclusionsPath: String?
var filter: String?
var verbose = false
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--exclusions":
        guard let v = args.popFirst() else { fail("--exclusions needs a file") }
        exclusionsPath = v
    case "--filter":
        guard let v = args.popFirst() else { fail("--filter needs a text") }
        filter = v
    case "--verbose", "-v":
        verbose = true
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        if arg.hasPrefix("-") || directory != nil { fail("unexpected argument '\(arg)'") }
        directory = arg
    }
}
guard let directory else { fail("missing the test directory") }

var exclusions: [String: String] = [:]
if let exclusionsPath {
    do {
        let text = String(decoding: try FileIO.read(exclusionsPath), as: UTF8.self)
        exclusions = ConformanceRunner.parseExclusions(text)
    } catch {
        fail("\(error)")
    }
}

let tests: [String]
do {
    tests = try ConformanceRunner.testFolders(in: directory).filter { name in filter.map { name.contains($0) } ?? true }
} catch {
    fail("\(error)")
}
if tests.isEmpty { fail("no test folders (with a model.onnx) in '\(directory)'") }

// An operator that traps (a bug) would end the process with no hint of which test did it. Keep the current
// test's name in a fixed buffer that a signal handler can print with async-signal-safe calls only.
let nameCapacity = 512
nonisolated(unsafe) let currentTest = UnsafeMutablePointer<CChar>.allocate(capacity: nameCapacity)
nonisolated(unsafe) var currentTestLength = 0
func setCurrentTest(_ name: String) {
    let bytes = Array("\nqscope-conformance: crashed while running \(name)\n".utf8.prefix(nameCapacity))
    for (i, b) in bytes.enumerated() { currentTest[i] = CChar(bitPattern: b) }
    currentTestLength = bytes.count
}
for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
    signal(sig) { s in
        _ = write(2, currentTest, currentTestLength)
        signal(s, SIG_DFL)
        raise(s)
    }
}

let runner = ConformanceRunner(exclusions: exclusions)
var report = ConformanceReport()
for name in tests {
    setCurrentTest(name)
    if verbose { FileHandle.standardError.write(Data("running \(name)\n".utf8)) }
    report.add(name, runner.run(testDirectory: "\(directory)/\(name)"))
}
print(report.render(verbose: verbose))
exit(report.failed > 0 ? 1 : 0)
