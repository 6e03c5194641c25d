import DeadtopCore
import Testing

@Suite struct TextBufferTests {
  @Test func numbersAreWrittenInDecimal() {
    let text = TextBuffer(capacity: 1)
    for value: Int64 in [0, 7, 10, 99, 100, -1, -305, Int64.max, Int64.min] {
      text.append(number: value)
      text += " "
    }
    text.append(number: UInt64.max)
    #expect(
      text.string
        == "0 7 10 99 100 -1 -305 9223372036854775807 -9223372036854775808 18446744073709551615")
  }

  @Test func growsPastItsCapacityKeepingEveryByte() {
    let text = TextBuffer(capacity: 16)
    var expected = ""
    for index in 0..<2_000 {
      let piece = index % 3 == 0 ? "a longer piece of text, past sixteen bytes (\(index))" : "é\(index)"
      text += piece
      expected += piece
    }
    #expect(text.string == expected)
    #expect(text.count == expected.utf8.count)
  }
}

@Suite struct SnapshotIndexTests {
  @Test func positionsAreFoundByIdAndARepeatedIdKeepsItsFirst() {
    var tasks = (0..<5_000).map { TaskInfo(id: UInt64($0) * 4_096 + 1, name: "t\($0)", state: .running) }
    tasks.append(TaskInfo(id: 1, name: "again", state: .running))
    tasks.append(TaskInfo(id: 0, name: "zero", state: .running))
    let snapshot = Snapshot(
      process: ProcessSummary(pid: 1, name: "p", source: .recording), takenAtNanoseconds: 1, tasks: tasks,
      resources: [ResourceInfo(id: UInt64.max, kind: .mutex, name: "last")])
    for index in stride(from: 0, to: 5_000, by: 7) {
      #expect(snapshot.position(of: UInt64(index) * 4_096 + 1) == index)
    }
    #expect(snapshot.task(1)?.name == "t0")
    #expect(snapshot.position(of: 0) == 5_001)
    #expect(snapshot.position(of: 2) == nil)
    #expect(snapshot.position(ofResource: UInt64.max) == 0)
    #expect(snapshot.position(ofResource: 1) == nil)
  }
}
