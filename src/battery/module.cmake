# battery: exact dispatch (host), real-time controller (freestanding core).
list(APPEND JOULE_CORE_HEADERS include/joule/battery/rt_controller.hpp)
target_sources(joule_core PRIVATE src/battery/core/rt_controller.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/battery/dispatch.cpp src/battery/pwl.cpp src/battery/json.cpp
                 bindings/c/src/c_api_battery.cpp)
endif()
set(JOULE_TEST_SOURCES_battery ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_dispatch.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/firmware/fw_battery.cpp)
if(JOULE_FIRMWARE)
  # worst-case stack of the controller: GCC's per-function stack usage (.su files)
  set_source_files_properties(src/battery/core/rt_controller.cpp PROPERTIES COMPILE_OPTIONS "-fstack-usage")
endif()
