module deadtop/benchmarks/go

go 1.19
