import DeadtopCore

#if canImport(Glibc)
  import Glibc
#endif

/// The Swift Concurrency thread pool of an unmodified program, read through
/// /proc/<pid>/mem (pread: nothing is stopped).
///
/// On Linux the Swift runtime's global executor runs jobs on libdispatch: one concurrent
/// queue per priority, labelled "Swift global concurrent queue", whose width is the
/// number of logical CPUs; libswift_Concurrency keeps them in `globalQueueCache`. That
/// queue's state counts the jobs running now, its item list the jobs waiting to run.
/// Which threads run a job is told by their stacks: a live frame returns into the
/// runtime's job entry points (`swift_job_run` and the function it calls). A library
/// without these symbols, or memory that does not validate, gives no pool: never a guess.
struct ConcurrencyPool {
  static let library = "libswift_Concurrency.so"
  static let queueLabel = "Swift global concurrent queue"
  static let jobEntryPoints = [
    "swift_job_run", "_ZN5swift34runJobInEstablishedExecutorContextEPNS_3JobE", "_swift_job_run_c",
  ]
  /// Jobs counted waiting at most, and the stack read per thread (the frames between the
  /// futex and the job's entry are a few kilobytes; async frames live on the heap).
  static let queuedLimit = 100_000
  static let stackBytes = 64 * 1024

  private let cache: Range<UInt64>
  private let entryPoints: [Range<UInt64>]

  init?(symbols: inout SymbolTable) {
    guard let cache = symbols.range(of: "_ZL16globalQueueCache", inLibrary: Self.library) else { return nil }
    let entryPoints = Self.jobEntryPoints.compactMap { symbols.range(of: $0, inLibrary: Self.library) }
    guard !entryPoints.isEmpty else { return nil }
    self.cache = cache
    self.entryPoints = entryPoints
  }

  /// One executor queue that has run any job.
  struct Queue {
    let address: UInt64
    /// The most jobs it runs at once: its threads.
    let width: Int
    let running: Int
    let queued: Int?
  }

  func queues(memory: ProcessMemory, dispatch: DispatchLayout) -> [Queue] {
    let count = Int((cache.upperBound - cache.lowerBound) / 8)
    guard count > 0, count <= 64, let pointers = memory.uint64s(at: cache.lowerBound, count: count) else {
      return []
    }
    return pointers.filter { $0 != 0 }.compactMap { address in
      guard let queue = dispatch.queue(at: address, memory: memory, live: [], mainThread: 0),
        queue.label == Self.queueLabel, queue.width > 1
      else { return nil }
      return Queue(
        address: address, width: queue.width, running: queue.running,
        queued: dispatch.queuedItems(of: address, memory: memory, limit: Self.queuedLimit))
    }
  }

  /// Whether the thread whose stack pointer is `stackPointer` is running a Swift job: a
  /// word of its live stack is a return address into a job entry point.
  func runsJob(stackPointer: UInt64, memory: ProcessMemory) -> Bool {
    guard stackPointer != 0, let words = memory.words(at: stackPointer, upTo: Self.stackBytes) else {
      return false
    }
    return words.contains { word in entryPoints.contains { $0.contains(word) } }
  }
}
