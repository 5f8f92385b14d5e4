# Post-link check of the firmware image: prints sizes and fails if the image
# links the heap, C++ exceptions or RTTI (the freestanding core's contract).
# QUIET: only the check (images whose sizes are reported elsewhere).
if(NOT QUIET)
  execute_process(COMMAND ${SIZE} ${IMAGE} OUTPUT_VARIABLE image_size)
  message(STATUS "firmware image size (bytes):\n${image_size}")
endif()
if(CORE_LIB)
  execute_process(COMMAND ${SIZE} -t ${CORE_LIB} OUTPUT_VARIABLE lib_size)
  message(STATUS "joule_core objects (text = flash code, data+bss = RAM):\n${lib_size}")
endif()
execute_process(COMMAND ${NM} -C ${IMAGE} OUTPUT_VARIABLE symbols)
string(REGEX MATCHALL "[^\n]* (malloc|_malloc_r|_sbrk|_sbrk_r|operator new[^\n]*|operator delete[^\n]*|__cxa_throw|__cxa_allocate_exception|typeinfo for[^\n]*)\n" bad "${symbols}")
if(bad)
  message(FATAL_ERROR "firmware image links forbidden symbols (heap/exceptions/RTTI):\n${bad}\n"
    "Find who pulls them in the map file (joule_firmware_image.map, 'Archive member included ... (symbol)').\n"
    "Common cause: a checked standard call (std::string_view::substr/at, std::array::at,\n"
    "std::optional::value, std::variant get) links std::__throw_* -> abort -> raise -> malloc.\n"
    "Use unchecked access after an explicit bounds check instead.")
endif()
get_filename_component(image_name ${IMAGE} NAME)
message(STATUS "${image_name}: no-heap check passed: no malloc, _sbrk, operator new/delete, __cxa_throw or typeinfo")
