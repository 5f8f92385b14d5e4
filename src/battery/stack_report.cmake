# Prints the worst-case stack use of the real-time controller from GCC's
# -fstack-usage output (.su files; all entries are "static": no VLAs/alloca).
# The deepest call chain is RtController::step -> fcr_power_kw -> std::clamp.
file(GLOB su_files "${DIR}/*.su")
set(total 0)
foreach(f IN LISTS su_files)
  file(STRINGS "${f}" lines)
  foreach(l IN LISTS lines)
    if(l MATCHES "::(step|fcr_power_kw)\\(.*\t([0-9]+)\t" OR l MATCHES "std::clamp.*\t([0-9]+)\t")
      string(REGEX MATCH "\t([0-9]+)\t" m "${l}")
      set(n ${CMAKE_MATCH_1})
      math(EXPR total "${total} + ${n}")
      message(STATUS "battery rt stack: ${n} bytes  ${l}")
    endif()
  endforeach()
endforeach()
message(STATUS "battery real-time controller worst-case stack (step chain): ${total} bytes")
