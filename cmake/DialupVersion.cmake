# The version the programs print (--version) and the installed dialup/version.hpp holds:
# the project version, and what `git describe` says of the checkout when CMake is run
# (nothing when the source is not a git checkout, or git is not installed). It is taken at
# configure time: re-run CMake to refresh it.
set(DIALUP_GIT_DESCRIBE "")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" describe --tags --always --dirty
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    OUTPUT_VARIABLE DIALUP_GIT_DESCRIBE
    OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_QUIET
    RESULT_VARIABLE dialup_git_result
    TIMEOUT 10)
  if(NOT dialup_git_result EQUAL 0)
    set(DIALUP_GIT_DESCRIBE "")
  endif()
endif()
set(DIALUP_VERSION_STRING "${PROJECT_VERSION}")
if(DIALUP_GIT_DESCRIBE)
  string(APPEND DIALUP_VERSION_STRING " (git ${DIALUP_GIT_DESCRIBE})")
endif()

configure_file("${CMAKE_CURRENT_LIST_DIR}/version.hpp.in"
  "${PROJECT_BINARY_DIR}/generated/include/dialup/version.hpp" @ONLY)

# Header-only: #include "dialup/version.hpp".
add_library(dialup_version INTERFACE)
add_library(dialup::version ALIAS dialup_version)
set_target_properties(dialup_version PROPERTIES EXPORT_NAME version)
target_include_directories(dialup_version INTERFACE
  $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/generated/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
