// Three threads, three serial queues, each syncing onto the next one's: a ring.
import Dispatch
import Foundation

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

let queues = (0..<3).map { DispatchQueue(label: "com.example.stage-\($0)") }
let entered = DispatchSemaphore(value: 0)
let go = DispatchGroup()
go.enter()
for index in 0..<3 {
  Thread {
    nameThisThread("stage-\(index)")
    queues[index].sync {
      entered.signal()
      go.wait()
      queues[(index + 1) % 3].sync { print("never") }
    }
  }.start()
}
for _ in 0..<3 { entered.wait() }
go.leave()
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
