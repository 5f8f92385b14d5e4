# The meter module: frame splitters and decoders of meter protocols.
# Test sources are given as ${PROJECT_SOURCE_DIR}/tests/... (they are added from tests/).
# One block per protocol family; add a protocol's lines to its block.

# --- framework
list(APPEND JOULE_CORE_HEADERS
  include/joule/meter/reading.hpp include/joule/meter/frame.hpp)
target_sources(joule_core PRIVATE src/meter/core/detect.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/meter/decode.cpp src/meter/json.cpp)
endif()
list(APPEND JOULE_CORE_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/meter/core/test_detect.cpp)
# Host test executable joule_test_meter: the core tests above plus host-only tests.
list(APPEND JOULE_TEST_SOURCES_meter ${PROJECT_SOURCE_DIR}/tests/meter/core/test_detect.cpp
  ${PROJECT_SOURCE_DIR}/tests/meter/test_framework.cpp)

# --- DSMR P1 and IEC 62056-21
list(APPEND JOULE_CORE_HEADERS include/joule/meter/dsmr.hpp include/joule/meter/iec62056_21.hpp
     include/joule/meter/parity.hpp)
target_sources(joule_core PRIVATE src/meter/core/obis_text.cpp src/meter/core/dsmr.cpp src/meter/core/iec62056_21.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/meter/text_host.cpp src/meter/serial_host.cpp bindings/c/src/c_api_meter.cpp
    bindings/c/src/c_api_meter_session.cpp)
endif()
list(APPEND JOULE_CORE_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/meter/core/test_dsmr_core.cpp)
list(APPEND JOULE_TEST_SOURCES_meter ${PROJECT_SOURCE_DIR}/tests/meter/core/test_dsmr_core.cpp
  ${PROJECT_SOURCE_DIR}/tests/meter/test_dsmr.cpp ${PROJECT_SOURCE_DIR}/tests/meter/test_serial.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${PROJECT_SOURCE_DIR}/tests/firmware/fw_meter_text.cpp)

# --- SML, DLMS/COSEM, AES-GCM; AES itself is core (top-level CMakeLists)
list(APPEND JOULE_CORE_HEADERS include/joule/meter/sml.hpp include/joule/meter/dlms.hpp)
target_sources(joule_core PRIVATE src/meter/core/sml.cpp src/meter/core/dlms.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/meter/sml_dlms_host.cpp)
endif()
list(APPEND JOULE_TEST_SOURCES_meter ${PROJECT_SOURCE_DIR}/tests/meter/test_sml.cpp
  ${PROJECT_SOURCE_DIR}/tests/meter/test_dlms.cpp ${PROJECT_SOURCE_DIR}/tests/meter/core/test_sml_dlms_core.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/meter/core/test_sml_dlms_core.cpp)
# tests/firmware/fw_meter.cpp is the module's entry point (joule_fw_meter) calling each owner's hook.
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${PROJECT_SOURCE_DIR}/tests/firmware/fw_meter.cpp
  ${PROJECT_SOURCE_DIR}/tests/firmware/fw_meter_sml_dlms.cpp)

# --- M-Bus, wireless M-Bus, Modbus, SunSpec
list(APPEND JOULE_CORE_HEADERS include/joule/meter/mbus.hpp include/joule/meter/wmbus.hpp
  include/joule/meter/modbus.hpp include/joule/meter/sunspec.hpp)
target_sources(joule_core PRIVATE src/meter/core/mbus.cpp src/meter/core/wmbus.cpp src/meter/core/modbus.cpp
  src/meter/core/sunspec.cpp src/meter/core/sunspec_models.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/meter/mbus_host.cpp src/meter/modbus_client.cpp
    src/meter/drivers.cpp src/meter/drivers_builtin.cpp bindings/c/src/c_api_meter_drivers.cpp)
endif()
list(APPEND JOULE_TEST_SOURCES_meter ${PROJECT_SOURCE_DIR}/tests/meter/test_mbus.cpp
  ${PROJECT_SOURCE_DIR}/tests/meter/test_wmbus.cpp ${PROJECT_SOURCE_DIR}/tests/meter/test_modbus.cpp
  ${PROJECT_SOURCE_DIR}/tests/meter/test_sunspec.cpp ${PROJECT_SOURCE_DIR}/tests/meter/test_drivers.cpp)
