// Two threads, two serial queues, opposite orders: ledger.sync { audit.sync {} } and
// audit.sync { ledger.sync {} }, the most common Swift deadlock. It links no deadtop.
import Dispatch
import Foundation

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

let ledger = DispatchQueue(label: "com.example.ledger")
let audit = DispatchQueue(label: "com.example.audit")
let firstTaken = DispatchSemaphore(value: 0)

/// A thread named as `ps` and deadtop show it.
func start(_ name: String, _ body: @escaping () -> Void) {
  Thread {
    nameThisThread(name)
    body()
  }.start()
}

start("posting") {
  ledger.sync {
    firstTaken.wait()
    audit.sync { print("never") }
  }
}
start("auditing") {
  audit.sync {
    firstTaken.signal()
    usleep(100_000)
    ledger.sync { print("never") }
  }
}
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
