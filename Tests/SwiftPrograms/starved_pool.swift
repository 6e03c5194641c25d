// 64 detached tasks each block in DispatchSemaphore.wait() on a semaphore nothing
// signals: the Swift concurrency pool has one thread per CPU, every one of them blocks,
// and no async work can run again. The main thread waits in DispatchGroup.wait() for
// the tasks. It links no deadtop.
import Dispatch
import Foundation

let gate = DispatchSemaphore(value: 0)
let finished = DispatchGroup()
for index in 0..<64 {
  finished.enter()
  Task.detached {
    gate.wait()
    print("task \(index) ran")
    finished.leave()
  }
}
print("ready \(getpid())")
fflush(stdout)
finished.wait()
