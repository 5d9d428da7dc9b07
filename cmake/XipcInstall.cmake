# Installs the library, its headers and a package config so that
# find_package(xipc) followed by target_link_libraries(app xipc::xipc) works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(xipc_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/xipc")

install(TARGETS xipc EXPORT xipc-targets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/xipc" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT xipc-targets NAMESPACE xipc:: DESTINATION "${xipc_cmake_dir}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/xipcConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/xipcConfig.cmake" INSTALL_DESTINATION "${xipc_cmake_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/xipcConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/xipcConfig.cmake" "${PROJECT_BINARY_DIR}/xipcConfigVersion.cmake"
  DESTINATION "${xipc_cmake_dir}")
