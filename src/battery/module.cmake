# battery: exact dispatch (host), real-time controller (freestanding core).
list(APPEND JOULE_CORE_HEADERS include/joule/battery/rt_controller.hpp)
target_sources(joule_core PRIVATE src/battery/core/rt_controller.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/battery/dispatch.cpp src/battery/pwl.cpp src/battery/json.cpp src/battery/mpc.cpp
                 bindings/c/src/c_api_battery.cpp)
endif()
set(JOULE_TEST_SOURCES_battery ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_dispatch.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/firmware/fw_battery.cpp)
if(JOULE_FIRMWARE)
  # worst-case stack of the controller: GCC's per-function stack usage (.su files)
  set_source_files_properties(src/battery/core/rt_controller.cpp PROPERTIES COMPILE_OPTIONS "-fstack-usage")
  add_custom_target(joule_battery_stack_report ALL
    COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/joule_core.dir/src/battery/core
            -P ${CMAKE_CURRENT_SOURCE_DIR}/src/battery/stack_report.cmake
    DEPENDS joule_core VERBATIM)
endif()
