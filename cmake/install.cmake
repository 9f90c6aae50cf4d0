# Install layout beside the two binaries (their install(TARGETS) rules are in
# the top CMakeLists.txt): systemd units, sysusers.d/tmpfiles.d entries, the
# example configuration, man pages (gzipped) and the operator's guide.
#
# With CMAKE_INSTALL_PREFIX=/usr (what the Debian package uses) the files go
# where Debian 12 packages put them: /lib/systemd/system, /usr/lib/sysusers.d,
# /usr/lib/tmpfiles.d, /etc/embargo. With any other prefix everything stays
# under the prefix, and the units' paths follow it.
include(GNUInstallDirs)

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_embargo_unitdir_default /lib/systemd/system)
  set(_embargo_systemd_libdir /usr/lib)
else()
  set(_embargo_unitdir_default ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
  set(_embargo_systemd_libdir ${CMAKE_INSTALL_PREFIX}/lib)
endif()
if(NOT EMBARGO_SYSTEMD_UNITDIR)
  set(EMBARGO_SYSTEMD_UNITDIR ${_embargo_unitdir_default})
endif()
# GNUInstallDirs maps the /usr prefix to /etc.
set(EMBARGO_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/embargo)

# The units in systemd/ name /usr/sbin and /etc/embargo, so that they can be
# checked (systemd-analyze) as they are; the installed copies name the
# actual install locations.
foreach(unit embargod.service embargod@.service)
  set(_src ${CMAKE_SOURCE_DIR}/systemd/${unit})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_src})
  file(READ ${_src} _text)
  string(REPLACE "/usr/sbin/embargod" "${CMAKE_INSTALL_FULL_SBINDIR}/embargod" _text "${_text}")
  string(REPLACE "/etc/embargo" "${EMBARGO_CONFDIR}" _text "${_text}")
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/systemd/${unit} CONTENT "${_text}")
  install(FILES ${CMAKE_BINARY_DIR}/systemd/${unit} DESTINATION ${EMBARGO_SYSTEMD_UNITDIR})
endforeach()
install(FILES ${CMAKE_SOURCE_DIR}/systemd/embargo.sysusers
        DESTINATION ${_embargo_systemd_libdir}/sysusers.d RENAME embargo.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/embargo.tmpfiles
        DESTINATION ${_embargo_systemd_libdir}/tmpfiles.d RENAME embargo.conf)

# Only the example: the real embargo.conf and the password files are the
# operator's, so the package has no conffiles to fight over on upgrade.
install(FILES ${CMAKE_SOURCE_DIR}/docs/embargo.conf.example DESTINATION ${EMBARGO_CONFDIR})

# Man pages, gzipped (-n: no name or time stamp, so builds are reproducible).
find_program(EMBARGO_GZIP gzip REQUIRED)
set(_embargo_man_outputs)
foreach(page embargod.8 embargoctl.8 embargo.conf.5)
  string(REGEX REPLACE "^.*\\.([0-9])$" "\\1" _section ${page})
  set(_out ${CMAKE_BINARY_DIR}/man/${page}.gz)
  add_custom_command(
    OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${EMBARGO_GZIP} -9 -n -c ${CMAKE_SOURCE_DIR}/docs/man/${page} > ${_out}
    DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}
    COMMENT "Compressing man page ${page}"
    VERBATIM)
  list(APPEND _embargo_man_outputs ${_out})
  install(FILES ${_out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
endforeach()
add_custom_target(embargo_man ALL DEPENDS ${_embargo_man_outputs})

install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
