# Installs headers, libraries, the CMake package (find_package(joule CONFIG))
# and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS joule_core joule_static joule_shared EXPORT joule-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/joule DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY bindings/c/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${JOULE_GENERATED_INCLUDE}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET joule_cli)
  install(TARGETS joule_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(JOULE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/joule)
install(EXPORT joule-targets NAMESPACE joule:: DESTINATION ${JOULE_CMAKE_DIR})
configure_package_config_file(cmake/jouleConfig.cmake.in "${CMAKE_CURRENT_BINARY_DIR}/jouleConfig.cmake"
  INSTALL_DESTINATION ${JOULE_CMAKE_DIR})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/jouleConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/jouleConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/jouleConfigVersion.cmake"
  DESTINATION ${JOULE_CMAKE_DIR})

configure_file(cmake/joule.pc.in "${CMAKE_CURRENT_BINARY_DIR}/joule.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/joule.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
