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
