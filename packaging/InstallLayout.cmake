# Runs at install time (cmake --install, CPack) with that moment's CMAKE_INSTALL_PREFIX; file(INSTALL)
# adds DESTDIR itself. Installs what depends on the prefix: the systemd units (they name the binaries
# and the configuration directory) and the default configuration.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(SUP_CONFDIR "/etc/supervisord")  # FHS: /usr is the distribution's, its configuration is in /etc
else()
  set(SUP_CONFDIR "${CMAKE_INSTALL_PREFIX}/etc/supervisord")
endif()
if(IS_ABSOLUTE "${SUP_INSTALL_BINDIR}")
  set(SUP_BINDIR "${SUP_INSTALL_BINDIR}")
else()
  set(SUP_BINDIR "${CMAKE_INSTALL_PREFIX}/${SUP_INSTALL_BINDIR}")
endif()

set(_sup_units "${SUP_PACKAGING_BINARY_DIR}/units")
configure_file("${SUP_PACKAGING_SOURCE_DIR}/systemd/supervisord.service.in" "${_sup_units}/system/supervisord.service"
               @ONLY)
configure_file("${SUP_PACKAGING_SOURCE_DIR}/systemd/user/supervisord.service.in"
               "${_sup_units}/user/supervisord.service" @ONLY)
# systemd looks in both /usr/lib/systemd/... and /usr/local/lib/systemd/..., so lib/ under the prefix.
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     FILES "${_sup_units}/system/supervisord.service")
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/user" TYPE FILE
     FILES "${_sup_units}/user/supervisord.service")

# An edited configuration survives `cmake --install` over a live system (the .deb has conffiles).
if(EXISTS "$ENV{DESTDIR}${SUP_CONFDIR}/supervisord.yaml")
  message(STATUS "Keeping: $ENV{DESTDIR}${SUP_CONFDIR}/supervisord.yaml")
else()
  file(INSTALL DESTINATION "${SUP_CONFDIR}" TYPE FILE FILES "${SUP_PACKAGING_SOURCE_DIR}/config/supervisord.yaml")
endif()
