# Runs a firmware image on QEMU (ctest): fails on a non-zero exit (the image's
# semihosting exit status) and, when EXPECTED is given, on any difference between
# the console output and that file (lines starting with "stack:" are not compared:
# the measured stack depth follows the compiler).
set(qemu ${QEMU})  # a list: program and options
execute_process(COMMAND ${qemu} ${IMAGE} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 50)
message("${out}")
if(err)
  message("stderr: ${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "firmware image exited with status ${rc}")
endif()
if(EXPECTED)
  file(READ ${EXPECTED} want)
  string(REGEX REPLACE "\r" "" got "${out}")
  string(REGEX REPLACE "(^|\n)stack:[^\n]*" "\\1stack:" got "${got}")
  string(REGEX REPLACE "(^|\n)stack:[^\n]*" "\\1stack:" want "${want}")
  if(NOT got STREQUAL want)
    file(WRITE ${IMAGE}.out.txt "${got}")
    message(FATAL_ERROR "console output differs from ${EXPECTED}\n(got: ${IMAGE}.out.txt; diff it)")
  endif()
  message("console output matches ${EXPECTED}")
endif()
