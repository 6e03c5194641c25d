// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the main build stays light.
// Run: swift run -c release --package-path Benchmarks deadtop-bench
let package = Package(
  name: "deadtop-benchmarks",
  products: [.executable(name: "deadtop-bench", targets: ["DeadtopBench"])],
  dependencies: [.package(name: "deadtop", path: "..")],
  targets: [
    .executableTarget(
      name: "DeadtopBench",
      dependencies: [
        .product(name: "Deadtop", package: "deadtop"),
        .product(name: "DeadtopCore", package: "deadtop"),
        .product(name: "DeadtopReader", package: "deadtop"),
        .product(name: "DeadtopReports", package: "deadtop"),
        .product(name: "DeadtopRecording", package: "deadtop"),
        .product(name: "DeadtopTUI", package: "deadtop"),
        .product(name: "DeadtopExporter", package: "deadtop"),
      ],
      path: "Sources/DeadtopBench")
  ],
  swiftLanguageModes: [.v6]
)
