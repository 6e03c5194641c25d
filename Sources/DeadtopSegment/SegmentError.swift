/// Why a segment's bytes cannot be trusted. Each case reads as part of a sentence a
/// reader completes with the segment's path.
public enum SegmentError: Error, Equatable, CustomStringConvertible {
  /// The writer has not finished the header yet.
  case notReady
  case corrupt(String)
  case unsupportedVersion(found: UInt32, supported: UInt32)

  public var description: String {
    switch self {
    case .notReady: "the segment is still being created by its process"
    case .corrupt(let reason): reason
    case .unsupportedVersion(let found, let supported):
      "segment ABI version \(found); this deadtop reads versions 1 to \(supported)"
    }
  }
}
