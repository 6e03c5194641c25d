import Deadtop
import DeadtopCore
import DeadtopReader
import Foundation
import Testing

/// The reference counts the sampler publishes, for the ways programs hold channels. The
/// analysis relies on them: a count may err high (a copy some frame keeps), never low,
/// or a live channel would be called stuck forever.
@Suite struct ReferenceCountTests {
  final class Holder: @unchecked Sendable { var channel: Channel<Int>? }

  @Test func countsErrHighOnlyWhereTheAnalysisExpectsIt() throws {
    let holder = Holder()
    // Blocked on a channel only it holds: exactly one reference.
    let lonely = spawn("refs-lonely") {
      let local = Channel<Int>(name: "refs-lonely")
      local.send(1)
    }
    let lonelySelect = spawn("refs-lonely-select") {
      let local = Channel<Int>(name: "refs-lonely-select")
      select(.receive(local) { _ in }, .send(local, 1) {})
    }
    // Also stored in an object another task can reach: two.
    let stored = spawn("refs-stored") {
      let local = Channel<Int>(name: "refs-stored")
      holder.channel = local
      local.send(1)
    }
    // Captured by the blocked task's own closure, and held by this test: two. (The spawned
    // closure is moved out of the runtime's hands to run, so a closure whose context is
    // the channel itself counts once, like any other.)
    let captured = Channel<Int>(name: "refs-captured")
    let capturing = spawn("refs-captured") { _ = captured.receive() }
    let looped = Channel<Int>(name: "refs-looped")
    let looping = spawn("refs-looped") { for _ in looped.values() {} }
    // Two closures that capture more than the channel (their index too): three with ours.
    let shared = Channel<Int>(name: "refs-shared")
    let sharing = (0..<2).map { index in spawn("refs-shared-\(index)") { shared.send(index) } }

    let reader = try SegmentSource(pid: getpid())
    let expected = [
      "refs-lonely": 1, "refs-lonely-select": 1, "refs-stored": 2, "refs-captured": 2, "refs-looped": 2,
      "refs-shared": 3,
    ]
    var measured: [String: Int] = [:]
    let deadline = Date().addingTimeInterval(10)
    repeat {
      usleep(100_000)
      let snapshot = try reader.snapshot()
      let names = Set(snapshot.tasks.filter { $0.state == .blocked }.map(\.name))
      guard names.isSuperset(of: expected.keys.filter { $0 != "refs-shared" }),
        names.isSuperset(of: ["refs-shared-0", "refs-shared-1"])
      else { continue }
      // The sampler measures every 250 ms: wait for a measurement after the blocks.
      usleep(600_000)
      for resource in try reader.snapshot().resources {
        if let name = resource.name, expected[name] != nil { measured[name] = resource.references }
      }
    } while measured.count < expected.count && Date() < deadline
    #expect(measured == expected)

    _ = holder.channel?.receive()
    captured.send(1)
    looped.close()
    _ = shared.receive()
    _ = shared.receive()
    for task in [stored, capturing, looping] + sharing { task.join() }
    _ = (lonely, lonelySelect)  // stuck forever, as meant: the test process exits
  }
}
