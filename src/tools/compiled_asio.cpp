// The one copy of Asio's, Asio's SSL and Beast's bodies in this project's own programs when the
// libraries are built for a program that compiles them itself (NEO_ASIO_SEPARATE_COMPILATION,
// NEO_BEAST_SEPARATE_COMPILATION; cmake/library.cmake). A user's program has a file like it.
#if defined(NEO_COMPILE_ASIO)
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#endif
#if defined(NEO_COMPILE_BEAST)
#include <boost/beast/src.hpp>
#endif
