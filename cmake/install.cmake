include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/neo DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS neo_login neo_mock_gateway EXPORT neo_login_targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(NEO_BUILD_TOOLS)
  install(TARGETS neo-login neo-mock-gateway RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT neo_login_targets NAMESPACE neo:: FILE neo_login_targets.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neo_login)
configure_package_config_file(cmake/neo_login-config.cmake.in
  ${PROJECT_BINARY_DIR}/neo_login-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neo_login)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/neo_login-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/neo_login-config.cmake ${PROJECT_BINARY_DIR}/neo_login-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/neo_login)

# pkg-config files, relocatable (the prefix is found from the .pc file's own place), for builds
# without CMake. Boost ships no .pc files, so its include and library directories are written out
# unless they are the compiler's defaults.
file(RELATIVE_PATH NEO_PC_PREFIX_FROM_PCDIR "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
set(NEO_PC_BOOST_CFLAGS "")
foreach(dir IN LISTS Boost_INCLUDE_DIRS)
  if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND NEO_PC_BOOST_CFLAGS " -I${dir}")
  endif()
endforeach()
set(neo_boost_json_dir "")
foreach(prop IMPORTED_LOCATION_RELEASE IMPORTED_LOCATION_NONE IMPORTED_LOCATION)
  get_target_property(loc Boost::json ${prop})
  if(loc AND NOT neo_boost_json_dir)
    get_filename_component(neo_boost_json_dir "${loc}" DIRECTORY)
  endif()
endforeach()
set(NEO_PC_BOOST_LIBS "-lboost_json")
if(neo_boost_json_dir AND NOT neo_boost_json_dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  set(NEO_PC_BOOST_LIBS "-L${neo_boost_json_dir} -lboost_json")
endif()
foreach(pc neo_login neo_mock_gateway)
  configure_file(cmake/pkgconfig/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
