// libFuzzer entry point for fuzz_cvss (fuzz/cvss_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_cvss(data, size);
    return 0;
}
