// neo/detail/config.hpp: what the public headers declare is visible outside a shared build.
//
// The library is built with hidden visibility, so that in libneo_login.so only the declarations of
// the public headers are exported, and the library's own copies of Asio, Beast and every other
// inline function stay inside it. Each public header wraps its declarations between
// NEO_VISIBLE_BEGIN and NEO_VISIBLE_END. Nothing here depends on how the user's program is built:
// no macro has to be defined by anyone, and a static build is unaffected.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define NEO_VISIBLE_BEGIN _Pragma("GCC visibility push(default)")
#define NEO_VISIBLE_END _Pragma("GCC visibility pop")
/// On an implementation type the headers only name (client_impl, ...): its members stay private
/// to the library even though the name sits among the visible declarations.
#define NEO_HIDDEN __attribute__((visibility("hidden")))
#else
#define NEO_VISIBLE_BEGIN
#define NEO_VISIBLE_END
#define NEO_HIDDEN
#endif
