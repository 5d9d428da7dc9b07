# Header-only libraries for cross builds (Windows, macOS): Debian ships fmt
# and Boost built for Linux only, but their headers serve any target. Each
# gets an include directory under the build tree that holds only a link to
# its own directory, so that no other host header comes along.
#
#   xipc_host_headers(<target> <directory> <probe> [<definition>...])
#
# makes the INTERFACE target <target> from /usr/include/<directory>, where
# <probe> (a path under /usr/include) must exist.
function(xipc_host_headers target directory probe)
  if(TARGET ${target})
    return()
  endif()
  find_path(XIPC_HOST_${directory}_INCLUDE ${probe} PATHS /usr/include /usr/local/include
    NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  set(root "${PROJECT_BINARY_DIR}/host-headers/${directory}")
  file(MAKE_DIRECTORY "${root}")
  file(CREATE_LINK "${XIPC_HOST_${directory}_INCLUDE}/${directory}" "${root}/${directory}" SYMBOLIC)
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${root}")
  if(ARGN)
    set_target_properties(${target} PROPERTIES INTERFACE_COMPILE_DEFINITIONS "${ARGN}")
  endif()
endfunction()
