# Builds xipc as a shared library on its own, installs it into a fresh
# prefix, and checks what a distribution and its users see: the SONAME, that
# only xipc's own symbols are exported (no fmt::), and that a consumer builds
# and runs both through find_package(xipc) and through pkg-config, without
# fmt. Removes everything again. Variables: SOURCE_DIR, WORK_DIR, CXX, GENERATOR.
file(REMOVE_RECURSE "${WORK_DIR}")

function(step)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    file(REMOVE_RECURSE "${WORK_DIR}")
    message(FATAL_ERROR "shared package: '${ARGV}' failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/xipc" -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}"
     -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DXIPC_BUILD_TESTS=OFF -DXIPC_BUILD_BENCHMARKS=OFF
     -DXIPC_BUILD_EXAMPLES=OFF)
step("${CMAKE_COMMAND}" --build "${WORK_DIR}/xipc")
step("${CMAKE_COMMAND}" --install "${WORK_DIR}/xipc" --prefix "${prefix}")

file(GLOB_RECURSE library "${prefix}/*/libxipc.so.*.*.*")
if(NOT library)
  message(FATAL_ERROR "shared package: no versioned libxipc.so under ${prefix}")
endif()
step(readelf -d "${library}")
if(NOT step_output MATCHES "SONAME[^\n]*libxipc\\.so\\.0\\.1\\]")
  message(FATAL_ERROR "shared package: SONAME is not libxipc.so.0.1:\n${step_output}")
endif()
step(nm -D --defined-only -C "${library}")
string(REGEX MATCHALL "[^\n]*fmt::[^\n]*" leaked "${step_output}")
list(FILTER leaked EXCLUDE REGEX "xipc::")
if(leaked)
  list(LENGTH leaked count)
  message(FATAL_ERROR "shared package: ${count} fmt symbols exported, e.g. ${leaked}")
endif()
if(NOT step_output MATCHES "xipc::shared_memory::create")
  message(FATAL_ERROR "shared package: xipc's own symbols are not exported")
endif()

# find_package, with no fmt to be found: it must not be needed.
step("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/install_consumer" -B "${WORK_DIR}/cmake_consumer" -G "${GENERATOR}"
     "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_COMPILER=${CXX}" -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON)
step("${CMAKE_COMMAND}" --build "${WORK_DIR}/cmake_consumer")
step("${WORK_DIR}/cmake_consumer/consumer")

# pkg-config.
file(GLOB_RECURSE pc_file "${prefix}/*/pkgconfig/xipc.pc")
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
step(pkg-config --cflags --libs xipc)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
step("${CXX}" -std=c++20 "${SOURCE_DIR}/tests/install_consumer/main.cpp" ${flags} -o "${WORK_DIR}/pc_consumer"
     "-Wl,-rpath,${pc_dir}/..")
step("${WORK_DIR}/pc_consumer")
if(NOT step_output MATCHES "consumer: ok")
  message(FATAL_ERROR "shared package: the pkg-config consumer did not run")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
message(STATUS "shared package: ok")
