# Firmware build (arm-none-eabi, Cortex-M4F): proves the core is freestanding.
#  1. every core header compiles on its own with the cross compiler;
#  2. a firmware image links with newlib-nano and a post-link check fails on
#     any heap, exception or RTTI symbol; sizes are printed per object;
#  3. the core tests run on an emulated Cortex-M4 (QEMU) through ctest.
enable_testing()
set(CMAKE_POSITION_INDEPENDENT_CODE OFF)  # see joule_core below

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
# Bare-metal code is linked at fixed addresses: the project-wide -fPIC would route every
# access through a GOT and put const tables holding pointers (string tables, the SunSpec
# model definitions) into .data.rel.ro, i.e. RAM. Without it they stay in flash (.rodata).
set_target_properties(joule_core joule_header_check PROPERTIES POSITION_INDEPENDENT_CODE OFF)

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

# 4. Bare-metal images on the board support of examples/firmware/board (own startup,
#    linker script with a real MCU's memory map, console UART): the firmware example
#    and the per-decoder size images. Each gets the no-heap check; with RUN it also
#    runs on QEMU (output compared with EXPECTED when given, else with PASS_REGEX).
set(JOULE_FW_BOARD_DIR ${CMAKE_CURRENT_SOURCE_DIR}/examples/firmware/board)
set(JOULE_FW_CMAKE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/cmake)
find_program(JOULE_PYTHON3 NAMES python3)
set(JOULE_FW_IMAGES "" CACHE INTERNAL "")
# joule_fw_image(name SOURCES ... [INCLUDES ...] [RUN] [EXPECTED file] [PASS_REGEX re])
function(joule_fw_image name)
  cmake_parse_arguments(A "RUN" "EXPECTED;PASS_REGEX" "SOURCES;INCLUDES" ${ARGN})
  add_executable(${name} ${A_SOURCES} ${JOULE_FW_BOARD_DIR}/board.cpp)
  target_include_directories(${name} PRIVATE ${JOULE_FW_BOARD_DIR} ${A_INCLUDES})
  target_link_libraries(${name} PRIVATE joule_core)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Werror -Os -fstack-usage)
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${JOULE_FW_BOARD_DIR}/mps2_an386.ld)
  target_link_options(${name} PRIVATE -nostartfiles --specs=nano.specs --specs=nosys.specs
    -T${JOULE_FW_BOARD_DIR}/mps2_an386.ld -Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map -Wl,--print-memory-usage)
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DNM=${JOULE_ARM_NM} -DSIZE=${JOULE_ARM_SIZE} -DIMAGE=$<TARGET_FILE:${name}> -DQUIET=ON
            -P ${JOULE_FW_CMAKE_DIR}/JouleFirmwareCheck.cmake
    VERBATIM)
  set(JOULE_FW_IMAGES ${JOULE_FW_IMAGES} ${name} CACHE INTERNAL "")
  if(A_RUN AND CMAKE_CROSSCOMPILING_EMULATOR)
    add_test(NAME ${name}_qemu COMMAND ${CMAKE_COMMAND} "-DQEMU=${CMAKE_CROSSCOMPILING_EMULATOR}"
             -DIMAGE=$<TARGET_FILE:${name}> -DEXPECTED=${A_EXPECTED}
             -P ${JOULE_FW_CMAKE_DIR}/JouleFirmwareRun.cmake)
    set_tests_properties(${name}_qemu PROPERTIES TIMEOUT 60 LABELS firmware)
    if(A_PASS_REGEX)
      set_tests_properties(${name}_qemu PROPERTIES PASS_REGULAR_EXPRESSION "${A_PASS_REGEX}")
    endif()
  endif()
endfunction()

# joule_fw_embed(header SYMBOL name FILES f... [HEXTEXT] [TESTDATA]): a header with the bytes
# of the files, concatenated, as `inline constexpr std::uint8_t name[]`, plus `name_ends[]`,
# the end offset of each file. HEXTEXT: the files hold hex digits (whitespace ignored).
# TESTDATA: the bytes go to the section .joule_testdata, which the size report leaves out
# of a decoder's flash (they are its test input, not its code).
function(joule_fw_embed header)
  cmake_parse_arguments(A "HEXTEXT;TESTDATA" "SYMBOL" "FILES" ${ARGN})
  set(attr "inline constexpr")
  if(A_TESTDATA)
    set(attr "[[gnu::section(\".joule_testdata\")]] static constexpr")
  endif()
  set(bytes "")
  set(ends "")
  set(total 0)
  foreach(f IN LISTS A_FILES)
    if(A_HEXTEXT)
      file(READ ${f} hex)
      string(REGEX REPLACE "[^0-9a-fA-F]" "" hex "${hex}")
    else()
      file(READ ${f} hex HEX)
    endif()
    string(LENGTH "${hex}" n)
    math(EXPR total "${total} + ${n} / 2")
    string(REGEX REPLACE "([0-9a-fA-F][0-9a-fA-F])" "0x\\1," hex "${hex}")
    string(APPEND bytes "${hex}\n")
    string(APPEND ends "${total},")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
  endforeach()
  file(CONFIGURE OUTPUT ${header} CONTENT "// Generated by joule_fw_embed (cmake/JouleFirmware.cmake) from the test data.
#pragma once
#include <cstddef>
#include <cstdint>
${attr} std::uint8_t ${A_SYMBOL}[] = {
${bytes}};
inline constexpr std::size_t ${A_SYMBOL}_ends[] = {${ends}};
" @ONLY)
endfunction()

add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/examples/firmware ${CMAKE_CURRENT_BINARY_DIR}/examples/firmware)
add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/tests/firmware/decoders ${CMAKE_CURRENT_BINARY_DIR}/tests/firmware/decoders)
