// A serial queue that targets another: sync onto `com.example.inner` needs its target
// `com.example.outer`, which a thread drains while it waits for a lock the first
// thread holds. The wait is for the queue that could not be acquired. It links no
// deadtop.
import Dispatch
import Foundation

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

let outer = DispatchQueue(label: "com.example.outer")
let inner = DispatchQueue(label: "com.example.inner", target: outer)
let indexLock = NSLock()
let both = DispatchSemaphore(value: 0)

Thread {
  nameThisThread("indexing")
  indexLock.lock()
  both.wait()
  inner.sync { print("never") }
}.start()
Thread {
  nameThisThread("compacting")
  outer.sync {
    both.signal()
    usleep(100_000)
    indexLock.lock()
  }
}.start()
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
