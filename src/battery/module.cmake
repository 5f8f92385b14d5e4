# battery: exact dispatch (host), real-time controller (freestanding core).
list(APPEND JOULE_CORE_HEADERS include/joule/battery/rt_controller.hpp include/joule/battery/arbitrage.hpp
     include/joule/battery/rt_controller_c.h include/joule/battery/detail/rt_config_c.hpp)
target_sources(joule_core PRIVATE src/battery/core/rt_controller.cpp src/battery/core/arbitrage.cpp
               src/battery/core/rt_controller_c.cpp)
if(NOT JOULE_FIRMWARE)
  target_sources(joule_objects PRIVATE src/battery/dispatch.cpp src/battery/pwl.cpp src/battery/json.cpp src/battery/site_json.cpp src/battery/mpc.cpp
                 bindings/c/src/c_api_battery.cpp)
  # COIN-OR CLP (Debian coinor-libclp-dev) for the multi-asset site LP; optional.
  find_library(JOULE_CLP_LIBRARY NAMES Clp)
  find_library(JOULE_COINUTILS_LIBRARY NAMES CoinUtils)
  find_path(JOULE_CLP_INCLUDE_DIR NAMES ClpSimplex.hpp PATH_SUFFIXES coin)
  if(JOULE_CLP_LIBRARY AND JOULE_COINUTILS_LIBRARY AND JOULE_CLP_INCLUDE_DIR)
    message(STATUS "battery: COIN-OR CLP found (${JOULE_CLP_LIBRARY}): site LP enabled")
    target_sources(joule_objects PRIVATE src/battery/site_lp.cpp)
    set_property(SOURCE src/battery/site_lp.cpp APPEND PROPERTY INCLUDE_DIRECTORIES "${JOULE_CLP_INCLUDE_DIR}")
    set_property(SOURCE src/battery/site_lp.cpp APPEND PROPERTY COMPILE_DEFINITIONS JOULE_HAVE_CLP=1)
    list(APPEND JOULE_HOST_LINK_EXTRA ${JOULE_CLP_LIBRARY} ${JOULE_COINUTILS_LIBRARY})
  else()
    message(STATUS "battery: COIN-OR CLP not found: site LP disabled (solve_site_lp returns unsupported)")
    target_sources(joule_objects PRIVATE src/battery/site_lp_none.cpp)
  endif()
endif()
set(JOULE_TEST_SOURCES_battery ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_dispatch.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_site_lp.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_plan.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_arbitrage.cpp ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/test_arbitrage_host.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller_c.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller.cpp
     ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_arbitrage.cpp
     ${CMAKE_CURRENT_SOURCE_DIR}/tests/battery/core/test_rt_controller_c.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/firmware/fw_battery.cpp)
if(JOULE_FIRMWARE)
  # worst-case stack of the controller: GCC's per-function stack usage (.su files)
  set_source_files_properties(src/battery/core/rt_controller.cpp PROPERTIES COMPILE_OPTIONS "-fstack-usage")
  add_custom_target(joule_battery_stack_report ALL
    COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/joule_core.dir/src/battery/core
            -P ${CMAKE_CURRENT_SOURCE_DIR}/src/battery/stack_report.cmake
    DEPENDS joule_core VERBATIM)
endif()
