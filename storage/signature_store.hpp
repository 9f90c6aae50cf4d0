// Replay protection and sender keys: signatures already used for commands,
// and which public key came with whose mail.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

bool signature_seen(Database& db, const std::string& digest);
void record_signature(Database& db, const std::string& digest, const std::string& fingerprint,
                      const std::string& message_id, TimePoint now);
void record_sender_key(Database& db, const std::string& email, const std::string& fingerprint,
                       TimePoint now);
// Addresses whose mail brought this key (empty: the operator imported it).
std::vector<std::string> key_senders(Database& db, const std::string& fingerprint);

}  // namespace embargo::storage
