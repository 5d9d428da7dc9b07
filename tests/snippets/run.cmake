# Extracts every documentation snippet (extract.py) and compiles them with
# warnings as errors: a snippet that no longer compiles, or that drops a
# [[nodiscard]] result, fails this test. Variables: PYTHON, CXX, SOURCE_DIR, WORK_DIR.
file(GLOB docs "${SOURCE_DIR}/docs/*.md")
file(GLOB headers "${SOURCE_DIR}/include/xipc/*.hpp")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(
  COMMAND "${PYTHON}" "${SOURCE_DIR}/tests/snippets/extract.py" "${WORK_DIR}/snippets.cpp"
          "${SOURCE_DIR}/README.md" ${docs} ${headers}
  RESULT_VARIABLE extracted)
if(NOT extracted EQUAL 0)
  message(FATAL_ERROR "snippets: extract.py failed")
endif()
# Unused variables are fine in a fragment; everything else -Wall -Wextra -Wpedantic says is not.
execute_process(
  COMMAND "${CXX}" -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -Wno-unused-variable -Wno-unused-but-set-variable
          -I "${SOURCE_DIR}/include" -I "${SOURCE_DIR}/tests/snippets" "${WORK_DIR}/snippets.cpp"
  RESULT_VARIABLE compiled)
if(NOT compiled EQUAL 0)
  message(FATAL_ERROR "snippets: a documentation snippet does not compile (see above)")
endif()
message(STATUS "snippets: ok")
