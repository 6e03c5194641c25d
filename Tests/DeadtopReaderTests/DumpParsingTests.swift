import DeadtopCore
import DeadtopReader
import Testing

/// The dump formats of Go and Java versions other than the ones installed here (the
/// end-to-end tests make real dumps with those): each variant's lines, as those
/// versions print them.
@Suite struct DumpParsingTests {
  @Test func newerGoHeadersMinutesAndParentsAreRead() throws {
    let dump = try GoroutineDump(
      parsing: """
        goroutine 1 gp=0xc000002380 m=nil [chan receive, 12 minutes]:
        main.main()
        \t/srv/order.go:87 +0x1b

        goroutine 7 [chan send (nil chan), 3 minutes, locked to thread]:
        main.publish(...)
        \t/srv/order.go:40
        created by main.start in goroutine 1
        \t/srv/order.go:30 +0x57

        """)
    #expect(dump.goroutines.map(\.id) == [1, 7])
    #expect(dump.goroutines[0].state == "chan receive" && dump.goroutines[0].minutes == 12)
    #expect(dump.goroutines[1].state == "chan send (nil chan)" && dump.goroutines[1].lockedToThread)
    #expect(dump.goroutines[1].parent == 1)
    #expect(dump.goroutines[1].createdBy?.line == 30)
    let snapshot = dump.snapshot(name: "order")
    let analysis = Analysis(snapshot)
    // A send on a nil channel never proceeds; a receive a dump cannot judge.
    #expect(analysis.deadlocks.map(\.otherMembers) == [[7]])
    #expect(snapshot.task(7)?.parent == 1)
    #expect(
      snapshot.waited(snapshot.task(1)!.wait!) == "≥ 12m00s"
        || snapshot.waited(snapshot.task(1)!.wait!).hasPrefix("≥ 12m"))
    #expect(analysis.blockedGroups.first?.describe(in: snapshot).hasSuffix("for ≥ 12 minutes") == true)
  }

  @Test func newerJavaThreadIDsAreDecimalAndOwnableSynchronizersAreHolds() throws {
    let dump = try JavaThreadDump(
      parsing: """
        "worker-1" #31 [4242] prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=4242 waiting on condition  [0x0]
           java.lang.Thread.State: WAITING (parking)
        \tat jdk.internal.misc.Unsafe.park(java.base@21/Native Method)
        \t- parking to wait for  <0x00000000c0ffee00> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)
        \tat app.Store.save(Store.java:12)

           Locked ownable synchronizers:
        \t- <0x00000000c0ffee10> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)

        "worker-2" #32 [4243] prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=4243 waiting on condition  [0x0]
           java.lang.Thread.State: WAITING (parking)
        \tat jdk.internal.misc.Unsafe.park(java.base@21/Native Method)
        \t- parking to wait for  <0x00000000c0ffee10> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)
        \tat app.Store.load(Store.java:20)

           Locked ownable synchronizers:
        \t- <0x00000000c0ffee00> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)

        """)
    #expect(dump.threads.map(\.nativeID) == [4242, 4243])
    let analysis = Analysis(dump.snapshot(name: "store"))
    let cycle = try #require(analysis.deadlocks.first)
    #expect(cycle.kind == .cycle && cycle.certainty == .certain)
    #expect(Set(cycle.cycleTasks) == [31, 32])
  }

  @Test func aThreadInObjectWaitDoesNotHoldTheMonitorItWaitsOn() throws {
    let dump = try JavaThreadDump(
      parsing: """
        "consumer" #12 prio=5 os_prio=0 tid=0x1 nid=0x10 in Object.wait()  [0x0]
           java.lang.Thread.State: WAITING (on object monitor)
        \tat java.lang.Object.wait(java.base@17/Native Method)
        \t- waiting on <0x00000000000000a0> (a app.Queue)
        \tat app.Queue.take(Queue.java:9)
        \t- locked <0x00000000000000a0> (a app.Queue)

        "producer" #13 prio=5 os_prio=0 tid=0x2 nid=0x11 waiting for monitor entry  [0x0]
           java.lang.Thread.State: BLOCKED (on object monitor)
        \tat app.Queue.put(Queue.java:4)
        \t- waiting to lock <0x00000000000000a0> (a app.Queue)

        """)
    let snapshot = dump.snapshot(name: "queue")
    #expect(snapshot.task(12)?.holds.isEmpty == true)
    #expect(Analysis(snapshot).deadlocks.isEmpty)
  }

  @Test func textThatIsNoDumpIsRefused() {
    #expect(throws: DumpError.self) { try DumpSource(text: "hello\n", name: "notes") }
  }
}
