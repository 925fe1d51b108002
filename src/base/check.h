#pragma once

// Invariant checks. Never use them on user input, network data or database contents.

#include <cstdio>
#include <cstdlib>

#define CRONIUM_CHECK(cond)                                                         \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

#ifdef NDEBUG
#define CRONIUM_DCHECK(cond) \
  do {                       \
  } while (false && (cond))
#else
#define CRONIUM_DCHECK(cond) CRONIUM_CHECK(cond)
#endif
