import Foundation
import Testing

/// What a program that links only the `Deadtop` runtime carries: no Foundation and none
/// of the monitor (the reader, ELF, /proc, reports, TUI). `deadtop-demo` is such a
/// program: its only dependency is the demo scenarios, which depend on `Deadtop` alone.
@Suite struct LayeringTests {
  @Test func aProgramLinkingTheRuntimeLinksNoFoundation() throws {
    let outcome = try run(URL(fileURLWithPath: "/usr/bin/ldd"), [Binaries.demo.path])
    #expect(outcome.status == 0, "\(outcome.error)")
    #expect(outcome.output.contains("libswiftCore.so"), "ldd listed the libraries: \(outcome.output)")
    for library in ["libFoundation", "libFoundationEssentials", "libncursesw"] {
      #expect(!outcome.output.contains(library), "deadtop-demo links \(library)")
    }
    // The monitor's own binary, for contrast, does link them (so the check can fail).
    let monitor = try run(URL(fileURLWithPath: "/usr/bin/ldd"), [Binaries.deadtop.path])
    #expect(monitor.output.contains("libFoundation"))
  }

  @Test func aProgramLinkingTheRuntimeCarriesNoneOfTheMonitorsCode() throws {
    let binary = try Data(contentsOf: Binaries.demo)
    // Swift symbols carry their module's name, so code from a module shows as its name.
    for module in ["DeadtopReader", "DeadtopReports", "DeadtopTUI", "CNcurses", "ArgumentParser"] {
      #expect(binary.range(of: Data(module.utf8)) == nil, "deadtop-demo contains code from \(module)")
    }
    #expect(
      binary.range(of: Data("DeadtopSegment".utf8)) != nil, "the decoder is linked, for the in-process check")
  }

  @Test func theInProcessCheckWorksWithoutAPublishedSegment() throws {
    // DEADTOP_DISABLE=1 keeps the tables in private memory: the same path as a failed
    // shm_open (Segment.createForCurrentProcess), without touching the machine's /dev/shm.
    let outcome = try run(
      Binaries.demo, ["abba"], environment: ["DEADTOP_DISABLE": "1", "DEADTOP_ON_DEADLOCK": "abort"])
    #expect(outcome.status == 2, "\(outcome.error)")
    #expect(outcome.error.contains("deadtop: deadlock in process"))
    #expect(outcome.error.contains("Deadlock 1: cycle of 2 tasks (certain)"))
  }
}
