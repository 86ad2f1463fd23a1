/*
 * modern_api.h: how src/modern includes the modern public header
 * (include/libzt-modern/ZeroTierSockets.h, docs/decisions.md "Issue 14").
 *
 * The header's ZTS_API is empty outside Windows (api-modern.md §2: its replacement list is an
 * interface fact), and the library is built with -fvisibility=hidden; so every declaration of
 * the header is given default visibility here, and the functions defined in src/modern keep
 * it.  libzt-modern.so's version script (cmake/libzt-modern.exports) is the second fence.
 * Every src/modern file includes the public header through this one, never directly.
 */
#ifndef ZT_MODERN_MODERN_API_H
#define ZT_MODERN_MODERN_API_H

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif
#include "libzt-modern/ZeroTierSockets.h"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#endif
