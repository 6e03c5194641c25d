// The Swift concurrency pool at work, never starved: tasks sleep asynchronously (which
// frees their thread), and one task waits in DispatchSemaphore.wait() for a timer that
// signals it every 50 ms, leaving the other pool threads free. It links no deadtop.
import Dispatch
import Foundation

let tick = DispatchSemaphore(value: 0)
let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "com.example.ticker"))
timer.schedule(deadline: .now(), repeating: .milliseconds(50))
timer.setEventHandler { tick.signal() }
timer.resume()

Task.detached {
  while true { tick.wait() }
}
for _ in 0..<16 {
  Task.detached {
    while true {
      try? await Task.sleep(nanoseconds: 20_000_000)
      _ = (0..<1000).reduce(0, +)
    }
  }
}
print("ready \(getpid())")
fflush(stdout)
while true { sleep(1) }
