// IMAP and SMTP client settings from the configuration, in one place for the
// daemon and `embargoctl check`.
#pragma once

#include "core/config.hpp"
#include "daemon/imap_client.hpp"
#include "daemon/smtp_client.hpp"

namespace embargo::daemon {
imap::Settings imap_settings(const Config& cfg);
smtp::Settings smtp_settings(const Config& cfg);
}  // namespace embargo::daemon
