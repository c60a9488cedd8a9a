// LAYERFS_SANITIZED_BUILD: defined when this test binary, and so the
// layerfs built beside it, runs under AddressSanitizer or ThreadSanitizer.
// Their shadow memory and quarantine inflate a daemon's RSS several times
// over and slow it down, so memory bounds and load levels are only checked
// in plain builds.
#pragma once

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LAYERFS_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LAYERFS_SANITIZED_BUILD 1
#endif
#endif
