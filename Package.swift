// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "deadtop",
  products: [
    // The runtime library programs link to be watched.
    .library(name: "Deadtop", targets: ["Deadtop"]),
    // The pure analysis and the segment reader, for tools (and the benchmarks).
    .library(name: "DeadtopCore", targets: ["DeadtopCore"]),
    .library(name: "DeadtopReader", targets: ["DeadtopReader"]),
    .library(name: "DeadtopTUI", targets: ["DeadtopTUI"]),
    // The monitor. The target has another name: `Deadtop` and `deadtop` collide on
    // case-insensitive file systems.
    .executable(name: "deadtop", targets: ["DeadtopCLI"]),
    // The demo scenarios, standalone, for attaching from another terminal.
    .executable(name: "deadtop-demo", targets: ["DeadtopDemoRunner"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // The segment layout: the contract between the runtime and every reader.
    .target(name: "DeadtopABI"),
    // Snapshot model, analysis and reports: pure Swift, no I/O.
    .target(name: "DeadtopCore"),
    // The runtime: Go-style primitives publishing into the segment.
    .target(name: "Deadtop", dependencies: ["DeadtopABI", "DeadtopReader", "DeadtopCore"]),
    // Sources that turn a segment (or /proc) into a Snapshot: thin, I/O only.
    .target(name: "DeadtopReader", dependencies: ["DeadtopABI", "DeadtopCore"]),
    // A C shim over ncursesw.
    .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),
    // The live view: screen model, views, keys and themes (pure), and the ncurses backend.
    .target(name: "DeadtopTUI", dependencies: ["DeadtopCore", "CNcurses"]),
    .target(name: "DemoScenarios", dependencies: ["Deadtop"], path: "demo/Scenarios"),
    .executableTarget(
      name: "DeadtopDemoRunner", dependencies: ["DemoScenarios"], path: "demo/Runner"),
    .executableTarget(
      name: "DeadtopCLI",
      dependencies: [
        "DeadtopCore", "DeadtopReader", "DeadtopTUI", "DemoScenarios",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "DeadtopCoreTests", dependencies: ["DeadtopCore"]),
    .testTarget(
      name: "DeadtopTests", dependencies: ["Deadtop", "DeadtopABI", "DeadtopReader", "DeadtopCore"]),
    .testTarget(
      name: "DeadtopReaderTests", dependencies: ["DeadtopReader", "DeadtopABI", "DeadtopCore"]),
    .testTarget(name: "DeadtopTUITests", dependencies: ["DeadtopTUI", "DeadtopCore"]),
    .testTarget(name: "EndToEndTests", dependencies: ["DeadtopCore", "DeadtopReader"]),
  ],
  swiftLanguageModes: [.v6]
)
