// libFuzzer entry point for fuzz_imap_response (fuzz/imap_response_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_imap_response(data, size);
    return 0;
}
