print("kes-bench")
