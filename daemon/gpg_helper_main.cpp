// embargo-gpg-helper: the small process embargod hands its signing and
// encryption to (crypto/gpg_helpers.hpp). Small on purpose: GPGME forks it
// twice for every gpg run, and a fork costs in proportion to what is mapped.
// Started by embargod only.
#include <iostream>
#include <string_view>

#include "crypto/gpg_helpers.hpp"

int main(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "--gpg-helper")
        return embargo::crypto::serve_gpg_helper(argc - 2, argv + 2);
    std::cerr << "embargo-gpg-helper: started by embargod only, as its signing and encryption "
                 "helper (see embargo.conf(5), [daemon] workers)\n";
    return 64;
}
