// kes-bench: see BenchCommand for the options and README/BENCHMARKS.md for how the numbers are used.
OpenFileLimit.raiseToHardLimit()
BenchCommand.main()
