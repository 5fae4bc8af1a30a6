# Builds and runs the consumer engines (test/consumer) one way a user would. Called by ctest:
#   cmake -DMODE=... -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX=... -P run.cmake
# MODE:
#   installed     install BUILD_DIR (the project's own build) into a prefix; find_package and
#                 pkg-config builds against it, with the compiler CXX (which may differ from the
#                 library's)
#   shared        build the library with BUILD_SHARED_LIBS=ON, check its SONAME and exports, install
#                 it; find_package and pkg-config builds against it
#   subdirectory  add_subdirectory(SOURCE_DIR) from the consumer project
#   fetchcontent  FetchContent from SOURCE_DIR as a local path
#   own_asio      the engine that compiles Asio and Beast itself: against the project's own
#                 (header-only) build its link must fail, naming the option that fixes it; against
#                 the library built with NEO_ASIO_SEPARATE_COMPILATION and
#                 NEO_BEAST_SEPARATE_COMPILATION ON (static, like the project's build) it links and
#                 logs in
cmake_minimum_required(VERSION 3.20)
foreach(v MODE SOURCE_DIR WORK_DIR GENERATOR CXX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run.cmake: ${v} is not set")
  endif()
endforeach()
set(consumer_src ${SOURCE_DIR}/test/consumer)
# The nested builds use the project build's compiler launcher (ccache) and warning policy, so a
# library rebuilt from source with the same flags is mostly a cache hit.
set(nested -DCMAKE_CXX_COMPILER=${CXX})
if(LAUNCHER)
  list(APPEND nested -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
if(WERROR)
  list(APPEND nested -DNEO_WERROR=ON)
endif()
file(REMOVE_RECURSE ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc)
    message(FATAL_ERROR "consumer: failed (${rc}): ${ARGN}\n${out}")
  endif()
  message(STATUS "consumer: ok: ${ARGN}")
endfunction()

# Configures, builds and runs the consumer project with the extra cache settings in ARGN.
function(consumer_build dir engines)
  string(REPLACE ";" "," engine_list "${engines}")  # a list would not survive run()'s arguments
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${dir} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      ${nested} -DNEO_CONSUMER_ENGINES=${engine_list} ${ARGN})
  set(targets)
  foreach(e IN LISTS engines)
    list(APPEND targets --target ${e})
  endforeach()
  run(${CMAKE_COMMAND} --build ${dir} ${targets})
  foreach(e IN LISTS engines)
    run(${dir}/${e})
  endforeach()
endfunction()

# Builds an engine with nothing but `c++ $(pkg-config --cflags --libs neo_mock_gateway)` and runs it.
function(pkg_config_build prefix libdir)
  find_program(PKG_CONFIG pkg-config REQUIRED)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/${libdir}/pkgconfig)
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs neo_mock_gateway RESULT_VARIABLE rc
                  OUTPUT_VARIABLE flags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc)
    message(FATAL_ERROR "consumer: pkg-config failed: ${err}")
  endif()
  message(STATUS "consumer: pkg-config --cflags --libs neo_mock_gateway: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  # Not -Werror here: GCC 12 at -O2 reports a false -Wmismatched-new-delete inside Asio's own
  # coroutine frame allocator for any awaitable code (the CMake builds hold the engines to -Werror).
  run(${CXX} -std=c++20 -O2 -Wall -Wextra -Wpedantic ${consumer_src}/deprecated_asio.cpp ${flags}
      -Wl,-rpath,${prefix}/${libdir} -o ${WORK_DIR}/pkg_config_engine)
  run(${WORK_DIR}/pkg_config_engine)
endfunction()

# The engines against an installed prefix, through find_package and through pkg-config. (The
# engine that compiles Asio itself needs a static library built for it, MODE own_asio; a shared
# library built header-only serves it as it is.)
function(installed_build prefix engines)
  consumer_build(${WORK_DIR}/build "${engines}" -DCMAKE_PREFIX_PATH=${prefix})
  pkg_config_build(${prefix} lib)
endfunction()

if(MODE STREQUAL "installed")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  installed_build(${WORK_DIR}/prefix "deprecated_asio;websocket")
elseif(MODE STREQUAL "shared")
  # The library alone, shared, with the consumer's compiler.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      ${nested} -DBUILD_SHARED_LIBS=ON -DNEO_BUILD_TESTS=OFF -DNEO_BUILD_EXAMPLES=OFF
      -DNEO_BUILD_TOOLS=OFF -DCMAKE_INSTALL_LIBDIR=lib)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/lib)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib --prefix ${WORK_DIR}/prefix)
  foreach(lib neo_login neo_mock_gateway)
    set(so ${WORK_DIR}/prefix/lib/lib${lib}.so)
    execute_process(COMMAND objdump -p ${so} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
    if(rc OR NOT dyn MATCHES "SONAME +lib${lib}\\.so\\.0\\.1")
      message(FATAL_ERROR "consumer: ${so} has no SONAME lib${lib}.so.0.1:\n${dyn}")
    endif()
    # What is exported: neo's API (what the public headers declare) and what Boost and the standard
    # library mark visible themselves, none of the library's own internals and none of Beast.
    # Asio's process-wide state (the call stack of the running io_context, service ids) must stay
    # shared with the host: a library with its own hidden copy crashes in the host's
    # io_context::run (scheduler::compensating_work_started finds no thread info).
    execute_process(COMMAND nm -D -C --defined-only ${so} OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
    string(REPLACE "\n" ";" syms "${syms}")
    set(bad)
    set(api 0)
    foreach(line IN LISTS syms)
      if(line MATCHES "boost::beast::|boost::json::[a-z_:]*[(]|neo::detail::(client_impl|manager_impl|step_args|op_state|connection|tls_socket)::|neo::mock::[a-z_]+::impl::")
        list(APPEND bad "${line}")
      elseif(line MATCHES " neo::(client::client|error_category|session_manager::invalidate|mock::gateway::port)[(]")
        math(EXPR api "${api} + 1")
      endif()
    endforeach()
    list(LENGTH bad n)
    if(rc OR n GREATER 0 OR api EQUAL 0)
      list(SUBLIST bad 0 8 some)
      string(REPLACE ";" "\n" some "${some}")
      message(FATAL_ERROR "consumer: ${so}: ${api} API symbols found, ${n} exported that must not be, e.g.:\n${some}")
    endif()
    string(REGEX MATCHALL "[^;]* neo::[^;]*" neo_syms "${syms}")
    list(LENGTH neo_syms n)
    message(STATUS "consumer: ${so}: SONAME lib${lib}.so.0.1, ${n} neo symbols exported, no internals")
  endforeach()
  installed_build(${WORK_DIR}/prefix "deprecated_asio;own_asio;websocket")
elseif(MODE STREQUAL "own_asio")
  # One prefix for both builds, so that the engine's own files compile once (ccache).
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  run(${CMAKE_COMMAND} -S ${consumer_src} -B ${WORK_DIR}/refused -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      ${nested} -DNEO_CONSUMER_ENGINES=own_asio -DCMAKE_PREFIX_PATH=${prefix})
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/refused --target own_asio
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  set(fix "neo_login_built_with_NEO_ASIO_SEPARATE_COMPILATION_ON_and_NEO_BEAST_SEPARATE_COMPILATION_ON_is_needed")
  if(NOT rc OR NOT out MATCHES "undefined reference to[^\n]*\n?[^\n]*${fix}")
    message(FATAL_ERROR "consumer: the engine that compiles Asio itself linked a header-only neo-login, or "
                        "its link failed for another reason than the named option (${rc}):\n${out}")
  endif()
  message(STATUS "consumer: ok: a header-only neo-login refuses the engine's link, naming ${fix}")
  # The library for it (static, as the project's build): no Asio or Beast bodies of its own.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      ${nested} -DNEO_ASIO_SEPARATE_COMPILATION=ON -DNEO_BEAST_SEPARATE_COMPILATION=ON -DNEO_BUILD_TESTS=OFF
      -DNEO_BUILD_EXAMPLES=OFF -DNEO_BUILD_TOOLS=OFF -DCMAKE_INSTALL_LIBDIR=lib)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/lib)
  foreach(lib neo_login neo_mock_gateway)
    # Nothing of Asio's or Beast's compiled bodies inside: the program's copy is the only one.
    execute_process(COMMAND nm -C --defined-only ${WORK_DIR}/lib/lib${lib}.a OUTPUT_VARIABLE syms RESULT_VARIABLE rc)
    if(rc OR syms MATCHES "boost::asio::error::get_misc_category|boost::beast::http::make_error_code")
      message(FATAL_ERROR "consumer: lib${lib}.a built for a program's own Asio defines Asio's or Beast's bodies")
    endif()
  endforeach()
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib --prefix ${prefix})
  consumer_build(${WORK_DIR}/build "own_asio" -DCMAKE_PREFIX_PATH=${prefix})
elseif(MODE STREQUAL "subdirectory" OR MODE STREQUAL "fetchcontent")
  consumer_build(${WORK_DIR}/build "websocket" -DNEO_CONSUMER_MODE=${MODE} -DNEO_SOURCE_DIR=${SOURCE_DIR})
else()
  message(FATAL_ERROR "run.cmake: unknown MODE ${MODE}")
endif()
