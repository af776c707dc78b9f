// libFuzzer's driver entry point (compiler-rt FuzzerInterface.h), for harnesses that keep their own main: SwiftPM
// links an executable target with `--defsym main=<Target>_main`, which makes main.swift the program's entry point in
// place of libFuzzer's, so a harness starts the driver itself. (libFuzzer's main object is still linked and refers to
// `LLVMFuzzerTestOneInput`, which is why each harness also exports its test function under that name.)
// Linked in by `-sanitize=fuzzer`; declared here because no toolchain header exposes it to Swift.
#include <stddef.h>
#include <stdint.h>

typedef int (*gateway_fuzz_test_one_input)(const uint8_t *data, size_t size);

int LLVMFuzzerRunDriver(int *argc, char ***argv, gateway_fuzz_test_one_input testOneInput);

/// Runs libFuzzer with the process arguments (libFuzzer flags, corpus directories, crash files to reproduce).
static inline int gateway_fuzz_main(int argc, char **argv, gateway_fuzz_test_one_input testOneInput) {
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput);
}
