# How the libraries are built: nothing here reaches a program that links them.
# - Shared (BUILD_SHARED_LIBS=ON): a versioned SONAME; of the library's own code only what the
#   public headers declare is exported (hidden visibility by default; the headers mark what they
#   declare visible). What Boost marks visible itself stays visible: Asio's process-wide state must
#   be one copy shared with the host (README "Static or shared").
# - Static: the same hidden default, so a static archive linked into a user's shared object adds
#   nothing to that object's exports; position-independent, so it can be linked into one.
function(neo_library_properties target)
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
  if(BUILD_SHARED_LIBS AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    # A library that forgets a dependency fails here, not in the user's link.
    target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--as-needed)
  endif()
endfunction()
