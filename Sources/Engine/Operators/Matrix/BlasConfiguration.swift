import CBLAS
import Foundation

/// OpenBLAS runtime settings. On virtual machines whose CPUID hides the CPU model, OpenBLAS's dynamic
/// dispatch falls back to its generic Prescott (SSE3) kernels, several times slower than the AVX2/AVX-512
/// ones. The core type can only be chosen through `OPENBLAS_CORETYPE` before the library loads, so the
/// front end re-executes itself once with the variable set (see `reexecWithFasterKernelsIfNeeded`).
public enum BlasConfiguration {
    /// The kernel family OpenBLAS picked, e.g. "Prescott", "Haswell", "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Limits OpenBLAS to `n` threads.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The core type the CPU supports, judged from /proc/cpuinfo flags; nil when unknown.
    public static func supportedCoreType() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The `OPENBLAS_CORETYPE` value worth setting: non-nil only when OpenBLAS chose a generic pre-AVX2
    /// kernel on a CPU that has AVX2 and the variable is not already set.
    public static func betterCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        let generic = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine",
                       "Northwood", "Banias", "Unknown"]
        guard generic.contains(where: { coreName.lowercased() == $0.lowercased() }) else { return nil }
        return supportedCoreType()
    }

    /// Re-executes the current process with `OPENBLAS_CORETYPE` set when `betterCoreType()` says so. Returns
    /// only if no re-execution was needed or it failed. Call it first thing in `main`.
    public static func reexecWithFasterKernelsIfNeeded() {
        guard let core = betterCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", args)
    }
}
