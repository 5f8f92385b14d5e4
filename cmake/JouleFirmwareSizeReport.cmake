# `make firmware` size report of the decoder images (tests/firmware/decoders) and the
# firmware example. For each image: flash = text + data (initial values live in flash)
# minus the embedded test frames (.joule_testdata); RAM = data + bss minus the stack
# reserve; stack = the painted-stack high-water mark measured by running the image on
# QEMU (when QEMU is given). A decoder's cost is its image minus the bare board image
# (joule_fw_dec_base: startup, UART console, C library bits): its code, its tables, the
# core parts it pulls in (CRC, Decimal, OBIS, units, AES) and its hook's buffers.
# Fails when the issue-3 decoders together exceed BUDGET bytes of flash.
# IMAGES and QEMU come as "|"-separated lists (they pass through a command line).
string(REPLACE "|" ";" IMAGES "${IMAGES}")
string(REPLACE "|" ";" QEMU "${QEMU}")

function(image_sizes elf out_flash out_ram out_stack_reserve)
  execute_process(COMMAND ${SIZE} -B -d ${elf} OUTPUT_VARIABLE berkeley RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "arm-none-eabi-size failed on ${elf}")
  endif()
  string(REGEX MATCH "\n[ \t]*([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)" m "${berkeley}")
  set(text ${CMAKE_MATCH_1})
  set(data ${CMAKE_MATCH_2})
  set(bss ${CMAKE_MATCH_3})
  execute_process(COMMAND ${SIZE} -A -d ${elf} OUTPUT_VARIABLE sysv)
  set(testdata 0)
  set(stack 0)
  if(sysv MATCHES "\n\\.joule_testdata[ \t]+([0-9]+)")
    set(testdata ${CMAKE_MATCH_1})
  endif()
  if(sysv MATCHES "\n\\.stack[ \t]+([0-9]+)")
    set(stack ${CMAKE_MATCH_1})
  endif()
  math(EXPR flash "${text} + ${data} - ${testdata}")
  math(EXPR ram "${data} + ${bss} - ${stack}")
  set(${out_flash} ${flash} PARENT_SCOPE)
  set(${out_ram} ${ram} PARENT_SCOPE)
  set(${out_stack_reserve} ${stack} PARENT_SCOPE)
  set(last_testdata ${testdata} PARENT_SCOPE)
  set(last_berkeley "text ${text} data ${data} bss ${bss}" PARENT_SCOPE)
endfunction()

# Flash (code and constants) that input objects matching `pattern` contribute to an
# image, from its linker map.
function(objects_flash elf pattern out)
  get_filename_component(dir ${elf} DIRECTORY)
  get_filename_component(name ${elf} NAME_WE)
  set(total 0)
  if(EXISTS ${dir}/${name}.map)
    file(READ ${dir}/${name}.map map)
    string(FIND "${map}" "Linker script and memory map" at)
    string(SUBSTRING "${map}" ${at} -1 map)
    string(REGEX MATCHALL "\n (\\.(text|rodata)[^ \n]*)[ \n\t]+0x[0-9a-f]+[ \t]+0x[0-9a-f]+[ \t]+[^\n]*${pattern}"
           hits "${map}")
    foreach(h IN LISTS hits)
      string(REGEX MATCH "0x[0-9a-f]+[ \t]+(0x[0-9a-f]+)[ \t]+[^\n]*$" m "${h}")
      math(EXPR total "${total} + ${CMAKE_MATCH_1}")
    endforeach()
  endif()
  set(${out} ${total} PARENT_SCOPE)
endfunction()

# Flash of the test hooks themselves (tests/firmware/decoders/dec_*.cpp: frame feeding,
# checks, printing).
function(hook_flash elf out)
  objects_flash(${elf} "/dec_[a-z0-9_]+[.]cpp[.]obj" total)
  set(${out} ${total} PARENT_SCOPE)
endfunction()

function(measured_stack elf out)
  set(${out} "-" PARENT_SCOPE)
  if(NOT QEMU)
    return()
  endif()
  execute_process(COMMAND ${QEMU} ${elf} OUTPUT_VARIABLE o RESULT_VARIABLE rc TIMEOUT 30)
  if(o MATCHES "stack: peak use ([0-9]+)")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  endif()
endfunction()

function(pad s width out)
  string(LENGTH "${s}" n)
  set(r "${s}")
  while(n LESS width)
    string(PREPEND r " ")
    math(EXPR n "${n} + 1")
  endwhile()
  set(${out} "${r}" PARENT_SCOPE)
endfunction()

function(kib bytes out)
  math(EXPR tenths "(${bytes} * 10 + 512) / 1024")
  math(EXPR whole "${tenths} / 10")
  math(EXPR frac "${tenths} % 10")
  set(${out} "${whole}.${frac}" PARENT_SCOPE)
endfunction()

