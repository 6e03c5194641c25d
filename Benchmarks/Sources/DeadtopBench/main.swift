BenchmarkSuite.main()
