# Run a command and check its exit code exactly (CTest's WILL_FAIL only knows "non-zero").
#
#   cmake -DEXPECTED_EXIT=<n>
#         [-DEXPECTED_FILE=<path>]          # must exist and be non-empty afterwards (removed first)
#         [-DEXPECTED_STDERR=<regex>]       # must match the command's stderr
#         -P ExpectExit.cmake -- <command> [args...]
#
# The command's stdout and stderr are echoed so they appear in the CTest log.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED EXPECTED_EXIT)
  message(FATAL_ERROR "ExpectExit.cmake: -DEXPECTED_EXIT=<n> is required")
endif()

set(command)
set(seen_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 0 ${last})
  if(seen_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(seen_separator TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "ExpectExit.cmake: no command given after --")
endif()

if(DEFINED EXPECTED_FILE)
  file(REMOVE "${EXPECTED_FILE}")
endif()

execute_process(COMMAND ${command}
                RESULT_VARIABLE result
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
string(JOIN " " shown ${command})
message(STATUS "command: ${shown}")
if(NOT out STREQUAL "")
  message(STATUS "stdout:\n${out}")
endif()
if(NOT err STREQUAL "")
  message(STATUS "stderr:\n${err}")
endif()

set(failures)
# RESULT_VARIABLE holds the exit code, or a text such as "Child killed" for a signal death.
if(NOT result STREQUAL "${EXPECTED_EXIT}")
  list(APPEND failures "exit status was '${result}', expected ${EXPECTED_EXIT}")
endif()
if(DEFINED EXPECTED_STDERR AND NOT err MATCHES "${EXPECTED_STDERR}")
  list(APPEND failures "stderr does not match '${EXPECTED_STDERR}'")
endif()
if(DEFINED EXPECTED_FILE)
  if(NOT EXISTS "${EXPECTED_FILE}")
    list(APPEND failures "'${EXPECTED_FILE}' was not written")
  else()
    file(SIZE "${EXPECTED_FILE}" size)
    if(size EQUAL 0)
      list(APPEND failures "'${EXPECTED_FILE}' is empty")
    endif()
  endif()
endif()

if(failures)
  string(JOIN "\n  " text ${failures})
  message(FATAL_ERROR "FAILED:\n  ${text}")
endif()
message(STATUS "OK: exit ${result}")
