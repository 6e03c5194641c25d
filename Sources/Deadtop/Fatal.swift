import DeadtopABI
import DeadtopRuntimeC

#if canImport(Glibc)
  import Glibc
#endif

/// Go's answer to misuse: a fatal error with a clear message, the call site and the
/// task, then exit status 2 (Go's status for a fatal error). Exit handlers still run,
/// so the segment is removed.
func fatal(
  _ message: String, file: StaticString, line: UInt, function: StaticString, kind: String = "fatal error"
) -> Never {
  var text = "\(kind): \(message)\n\n"
  if let slot = dt_current_task() {
    let name = Runtime.shared.taskName(slot)
    text += "task \(slot.pointee.id) \"\(name)\" (tid \(slot.pointee.tid)):\n"
  }
  text += "\t\(function)\n\t\t\(file):\(line)\n"
  writeToStandardError(text)
  exit(2)
}

func writeToStandardError(_ text: String) {
  var bytes = Array(text.utf8)[...]
  while !bytes.isEmpty {
    let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    if written <= 0 { return }
    bytes = bytes.dropFirst(written)
  }
}

/// Go's unrecovered panic (send on a closed channel, closing one twice): the same report
/// with Go's "panic:" heading.
@usableFromInline
func panic(_ message: String, file: StaticString, line: UInt, function: StaticString) -> Never {
  fatal(message, file: file, line: line, function: function, kind: "panic")
}
