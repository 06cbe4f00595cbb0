# What `cmake --install build --prefix P` puts where (GNUInstallDirs):
#
#   P/bin/dialup, P/bin/dialup-sim, P/bin/dialup-diag    the programs
#   P/share/dialup/modems/*.toml                         the built-in modem profiles
#   P/share/man/man1/dialup.1, dialup-sim.1, dialup-diag.1  the manual pages
#   P/share/bash-completion/completions/dialup           bash completion (dialup-sim too)
#   P/include/dialup/{engine,drivers,hwsim}/...          the public headers, dialup/version.hpp
#   P/lib/libdialup_engine.a, libdialup_drivers.a, libdialup_hwsim.a
#   P/lib/cmake/dialup/dialupConfig.cmake ...            find_package(dialup): dialup::engine,
#                                                        dialup::drivers, dialup::hwsim
#   P/lib/pkgconfig/dialup.pc, dialup-engine.pc          pkg-config --cflags --libs dialup
#
# The libraries are static (BUILD_SHARED_LIBS can still ask for shared ones): their API is
# C++ templates and structs with no ABI promise yet (0.x), so a program is built against
# the exact headers it links with, and no soname has to be kept. Being static, their
# private dependencies (RE2, libserialport, toml++) are still needed when linking a program:
# dialupConfig.cmake finds them with find_dependency / pkg-config, and the .pc files list
# them in Requires.
include(CMakePackageConfigHelpers)

set(DIALUP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/dialup" CACHE STRING
  "where dialupConfig.cmake is installed, relative to the prefix")

# Programs (the test and benchmark programs stay in the build tree).
install(TARGETS dialup dialup-sim dialup-diag RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Libraries, exported as dialup::engine, dialup::drivers, dialup::hwsim.
set_target_properties(dialup_engine PROPERTIES EXPORT_NAME engine)
set_target_properties(dialup_drivers PROPERTIES EXPORT_NAME drivers)
set_target_properties(dialup_hwsim PROPERTIES EXPORT_NAME hwsim)
install(TARGETS dialup_engine dialup_drivers dialup_hwsim dialup_version EXPORT dialupTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/include/dialup
                  ${PROJECT_SOURCE_DIR}/drivers/include/dialup
                  ${PROJECT_SOURCE_DIR}/hw-sim/include/dialup
                  ${PROJECT_BINARY_DIR}/generated/include/dialup
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT dialupTargets NAMESPACE dialup:: FILE dialupTargets.cmake
  DESTINATION ${DIALUP_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/dialupConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dialupConfig.cmake
  INSTALL_DESTINATION ${DIALUP_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dialupConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dialupConfig.cmake ${PROJECT_BINARY_DIR}/dialupConfigVersion.cmake
  DESTINATION ${DIALUP_INSTALL_CMAKEDIR})

# pkg-config. The prefix is found from where the .pc file is (${pcfiledir}, which pkg-config
# and pkgconf both define), so an install with --prefix or DESTDIR, or a moved tree, still
# gives the right paths; an absolute libdir/includedir is kept as it is.
file(RELATIVE_PATH DIALUP_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" DIALUP_PC_TO_PREFIX "${DIALUP_PC_TO_PREFIX}")
set(DIALUP_PC_PREFIX "\${pcfiledir}/${DIALUP_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(DIALUP_PC_LIBDIR_FULL "${CMAKE_INSTALL_LIBDIR}")
  set(DIALUP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  set(DIALUP_PC_LIBDIR_FULL "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(DIALUP_PC_INCLUDEDIR_FULL "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(DIALUP_PC_INCLUDEDIR_FULL "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# Libraries built with a sanitizer (make asan, make tsan) call its runtime, so whatever links
# them must link that runtime too: the flag goes into the exported targets and the .pc Libs.
if(DIALUP_SANITIZER_LINK_FLAGS)
  target_link_options(dialup_engine INTERFACE $<INSTALL_INTERFACE:${DIALUP_SANITIZER_LINK_FLAGS}>)
  list(JOIN DIALUP_SANITIZER_LINK_FLAGS " " DIALUP_PC_SANITIZER_LIBS)
  string(PREPEND DIALUP_PC_SANITIZER_LIBS " ")
endif()
foreach(pc dialup dialup-engine)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# The built-in modem profiles, when the tree has them.
if(EXISTS ${PROJECT_SOURCE_DIR}/data/modems)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/modems/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dialup/modems)
endif()

# Manual pages and bash completion.
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/dialup.1 ${PROJECT_SOURCE_DIR}/docs/man/dialup-sim.1
  ${PROJECT_SOURCE_DIR}/docs/man/dialup-diag.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/tools/completion/dialup.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME dialup)
# bash-completion loads completions/<command> on first use: dialup-sim gets a link to the
# same file (it completes both programs).
install(CODE "
  set(dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions\")
  file(CREATE_LINK dialup \"\${dir}/dialup-sim\" SYMBOLIC)
  message(STATUS \"Installing: \${dir}/dialup-sim -> dialup\")")
