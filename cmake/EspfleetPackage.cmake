# The Debian package (CPack DEB): espfleet and espfleet-sim, the man pages,
# README.md and LICENSE in share/doc/espfleet, the shared libraries it
# links declared by dpkg-shlibdeps. scripts/package builds it.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME espfleet)
set(CPACK_PACKAGE_VENDOR espfleet)
set(CPACK_PACKAGE_CONTACT "espfleet maintainers <maintainers@espfleet.invalid>"
  CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "over-the-air updates for fleets of ESP8266/ESP32 devices")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "espfleet finds ESP8266/ESP32 devices by mDNS, uploads firmware to many
of them in parallel over the espota protocol of the Arduino cores
(ArduinoOTA) or their HTTP update page, checks that each came back
running the new image, serves images to devices that pull their
updates, and reports what happened to each on a terminal, as JSON Lines,
JUnit XML or an HTML page. espfleet-sim simulates a fleet on one
machine.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# the libraries it links, with the versions this build needs
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# discover and push --all talk to the system's avahi-daemon
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "avahi-daemon")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
