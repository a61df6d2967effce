// kes-bench: see BenchCommand for the options and README/BENCHMARKS.md for how the numbers are used.
import KESServer

// Each connection is a descriptor, and the usual soft limit of 1024 is far below the 10,000
// connections --hold may be asked for.
FileDescriptorLimit.raiseToHardLimit()
BenchCommand.main()
