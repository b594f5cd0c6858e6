# ESPFLEET_SANITIZE=address,undefined builds every target with those
# sanitizers; UBSan findings abort so that a test fails on them.
set(ESPFLEET_SANITIZE "" CACHE STRING "Sanitizers, e.g. address,undefined")
if(ESPFLEET_SANITIZE)
  add_compile_options(-fsanitize=${ESPFLEET_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ESPFLEET_SANITIZE})
endif()
