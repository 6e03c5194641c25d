// Eight threads call sync on one concurrent queue over and over while holding a lock
// each of their own, and a ninth runs barrier blocks on it, which make the others wait:
// many sync waiters, no single owner, never a deadlock. It links no deadtop.
import Dispatch
import Foundation

let shared = DispatchQueue(label: "com.example.shared", attributes: .concurrent)
for _ in 0..<8 {
  Thread {
    let mine = NSLock()
    while true {
      mine.lock()
      shared.sync { usleep(2_000) }
      mine.unlock()
    }
  }.start()
}
Thread {
  while true {
    shared.sync(flags: .barrier) { usleep(3_000) }
    usleep(1_000)
  }
}.start()
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
