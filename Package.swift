// swift-tools-version: 6.1
import PackageDescription

// The targets read as the data flow (README, "Development"): the segment contract; the
// runtime that writes it and the decoder that reads it; the sources that turn a process
// into snapshots; the pure analysis; the reports and views; the commands. Dependencies
// point one way, and a program that links the runtime links none of the monitor.
let package = Package(
  name: "deadtop",
  products: [
    // The runtime library programs link to be watched.
    .library(name: "Deadtop", targets: ["Deadtop"]),
    // For tools (and the benchmarks): the pure analysis, the decoder, the sources, the
    // reports and the live view.
    .library(name: "DeadtopCore", targets: ["DeadtopCore"]),
    .library(name: "DeadtopSegment", targets: ["DeadtopSegment"]),
    .library(name: "DeadtopReader", targets: ["DeadtopReader"]),
    .library(name: "DeadtopReports", targets: ["DeadtopReports"]),
    .library(name: "DeadtopRecording", targets: ["DeadtopRecording"]),
    .library(name: "DeadtopTUI", targets: ["DeadtopTUI"]),
    // The monitor. The target has another name: `Deadtop` and `deadtop` collide on
    // case-insensitive file systems.
    .executable(name: "deadtop", targets: ["DeadtopCLI"]),
    // The demo scenarios, standalone, for attaching from another terminal.
    .executable(name: "deadtop-demo", targets: ["DeadtopDemoRunner"]),
    // Real blocking bugs ported from their public reports, each with its fixed twin.
    .executable(name: "deadtop-corpus", targets: ["DeadtopCorpusRunner"]),
    // Demos without the runtime, read through /proc: Swift (Dispatch, NSLock, Task) and C.
    .executable(name: "deadtop-plain-demo", targets: ["DeadtopPlainDemos"]),
    .executable(name: "deadtop-plain-c-demo", targets: ["DeadtopPlainCDemos"]),
    // The headless exporter `deadtop serve` runs: every watched process as Prometheus
    // metrics and JSON reports over HTTP.
    .executable(name: "deadtop-exporter", targets: ["DeadtopExporterServer"]),
    .library(name: "DeadtopExporter", targets: ["DeadtopExporter"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // The exporter only: the Prometheus exposition and its HTTP server.
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    // The contract: the segment layout shared by its writer and every reader (C).
    .target(name: "DeadtopABI"),
    // Snapshot model, analysis, the confirmation policy, wording and the text report:
    // pure Swift, no I/O, no Foundation (the runtime's in-process check links it).
    .target(name: "DeadtopCore"),
    // The decoder: a segment's bytes to a Snapshot, over raw memory (no files, no Foundation).
    .target(name: "DeadtopSegment", dependencies: ["DeadtopABI", "DeadtopCore"]),
    // The runtime's private machinery (C): its lock word, parking, TLS, caches.
    .target(name: "DeadtopRuntimeC", dependencies: ["DeadtopABI"]),
    // The runtime: Go-style primitives publishing into the segment.
    .target(
      name: "Deadtop", dependencies: ["DeadtopABI", "DeadtopRuntimeC", "DeadtopSegment", "DeadtopCore"]),
    // Fatal signals (C): a file that shrinks under a mapping, a terminal left broken.
    .target(name: "CFatalSignals"),
    // Sources: a segment file, /proc, and the stacks of another process: thin I/O.
    .target(
      name: "DeadtopReader", dependencies: ["DeadtopABI", "DeadtopSegment", "DeadtopCore", "CFatalSignals"]),
    // JSON and DOT, at the edge (JSON uses Foundation's encoder).
    .target(name: "DeadtopReports", dependencies: ["DeadtopCore"]),
    .target(name: "DeadtopRecording", dependencies: ["DeadtopCore"]),
    // A C shim over ncursesw.
    .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),
    // The live view: screen model, one file per view, keys and themes (pure), and the
    // ncurses backend.
    .target(
      name: "DeadtopTUI",
      dependencies: ["DeadtopCore", "DeadtopReports", "DeadtopRecording", "CNcurses", "CFatalSignals"]),
    .target(name: "DemoScenarios", dependencies: ["Deadtop"], path: "demo/Scenarios"),
    .executableTarget(
      name: "DeadtopDemoRunner", dependencies: ["DemoScenarios"], path: "demo/Runner"),
    // The bug corpus (scenarios in the demos' form) and its runner.
    .target(name: "BugCorpus", dependencies: ["Deadtop", "DemoScenarios"], path: "corpus/Bugs"),
    .executableTarget(
      name: "DeadtopCorpusRunner", dependencies: ["BugCorpus", "DemoScenarios"], path: "corpus/Runner"),
    // They depend on nothing of deadtop; deadtop depends on them only so that building it
    // builds them (an executable is built, never linked, as a dependency).
    .executableTarget(name: "DeadtopPlainDemos", path: "demo/Plain"),
    .executableTarget(name: "DeadtopPlainCDemos", path: "demo/PlainC"),
    .executableTarget(
      name: "DeadtopCLI",
      dependencies: [
        "DeadtopCore", "DeadtopSegment", "DeadtopReader", "DeadtopReports", "DeadtopRecording", "DeadtopTUI",
        "DemoScenarios",
        "DeadtopPlainDemos", "DeadtopPlainCDemos",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // The exporter's pure part: which processes, their metrics and reports (no HTTP).
    .target(
      name: "DeadtopExporter",
      dependencies: [
        "DeadtopCore", "DeadtopReader", "DeadtopReports",
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    // Its HTTP server (SwiftNIO), a separate executable so that deadtop and the runtime stay light.
    .executableTarget(
      name: "DeadtopExporterServer",
      dependencies: [
        "DeadtopExporter", "DeadtopCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    .testTarget(name: "DeadtopCoreTests", dependencies: ["DeadtopCore", "DeadtopReports"]),
    .testTarget(
      name: "DeadtopTests",
      dependencies: ["Deadtop", "DeadtopABI", "DeadtopRuntimeC", "DeadtopReader", "DeadtopCore"]),
    .testTarget(
      name: "DeadtopReaderTests",
      dependencies: ["DeadtopReader", "DeadtopSegment", "DeadtopABI", "DeadtopCore", "CFatalSignals"]),
    .testTarget(name: "DeadtopTUITests", dependencies: ["DeadtopTUI", "DeadtopCore", "DeadtopRecording"]),
    .testTarget(name: "DeadtopRecordingTests", dependencies: ["DeadtopRecording", "DeadtopCore"]),
    .testTarget(name: "DeadtopExporterTests", dependencies: ["DeadtopExporter", "DeadtopCore"]),
    .testTarget(
      name: "EndToEndTests",
      dependencies: [
        "DeadtopCore", "DeadtopReader", "DeadtopReports", "DeadtopRecording", "DeadtopExporter", "BugCorpus",
      ]),
  ],
  swiftLanguageModes: [.v6]
)
