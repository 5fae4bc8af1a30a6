# The warnings every target of this project builds clean with, on GCC and Clang alike.
# NEO_WERROR (CI sets it) turns them into errors. Private to this project's own targets.
option(NEO_WERROR "Treat warnings as errors" OFF)
function(neo_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<BOOL:${NEO_WERROR}>:-Werror>)
  endif()
endfunction()
