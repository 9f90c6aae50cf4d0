// libFuzzer entry point for fuzz_config (fuzz/config_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_config(data, size);
    return 0;
}
