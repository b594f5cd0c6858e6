# CMake toolchain file for the ESP8266 (xtensa-lx106) with Debian's
# gcc-xtensa-lx106, binutils-xtensa-lx106 and picolibc-xtensa-lx106-elf:
# builds the agent core (static library + size report) and its unit tests,
# which plain `ctest` runs under qemu-system-xtensa -M sim -cpu lx106.
#   cmake -S . -B build-lx106 \
#     -DCMAKE_TOOLCHAIN_FILE=firmware-agent/cmake/xtensa-lx106.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR xtensa)

set(EFA_XTENSA_PREFIX xtensa-lx106-elf-)
set(CMAKE_C_COMPILER ${EFA_XTENSA_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${EFA_XTENSA_PREFIX}gcc)

# No linkable test programs without a port: compiler checks build archives.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Every object: long calls (code may live anywhere in the 1 MiB flash
# mapping, beyond the reach of call0) and one section per function/object
# for --gc-sections. efa_core itself is always built with -Os, whatever
# the build type (firmware-agent/CMakeLists.txt): the budget is at -Os.
set(CMAKE_C_FLAGS_INIT "-mlongcalls -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "-mlongcalls")

# ctest runs every test program of this build under QEMU's lx106 model
# (tests/xtensa: reset stub, semihosting exit status). `timeout` guards
# against an image that spins: QEMU would never exit on its own.
find_program(EFA_QEMU_XTENSA qemu-system-xtensa)
find_program(EFA_TIMEOUT timeout)
set(EFA_QEMU_TIMEOUT 300 CACHE STRING
  "Seconds one lx106 test may run under QEMU before it is killed")
if(EFA_QEMU_XTENSA AND EFA_TIMEOUT)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${EFA_TIMEOUT} --kill-after=10
    ${EFA_QEMU_TIMEOUT} ${EFA_QEMU_XTENSA} -M sim -cpu lx106 -semihosting
    -nographic -monitor none -kernel)
endif()
