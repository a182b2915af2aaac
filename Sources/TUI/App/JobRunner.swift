import Foundation

/// Events posted from background threads, drained by the main loop.
public final class EventQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [(event: Event, from: JobContext?)] = []

    public init() {}

    /// Queues an event; one posted by a job is dropped if the job is cancelled before the event is drained.
    public func post(_ event: Event, from context: JobContext? = nil) {
        lock.lock(); events.append((event, context)); lock.unlock()
    }

    /// Everything posted so far, oldest first, without the events of jobs cancelled in the meantime: a progress
    /// report queued just before Esc must not bring a cancelled stage back to "computing".
    public func drain() -> [Event] {
        lock.lock(); defer { lock.unlock() }
        let out = events.filter { !($0.from?.isCancelled ?? false) }.map(\.event)
        events.removeAll(keepingCapacity: true)
        return out
    }
}

/// What a background job gets: a way to report progress and results, and to notice cancellation.
public final class JobContext: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private let queue: EventQueue

    init(queue: EventQueue) { self.queue = queue }

    /// True once the user cancelled (Esc) or a newer job of the same kind replaced this one.
    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock(); cancelled = true; lock.unlock()
    }

    /// Throws `CancellationError` when cancelled; call it between units of work.
    public func checkCancelled() throws {
        if isCancelled { throw CancellationError() }
    }

    /// Sends an event to the UI, unless the job was cancelled (a stale result must not overwrite a newer one).
    public func post(_ event: Event) {
        if !isCancelled { queue.post(event, from: self) }
    }

    /// Reports a stage's progress (0...1) with a short note.
    public func progress(_ stage: Stage, _ fraction: Double, _ note: String = "") {
        post(.stage(stage, .computing(progress: fraction, note: note)))
    }
}

/// Runs long work off the UI thread. Jobs have a kind; starting one cancels the running job of that kind.
public final class JobRunner: @unchecked Sendable {
    private let queue: EventQueue
    private let lock = NSLock()
    private var running: [String: JobContext] = [:]
    private let group = DispatchGroup()

    public init(queue: EventQueue) { self.queue = queue }

    /// Starts `work` on a background thread. A thrown error (other than cancellation) is posted as an error
    /// message through `onError`, which turns it into events.
    public func start(kind: String, _ work: @escaping @Sendable (JobContext) throws -> Void,
                      onError: @escaping @Sendable (Error, JobContext) -> Void) {
        let context = JobContext(queue: queue)
        lock.lock()
        running[kind]?.cancel()
        running[kind] = context
        lock.unlock()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { [weak self] in
            do {
                try work(context)
            } catch is CancellationError {
            } catch {
                onError(error, context)
            }
            self?.finished(kind: kind, context: context)
        }
    }

    private func finished(kind: String, context: JobContext) {
        lock.lock()
        if running[kind] === context { running[kind] = nil }
        lock.unlock()
    }

    /// Cancels every running job; they stop at their next `checkCancelled`, and their events are dropped.
    public func cancelAll() {
        lock.lock()
        for c in running.values { c.cancel() }
        running.removeAll()
        lock.unlock()
    }

    /// Waits for all started jobs to return (tests, and a clean quit).
    public func waitUntilIdle(timeout: Double = 5) -> Bool {
        group.wait(timeout: .now() + timeout) == .success
    }
}
