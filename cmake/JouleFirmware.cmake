# Firmware build (arm-none-eabi, Cortex-M4F): proves the core is freestanding.
#  1. every core header compiles on its own with the cross compiler;
#  2. a firmware image links with newlib-nano and a post-link check fails on
#     any heap, exception or RTTI symbol; sizes are printed per object;
#  3. the core tests run on an emulated Cortex-M4 (QEMU) through ctest.
enable_testing()

# 1. Self-contained headers.
set(JOULE_HEADER_CHECK_SOURCES)
foreach(h IN LISTS JOULE_CORE_HEADERS)
  string(MAKE_C_IDENTIFIER ${h} id)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/header_check/${id}.cpp)
  file(RELATIVE_PATH rel ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}/${h})
  file(WRITE ${src}.in "#include \"${rel}\"\n#include \"${rel}\"\n")
  configure_file(${src}.in ${src} COPYONLY)
  list(APPEND JOULE_HEADER_CHECK_SOURCES ${src})
endforeach()
add_library(joule_header_check OBJECT ${JOULE_HEADER_CHECK_SOURCES})
target_link_libraries(joule_header_check PRIVATE joule_core)
target_compile_options(joule_header_check PRIVATE -Wall -Wextra -Wpedantic -Werror -Os)
target_compile_options(joule_core PRIVATE -Os)

# 2. The firmware image and its no-heap guard.
set(JOULE_FIRMWARE_IMAGE_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/firmware/image_main.cpp)
if(JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES)
  list(APPEND JOULE_FIRMWARE_IMAGE_SOURCES ${JOULE_FIRMWARE_EXTRA_IMAGE_SOURCES})
endif()
add_executable(joule_firmware_image ${JOULE_FIRMWARE_IMAGE_SOURCES})
target_link_libraries(joule_firmware_image PRIVATE joule_core)
target_compile_options(joule_firmware_image PRIVATE -Wall -Wextra -Werror -Os)
set_target_properties(joule_firmware_image PROPERTIES SUFFIX ".elf")
target_link_options(joule_firmware_image PRIVATE --specs=nano.specs --specs=nosys.specs -Wl,-Map=joule_firmware_image.map)
find_program(JOULE_ARM_SIZE arm-none-eabi-size REQUIRED)
find_program(JOULE_ARM_NM arm-none-eabi-nm REQUIRED)
add_custom_command(TARGET joule_firmware_image POST_BUILD
  COMMAND ${CMAKE_COMMAND} -DNM=${JOULE_ARM_NM} -DSIZE=${JOULE_ARM_SIZE} -DIMAGE=$<TARGET_FILE:joule_firmware_image>
          -DCORE_LIB=$<TARGET_FILE:joule_core> -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/JouleFirmwareCheck.cmake
  VERBATIM)

# 3. Core tests on the emulated Cortex-M4.
file(GLOB JOULE_CORE_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/core/*.cpp)
add_executable(joule_core_tests_m4 ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/target_main.cpp ${JOULE_CORE_TESTS}
               ${JOULE_CORE_TEST_SOURCES})
target_include_directories(joule_core_tests_m4 PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
target_compile_definitions(joule_core_tests_m4 PRIVATE JOULE_TEST_TARGET)
target_compile_options(joule_core_tests_m4 PRIVATE -Wall -Wextra -Os)
target_link_libraries(joule_core_tests_m4 PRIVATE joule_core)
set_target_properties(joule_core_tests_m4 PROPERTIES SUFFIX ".elf")
target_link_options(joule_core_tests_m4 PRIVATE --specs=rdimon.specs
  -Wl,--section-start=.vectors=0 -Wl,--undefined=joule_test_vectors)
if(CMAKE_CROSSCOMPILING_EMULATOR)
  add_test(NAME joule_core_tests_cortex_m4 COMMAND joule_core_tests_m4)
  set_tests_properties(joule_core_tests_cortex_m4 PROPERTIES TIMEOUT 300 PASS_REGULAR_EXPRESSION "0 failed ;")
else()
  message(WARNING "qemu-system-arm not found: core tests will not run on the emulated Cortex-M4")
endif()
