# carbon: emission factors, Scope 2, 24/7 CFE, certificate registry, flow tracing, marginal vs average.
list(APPEND JOULE_CORE_HEADERS include/joule/carbon/flowtrace_core.hpp)
if(NOT JOULE_FIRMWARE)
  # SHA-256 of the registry's hash chain: the system libcrypto (Debian libssl-dev). Linked by
  # name so the exported static target asks consumers for -lcrypto without an imported target.
  find_library(JOULE_LIBCRYPTO crypto REQUIRED)
  find_path(JOULE_OPENSSL_INCLUDE openssl/sha.h REQUIRED)
  target_sources(joule_objects PRIVATE
    src/carbon/factors.cpp src/carbon/scope2.cpp src/carbon/cfe.cpp src/carbon/shift.cpp
    src/carbon/flowtrace.cpp src/carbon/registry.cpp src/carbon/cases.cpp
    bindings/c/src/c_api_carbon.cpp)
  target_include_directories(joule_objects PRIVATE ${JOULE_OPENSSL_INCLUDE})
  list(APPEND JOULE_HOST_LINK_EXTRA crypto)
  if(JOULE_INSTALL)
    # Optional share-alike factor tables with their licences (loaded at run time, never compiled in).
    install(DIRECTORY data/carbon/ DESTINATION ${CMAKE_INSTALL_DATADIR}/joule/carbon)
  endif()
endif()
set(JOULE_TEST_SOURCES_carbon
  ${PROJECT_SOURCE_DIR}/tests/carbon/test_cases.cpp ${PROJECT_SOURCE_DIR}/tests/carbon/test_registry.cpp
  ${PROJECT_SOURCE_DIR}/tests/carbon/test_factors.cpp ${PROJECT_SOURCE_DIR}/tests/carbon/test_flowtrace.cpp
  ${PROJECT_SOURCE_DIR}/tests/carbon/core/test_flowtrace_core.cpp)
list(APPEND JOULE_CORE_TEST_SOURCES ${PROJECT_SOURCE_DIR}/tests/carbon/core/test_flowtrace_core.cpp)
list(APPEND JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES ${PROJECT_SOURCE_DIR}/tests/firmware/fw_carbon.cpp)
