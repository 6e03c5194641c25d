import DeadtopCore
import Foundation

/// Another tool's dump of a process, read once: a Go goroutine dump or a Java thread
/// dump, told apart by their text. Every snapshot is the same one.
public final class DumpSource: SnapshotSource {
  public let pid: Int32 = 0
  private let parsed: Snapshot

  /// `path` is a file, or `-` for standard input.
  public init(path: String) throws {
    let data: Data
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      guard let contents = FileManager.default.contents(atPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
        throw DumpError.unreadable(path: path, reason: reason)
      }
      data = contents
    }
    let text = String(decoding: data, as: UTF8.self)
    let name = path == "-" ? "standard input" : (path as NSString).lastPathComponent
    parsed = try Self.snapshot(of: text, name: name)
  }

  public init(text: String, name: String) throws { parsed = try Self.snapshot(of: text, name: name) }

  public func snapshot() throws -> Snapshot { parsed }

  static func snapshot(of text: String, name: String) throws -> Snapshot {
    let opening = text.prefix(65_536)[...]
    if GoroutineDump.recognizes(opening) { return try GoroutineDump(parsing: text).snapshot(name: name) }
    if JavaThreadDump.recognizes(opening) { return try JavaThreadDump(parsing: text).snapshot(name: name) }
    throw DumpError.notADump(
      text.isEmpty ? "it is empty" : "no goroutine or thread header in its first 64 KiB")
  }
}