set(labels_dsmr "DSMR P1 + encrypted P1 (AES-GCM)")
set(labels_iec62056_21 "IEC 62056-21 (+ mode C session)")
set(labels_sml "SML 1.04")
set(labels_dlms "DLMS/COSEM (HDLC, AES-GCM)")
set(labels_mbus "M-Bus (wired)")
set(labels_wmbus "wireless M-Bus (OMS, AES-CBC)")
set(labels_modbus "Modbus RTU/TCP")
set(labels_sunspec "SunSpec (112 models)")
set(labels_issue3 "issue 3 set: DSMR+D0+SML+DLMS")
set(labels_issue4 "issue 4 set: M-Bus+wM-Bus+Modbus+SunSpec")
set(labels_all "all meter decoders")

set(base_flash 0)
set(base_ram 0)
set(rows "")
set(line "----------------------------------------------------------------------------------------------------------")
foreach(elf IN LISTS IMAGES)
  get_filename_component(name ${elf} NAME_WE)
  string(REPLACE "joule_fw_dec_" "" key ${name})
  image_sizes(${elf} flash ram stack_reserve)
  measured_stack(${elf} stack)
  hook_flash(${elf} hook)
  if(key STREQUAL "base")
    set(base_flash ${flash})
    set(base_ram ${ram})
    set(label "bare image (startup, UART, libc)")
    set(dflash "-")
    set(dram "-")
    set(hook "-")
  else()
    set(label "${labels_${key}}")
    math(EXPR dflash "${flash} - ${base_flash} - ${hook}")
    math(EXPR dram "${ram} - ${base_ram}")
    set(flash_${key} ${dflash})
  endif()
  if(key STREQUAL "issue3")
    set(issue3_flash ${dflash})
  endif()
  pad("${dflash}" 9 c1)
  if(NOT dflash STREQUAL "-")
    kib(${dflash} k)
    pad("${k}" 6 c1k)
  else()
    pad("-" 6 c1k)
  endif()
  pad("${hook}" 7 c1h)
  pad("${dram}" 8 c2)
  pad("${flash}" 8 c3)
  pad("${ram}" 8 c4)
  pad("${stack}" 7 c5)
  string(LENGTH "${label}" n)
  set(l "${label}")
  while(n LESS 42)
    string(APPEND l " ")
    math(EXPR n "${n} + 1")
  endwhile()
  string(APPEND rows "${l}${c1} ${c1k}${c1h}${c2}${c3}${c4}${c5}\n")
endforeach()

set(ex "")
if(EXAMPLE)
  image_sizes(${EXAMPLE} ex_flash ex_ram ex_stack_reserve)
  set(ex_testdata ${last_testdata})
  set(ex_berkeley ${last_berkeley})
  objects_flash(${EXAMPLE} "[(]rt_controller[.]cpp[.]obj" ex_rt)
  objects_flash(${EXAMPLE} "[(](dsmr|obis_text|decimal|obis|units|civil|crc)[.]cpp[.]obj" ex_p1)
  objects_flash(${EXAMPLE} "libgcc[.]a[^\n]*" ex_gcc)

  measured_stack(${EXAMPLE} ex_stack)
  set(static_stack "")
  if(PYTHON AND OBJDUMP)
    execute_process(COMMAND ${PYTHON} ${CMAKE_CURRENT_LIST_DIR}/joule_fw_stack.py ${OBJDUMP} ${EXAMPLE}
                    --root main --isr joule_uart_rx_isr OUTPUT_VARIABLE static_stack)
    string(STRIP "${static_stack}" static_stack)
    string(REPLACE "\n" "\n  " static_stack "  ${static_stack}\n")
  endif()
  set(ex "\nexamples/firmware (P1 over UART -> battery controller; ${ex_testdata} B of embedded telegrams not counted):
  arm-none-eabi-size: ${ex_berkeley} (text includes the telegrams, bss the stack reserve)
  flash ${ex_flash} B, RAM ${ex_ram} B static + ${ex_stack_reserve} B stack reserve; peak stack measured on QEMU ${ex_stack} B
  of the flash: real-time battery controller (rt_controller.cpp) ${ex_rt} B, DSMR P1 decoder with its core parts
  ${ex_p1} B, libgcc (soft double, 64-bit division) ${ex_gcc} B
${static_stack}")
endif()

kib(${BUDGET} budget_kib)
kib(${issue3_flash} issue3_kib)
message(STATUS "Cortex-M4 code size of the meter decoders (arm-none-eabi-g++ 12, -Os, Thumb-2, hard-float, newlib-nano, --gc-sections)
${line}
                                            decoder flash   test   RAM B   image   image  stack
decoder                                           B    KiB  hook B  (buffers) flash B RAM B  peak B
${line}
${rows}${line}
decoder flash = its image minus the bare image minus the test hook's own code (dec_*.cpp: feeding
frames, checks, printing: column test hook B): the decoder's code and tables, the core parts it uses (CRC,
Decimal, OBIS, units, AES) and the libgcc/libc routines they need. Test frames are excluded.
RAM = the hook's frame, scratch and reading buffers (sized by the application, not the library).
Sets count shared core code once, so they are less than the sum of their members.${ex}
issue-3 decoders together: ${issue3_flash} B = ${issue3_kib} KiB of flash (budget ${budget_kib} KiB)")
if(issue3_flash GREATER BUDGET)
  message(FATAL_ERROR "the issue-3 meter decoders need ${issue3_flash} bytes of flash, over the budget of ${BUDGET}")
endif()
