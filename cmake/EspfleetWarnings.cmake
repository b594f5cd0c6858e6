# espfleet_warnings(<target>): the project's warning set, applied per target to
# our own code only (never through CMAKE_C_FLAGS, never to third-party code).
include(CheckCCompilerFlag)

set(_espfleet_candidate_warnings
  -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wwrite-strings -Wpointer-arith -Wundef -Wvla -Wcast-qual
  -Wdeclaration-after-statement -Wimplicit-fallthrough -Wno-unused-parameter)
set(ESPFLEET_WARNING_FLAGS "")
foreach(_w IN LISTS _espfleet_candidate_warnings)
  string(MAKE_C_IDENTIFIER "HAVE_WARN${_w}" _var)
  check_c_compiler_flag(${_w} ${_var})
  if(${_var})
    list(APPEND ESPFLEET_WARNING_FLAGS ${_w})
  endif()
endforeach()

function(espfleet_warnings target)
  target_compile_options(${target} PRIVATE ${ESPFLEET_WARNING_FLAGS})
  if(ESPFLEET_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
