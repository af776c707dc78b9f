print("gatewayperf")
