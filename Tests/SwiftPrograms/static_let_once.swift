// A Swift `static let` whose initializer takes a lock that the thread waiting for the
// initialization holds: swift_once and an NSLock wait on each other. It links no deadtop.
import Foundation

let registryLock = NSLock()

/// What `ps` and deadtop show for the calling thread (its comm, 15 bytes at most).
func nameThisThread(_ name: String) {
  try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
}

final class Registry {
  static let shared = Registry()
  init() {
    usleep(200_000)
    registryLock.lock()
    registryLock.unlock()
  }
}

Thread {
  nameThisThread("reloading")
  registryLock.lock()
  usleep(100_000)
  _ = Registry.shared
  registryLock.unlock()
}.start()
Thread {
  nameThisThread("first-use")
  usleep(20_000)
  _ = Registry.shared
}.start()
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
