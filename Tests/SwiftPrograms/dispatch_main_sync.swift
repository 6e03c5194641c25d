// A worker holds a lock and calls DispatchQueue.main.sync; the main thread, instead of
// returning to its run loop, waits for that lock. It links no deadtop.
import Dispatch
import Foundation

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

let cache = NSLock()
let taken = DispatchSemaphore(value: 0)
Thread {
  nameThisThread("refresher")
  cache.lock()
  taken.signal()
  DispatchQueue.main.sync { print("never") }
  cache.unlock()
}.start()
taken.wait()
print("ready \(getpid())")
fflush(stdout)
cache.lock()
