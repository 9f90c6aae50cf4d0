// libFuzzer entry point for fuzz_commands (fuzz/commands_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_commands(data, size);
    return 0;
}
