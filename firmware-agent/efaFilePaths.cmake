# Source and include lists of the portable agent core, for any build system
# (this project's CMake, an ESP-IDF component, a PlatformIO/Arduino library).
# Only lists; defines no targets.
set(EFA_CORE_DIR ${CMAKE_CURRENT_LIST_DIR}/core)
set(EFA_CORE_SOURCES
  ${EFA_CORE_DIR}/efa_agent.c
  ${EFA_CORE_DIR}/efa_auth.c
  ${EFA_CORE_DIR}/efa_boot.c
  ${EFA_CORE_DIR}/efa_err.c
  ${EFA_CORE_DIR}/efa_flash_records.c
  ${EFA_CORE_DIR}/efa_flashwriter.c
  ${EFA_CORE_DIR}/efa_hash_block.c
  ${EFA_CORE_DIR}/efa_image.c
  ${EFA_CORE_DIR}/efa_md5.c
  ${EFA_CORE_DIR}/efa_port.c
  ${EFA_CORE_DIR}/efa_sha256.c
  ${EFA_CORE_DIR}/efa_stage.c
  ${EFA_CORE_DIR}/efa_upload.c
  ${EFA_CORE_DIR}/efa_util.c
  ${EFA_CORE_DIR}/efa_wire.c
)
set(EFA_CORE_INCLUDE_DIRS ${EFA_CORE_DIR}/include)
