print("kes")
