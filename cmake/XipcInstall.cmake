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

# What the package config needs to know of the library it describes.
get_target_property(xipc_library_type xipc TYPE)
if(xipc_library_type STREQUAL "SHARED_LIBRARY")
  set(XIPC_SHARED_LIBRARY ON)
else()
  set(XIPC_SHARED_LIBRARY OFF)
endif()
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/xipcConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/xipcConfig.cmake" INSTALL_DESTINATION "${xipc_cmake_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/xipcConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/xipcConfig.cmake" "${PROJECT_BINARY_DIR}/xipcConfigVersion.cmake"
  DESTINATION "${xipc_cmake_dir}")

# pkg-config: xipc.pc beside the CMake package, relocatable (paths from the
# .pc file's own place). A static libxipc needs fmt and the threads library
# at link time; a shared one does not (Libs.private).
file(RELATIVE_PATH XIPC_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" XIPC_PC_TO_PREFIX "${XIPC_PC_TO_PREFIX}")
set(XIPC_PC_LIBS_PRIVATE "-lfmt -pthread")
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  string(APPEND XIPC_PC_LIBS_PRIVATE " -lrt")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/xipc.pc.in" "${PROJECT_BINARY_DIR}/xipc.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/xipc.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# The command-line tool and its manual page.
if(XIPC_BUILD_TOOLS)
  install(TARGETS xipc_tool RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  install(FILES "${PROJECT_SOURCE_DIR}/docs/xipc.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
endif()
