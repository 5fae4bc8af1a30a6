# How the libraries are built: nothing here reaches a program that links them.
# - Asio and Beast: header-only, as a program uses them by default. A program that compiles them
#   itself (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION) links a library
#   built with NEO_ASIO_SEPARATE_COMPILATION / NEO_BEAST_SEPARATE_COMPILATION ON, which then holds
#   none of their bodies and uses the program's (neo/detail/link_check.hpp: a mismatch fails the
#   program's link, naming the option). The definitions stay private to the library's targets.
# - Shared (BUILD_SHARED_LIBS=ON): a versioned SONAME; of the library's own code only what the
#   public headers declare is exported (hidden visibility by default; the headers mark what they
#   declare visible). What Boost marks visible itself stays visible: Asio's process-wide state must
#   be one copy shared with the host (README "Static or shared").
# - Static: the same hidden default, so a static archive linked into a user's shared object adds
#   nothing to that object's exports; position-independent, so it can be linked into one.
option(NEO_ASIO_SEPARATE_COMPILATION "The program compiles Asio and Asio's SSL itself (BOOST_ASIO_SEPARATE_COMPILATION)" OFF)
option(NEO_BEAST_SEPARATE_COMPILATION "The program compiles Beast itself (BOOST_BEAST_SEPARATE_COMPILATION)" OFF)
set(neo_separate_compilation
  $<$<BOOL:${NEO_ASIO_SEPARATE_COMPILATION}>:BOOST_ASIO_SEPARATE_COMPILATION>
  $<$<BOOL:${NEO_BEAST_SEPARATE_COMPILATION}>:BOOST_BEAST_SEPARATE_COMPILATION>)

function(neo_library_properties target)
  target_compile_definitions(${target} PRIVATE ${neo_separate_compilation})
  set_target_properties(${target} PROPERTIES
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    # No <target>_EXPORTS definition: nothing uses it, and without it a static and a shared build
    # compile the same commands (the consumer tests' rebuilds then hit ccache).
    DEFINE_SYMBOL "")
  # A function defined without a declaration seen first is either private (then it belongs in an
  # unnamed namespace) or public API whose header the file forgot (then a shared build would not
  # export it).
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wmissing-declarations>
    $<$<CXX_COMPILER_ID:Clang>:-Wmissing-prototypes>)
  # A name that hides another (a member, an outer variable) in the library or its public headers.
  target_compile_options(${target} PRIVATE -Wshadow)
  if(BUILD_SHARED_LIBS AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT NEO_ASIO_SEPARATE_COMPILATION
     AND NOT NEO_BEAST_SEPARATE_COMPILATION)
    # A library that forgets a dependency fails here, not in the user's link. (With separate
    # compilation, Asio's or Beast's bodies come from the program, by design.)
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--as-needed)
  endif()
endfunction()

# A program of this project (tools, tests, examples, the bench) built the way the libraries are:
# with separate compilation on, it compiles Asio's and Beast's bodies itself, as the user's
# program does (src/tools/compiled_asio.cpp).
function(neo_program target)
  if(NEO_ASIO_SEPARATE_COMPILATION OR NEO_BEAST_SEPARATE_COMPILATION)
    if(NOT TARGET neo_compiled_asio)
      add_library(neo_compiled_asio OBJECT ${PROJECT_SOURCE_DIR}/src/tools/compiled_asio.cpp)
      target_link_libraries(neo_compiled_asio PRIVATE Boost::headers OpenSSL::SSL)
      target_compile_definitions(neo_compiled_asio PRIVATE ${neo_separate_compilation})
      target_compile_definitions(neo_compiled_asio PRIVATE
        $<$<BOOL:${NEO_ASIO_SEPARATE_COMPILATION}>:NEO_COMPILE_ASIO>
        $<$<BOOL:${NEO_BEAST_SEPARATE_COMPILATION}>:NEO_COMPILE_BEAST>)
    endif()
    target_compile_definitions(${target} PRIVATE ${neo_separate_compilation})
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:neo_compiled_asio>)
  endif()
endfunction()
