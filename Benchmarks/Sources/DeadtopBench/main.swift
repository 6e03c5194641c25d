BenchmarkSuite.runAll()
