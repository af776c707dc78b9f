// libFuzzer's driver entry point (compiler-rt FuzzerInterface.h), for harnesses that keep their own main: SwiftPM
// links an executable target's main.swift as `main`, so a harness calls this instead of letting libFuzzer's main run.
// Linked in by `-sanitize=fuzzer`; declared here because no toolchain header exposes it to Swift.
#include <stddef.h>
#include <stdint.h>

typedef int (*gateway_fuzz_test_one_input)(const uint8_t *data, size_t size);

int LLVMFuzzerRunDriver(int *argc, char ***argv, gateway_fuzz_test_one_input testOneInput);

/// Runs libFuzzer with the process arguments (libFuzzer flags, corpus directories, crash files to reproduce).
static inline int gateway_fuzz_main(int argc, char **argv, gateway_fuzz_test_one_input testOneInput) {
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput);
}
