// libFuzzer entry point for fuzz_core_text (fuzz/core_text_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_core_text(data, size);
    return 0;
}
