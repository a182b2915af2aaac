import Foundation

/// Wall time that never jumps, for the timings qscope reports.
public enum MonotonicClock {
    /// Seconds since an arbitrary fixed point.
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
