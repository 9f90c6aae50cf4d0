// libFuzzer entry point for fuzz_pgp_mime (fuzz/pgp_mime_harness.cpp).
#include "fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    embargo::fuzz::fuzz_pgp_mime(data, size);
    return 0;
}
