# battery: exact dispatch (host), real-time controller (freestanding core).
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/battery/dispatch.cpp src/battery/pwl.cpp src/battery/json.cpp)
endif()
set(JOULE_TEST_SOURCES_battery ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_dispatch.cpp)
