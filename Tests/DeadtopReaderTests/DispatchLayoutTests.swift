import Testing

@testable import DeadtopReader

#if canImport(Glibc)
  import Glibc
#endif

/// libdispatch's layout, validated before it is trusted: a table or memory that does not
/// look right gives no queue, no semaphore, no edge.
@Suite struct DispatchLayoutTests {
  /// `dispatch_queue_offsets` as libdispatch 6 on x86-64 Linux exports it.
  static let offsets: [UInt16] = [6, 72, 8, 80, 4, 64, 8, 80, 2]

  @Test func theExportedTableGivesTheQueueLayout() throws {
    let layout = try #require(
      DispatchLayout(queueOffsets: Self.offsets, semaphoreVtable: nil, groupVtable: nil))
    #expect(layout.state == 56)
    #expect(layout.itemsTail == 48)
    #expect(layout.itemsHead == 104)
  }

  @Test func aTableThisReaderDoesNotKnowIsRefused() {
    var otherVersion = Self.offsets
    otherVersion[0] = 5
    var labelElsewhere = Self.offsets
    labelElsewhere[1] = 96
    var widerWidth = Self.offsets
    widerWidth[8] = 4
    for fields in [otherVersion, labelElsewhere, widerWidth, Array(Self.offsets.prefix(8))] {
      #expect(DispatchLayout(queueOffsets: fields, semaphoreVtable: nil, groupVtable: nil) == nil)
    }
  }

  @Test func aConcurrentQueueCountsTheItemsRunning() {
    // Width 2 with both slots in use (read from a starved pool), and the initial state.
    #expect(DispatchLayout.itemsRunning(state: 0x20_0094_0000_0000, width: 2) == 2)
    #expect(DispatchLayout.itemsRunning(state: UInt64(0x1000 - 2) << 41, width: 2) == 0)
  }

  /// Memory laid out as a queue, a semaphore and look-alikes, in this very process, read
  /// back through /proc/self/mem as deadtop reads another's.
  @Test func memoryThatDoesNotLookLikeAQueueOrASemaphoreGivesNone() throws {
    let layout = try #require(
      DispatchLayout(queueOffsets: Self.offsets, semaphoreVtable: 0x5eba_0000, groupVtable: 0x6a00_0000))
    let memory = try #require(ProcessMemory(pid: getpid()))
    let words = UnsafeMutablePointer<UInt64>.allocate(capacity: 32)
    defer { words.deallocate() }
    words.initialize(repeating: 0, count: 32)
    let base = UInt64(UInt(bitPattern: words))
    // This thread's tid, as /proc names it.
    let link = try #require(realpath("/proc/thread-self", nil))
    defer { free(link) }
    let thread = try #require(Int32(String(cString: link).split(separator: "/").last ?? ""))
    let label = strdup("com.example.ledger")!
    defer { free(label) }
    let unprintable = strdup("\u{1}\u{2}")!
    defer { free(unprintable) }

    // A serial queue drained by this thread: label, width 1, dq_state with its tid.
    words[9] = UInt64(UInt(bitPattern: label))
    words[10] = 1
    words[7] = UInt64(thread)
    let queue = try #require(layout.queue(at: base, memory: memory, live: [thread], mainThread: 0))
    #expect(queue.label == "com.example.ledger")
    #expect(queue.drainer == thread)
    // The same with a drainer that is not a live thread: no owner, never a wrong edge.
    #expect(layout.queue(at: base, memory: memory, live: [], mainThread: 0)?.drainer == nil)
    // A label that is not text, or width 0: not a queue.
    words[9] = UInt64(UInt(bitPattern: unprintable))
    #expect(layout.queue(at: base, memory: memory, live: [thread], mainThread: 0) == nil)
    words[9] = UInt64(UInt(bitPattern: label))
    words[10] = 0
    #expect(layout.queue(at: base, memory: memory, live: [thread], mainThread: 0) == nil)
    // Unmapped memory: nothing.
    #expect(layout.queue(at: 0x10, memory: memory, live: [], mainThread: 0) == nil)

    // A semaphore is told by its vtable; anything else at that distance is not one.
    words[0] = 0x5eba_0000
    words[6] = UInt64(bitPattern: -2)
    let futex = base + DispatchLayout.semaphoreFutex
    #expect(layout.synchronizer(waitedOnAt: futex, memory: memory) == .semaphore(object: base, value: -2))
    words[0] = 0x1234
    #expect(layout.synchronizer(waitedOnAt: futex, memory: memory) == nil)
  }
}

@Suite struct SwiftSymbolsTests {
  @Test func aStaticLetsOnceTokenNamesItsProperty() {
    #expect(SwiftSymbols.onceToken("$s4main8RegistryC6shared_Wz+4") == "Registry.shared")
    #expect(SwiftSymbols.onceToken("$s6Server6config_Wz") == "config")
    #expect(SwiftSymbols.onceToken("accounts_lock") == nil)
    #expect(SwiftSymbols.onceToken("$s4main8RegistryC6sharedACvpZ") == nil)
  }

  @Test func functionsReadAsTheyAreWritten() {
    #expect(SwiftSymbols.readable("$s4main8RegistryCACycfc") == "Registry.init()")
    #expect(SwiftSymbols.readable("load_config") == "load_config")
    #expect(SwiftSymbols.readable("$s4main12registryLockSo6NSLockCvp").hasPrefix("registryLock : "))
  }

  @Test func theSystemsCodeIsNotTheProgramsOwn() {
    #expect(SymbolTable.isSystem("/usr/lib/x86_64-linux-gnu/libc.so.6"))
    #expect(SymbolTable.isSystem("/opt/swift/usr/lib/swift/linux/libswiftCore.so"))
    #expect(SymbolTable.isSystem("/opt/swift/usr/lib/swift/linux/libFoundation.so"))
    #expect(!SymbolTable.isSystem("/srv/ledger/.build/release/ledger"))
    #expect(!SymbolTable.isSystem("/usr/local/bin/ledger"))
  }
}

@Suite struct AsyncSymbolTests {
  @Test func anAsyncClosuresPartialFunctionReadsAsTheClosure() {
    let readable = SwiftSymbols.readable("$s4main7WorkersV3runyyYaFTY0_")
    #expect(!readable.contains("partial function"), "\(readable)")
    #expect(readable.hasPrefix("Workers.run()"), "\(readable)")
  }
}

@Suite struct ShortenedSymbolTests {
  @Test func nestedClosuresReadAsTheInnermostAndWhereTheyAre() {
    #expect(
      SwiftSymbols.shortened(
        "closure #1 () -> () in closure #1 @Sendable () -> () in closure #1 @Sendable (Bool) -> () in "
          + "variable initialization expression of queueABBA : PlainScenario")
        == "closure #1 in … in queueABBA")
    #expect(SwiftSymbols.shortened("Registry.shared.unsafeMutableAddressor : Registry") == "Registry.shared")
    #expect(SwiftSymbols.shortened("closure #1 @Sendable () -> ()") == "closure #1")
    #expect(SwiftSymbols.shortened("Ledger.post(_:) async") == "Ledger.post(_:) async")
  }
}
