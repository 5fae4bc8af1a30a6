function(neo_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
      # GCC 12 warns on designated initializers that leave members defaulted (fixed in GCC 13).
      $<$<CXX_COMPILER_ID:GNU>:-Wno-missing-field-initializers>)
  endif()
endfunction()
