import DeadtopReader

#if canImport(Glibc)
  import Glibc
#endif

extension Subprocess {
  /// A demo scenario run by this same binary (`deadtop scenario NAME --stay`), kept alive
  /// after a fixed variant finishes so that it can still be read. With `capturesErrors`,
  /// standard error comes back through the output pipe (the live view owns the terminal);
  /// otherwise it is shared with deadtop's. In its own process group, so that Ctrl-C
  /// reaches deadtop, which then ends the child itself.
  static func scenario(_ name: String, fixed: Bool, capturesErrors: Bool) throws -> Subprocess {
    try Subprocess(
      executable: currentExecutable(), arguments: ["scenario", name, "--stay"] + (fixed ? ["--fixed"] : []),
      output: .pipe, errors: capturesErrors ? .mergedIntoOutput : .inherit, ownProcessGroup: true)
  }

  /// Ends the scenario and removes the segment it could not remove itself because a
  /// signal ended it.
  func endScenario() {
    terminate()
    unlink(SegmentSource.path(for: pid))
  }
}
