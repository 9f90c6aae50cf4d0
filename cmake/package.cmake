# The Debian package: `cpack -G DEB` in a build configured with
# -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr (never a sanitizer
# build). Library dependencies come from dpkg-shlibdeps (package dpkg-dev);
# the maintainer scripts create the service user and its state directory.
set(CPACK_PACKAGE_NAME embargo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(EMBARGO_PACKAGE_MAINTAINER "embargo maintainers <embargo@example.org>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${EMBARGO_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "private vulnerability intake and coordinated disclosure over email")
# Wrapped by hand: CPack copies the lines into the control file as they are.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "embargo runs a security team's private vulnerability intake over plain\n"
  "email. It polls the team's mailbox over IMAP, decrypts and files reports\n"
  "into cases, picks the next Fix Lead in rotation, relays replies encrypted\n"
  "to each recipient, tracks every deadline of the disclosure process and\n"
  "escalates when one slips. Maintainers steer cases by replying with short\n"
  "command lines.\n"
  "\n"
  "This package holds the daemon embargod, run by a sandboxed systemd unit,\n"
  "and the operator's tool embargoctl.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# gpg and gpg-agent run as children of the daemon (GPGME drives them);
# procps has /bin/kill, the units' ExecReload= (`systemctl reload` fails
# without it: procps is not essential, a minimal system lacks it).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gnupg, gpg-agent, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "embargo: a Debian package needs -DCMAKE_INSTALL_PREFIX=/usr "
                 "(now ${CMAKE_INSTALL_PREFIX})")
endif()
if(EMBARGO_SANITIZE)
  message(STATUS "embargo: sanitizer build; do not package it (cpack refuses)")
endif()

# Maintainer scripts, written into the build directory.
set(_embargo_debian ${CMAKE_BINARY_DIR}/debian-control)
file(MAKE_DIRECTORY ${_embargo_debian})
file(WRITE ${_embargo_debian}/postinst [=[#!/bin/sh
# embargo postinst: the service user and its state directory, and systemd's
# view of the units. A first install starts nothing (the service needs its
# configuration and keys first); an upgrade restarts what was running.
set -e
if [ "$1" = configure ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} embargo.conf
    elif ! getent passwd embargo >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/embargo --no-create-home \
            --shell /usr/sbin/nologin --comment "embargo vulnerability intake" embargo
    fi
    if command -v systemd-tmpfiles >/dev/null 2>&1; then
        systemd-tmpfiles ${DPKG_ROOT:+--root="$DPKG_ROOT"} --create embargo.conf
    else
        install -d -o embargo -g embargo -m 0700 /var/lib/embargo /var/lib/embargo/gnupg
    fi
    if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        if [ -n "$2" ]; then
            systemctl try-restart 'embargod.service' 'embargod@*.service' || true
        fi
    fi
fi
exit 0
]=])
file(WRITE ${_embargo_debian}/prerm [=[#!/bin/sh
# embargo prerm: stop the daemon(s) before their binary goes away.
set -e
if [ "$1" = remove ] && [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl stop 'embargod.service' 'embargod@*.service' || true
fi
exit 0
]=])
file(WRITE ${_embargo_debian}/postrm [=[#!/bin/sh
# embargo postrm. Purging keeps /var/lib/embargo and /etc/embargo: they hold
# the case history, the team's secret keys and the passwords; remove them by
# hand once they are backed up or no longer needed.
set -e
if [ "$1" = purge ]; then
    rm -f /etc/systemd/system/multi-user.target.wants/embargod.service
    rm -f /etc/systemd/system/multi-user.target.wants/embargod@*.service
fi
if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
exit 0
]=])
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_embargo_debian}/postinst ${_embargo_debian}/prerm ${_embargo_debian}/postrm)

# Sanitizer binaries must never be shipped: make cpack fail on such a build.
if(EMBARGO_SANITIZE)
  set(CPACK_PROJECT_CONFIG_FILE ${_embargo_debian}/refuse-sanitized.cmake)
  file(WRITE ${CPACK_PROJECT_CONFIG_FILE}
       "message(FATAL_ERROR \"embargo: this build has EMBARGO_SANITIZE=ON; package a Release build\")\n")
endif()

include(CPack)
