// The same two queues taken in one order by four busy threads: many sync calls wait a
// moment for each other and all of them progress. Must not be reported.
import Dispatch
import Foundation

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

let ledger = DispatchQueue(label: "com.example.ledger")
let audit = DispatchQueue(label: "com.example.audit")
let pool = DispatchQueue(label: "com.example.pool", attributes: .concurrent)
var total = 0

for index in 0..<4 {
  let thread = Thread {
    nameThisThread("worker-\(index)")
    while true {
      ledger.sync { audit.sync { total += 1 } }
      pool.sync { usleep(100) }
    }
  }
  thread.start()
}
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
