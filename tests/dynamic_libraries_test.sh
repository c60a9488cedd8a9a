#!/usr/bin/env bash
# Checks that the `layerfs` executable loads no shared library but libc,
# libm and libisal (Debian ships no libisal.a): each other one costs every
# command 1-2 ms before main() (CMakeLists.txt gives the figures). libzip
# and libcurl are opened on first use, spdlog and fmt are compiled in,
# the rest linked from static archives, libstdc++ and libgcc statically.
# Reads the binary's NEEDED entries with readelf, so a library linked back
# in by a later change fails here with its name.
# Run by ctest as DynamicLibrariesTest.OnlyLibcLibmAndIsal.
#   tests/dynamic_libraries_test.sh LAYERFS_BINARY [sanitized]
# With "sanitized" (LAYERFS_SANITIZE builds), libstdc++, libgcc_s and the
# sanitizers' runtimes are allowed too: they need the shared libstdc++.
set -euo pipefail

binary="$1"
allowed='^(libc\.so\.6|libm\.so\.6|libisal\.so\.2|ld-linux-x86-64\.so\.2)$'
if [ "${2:-}" = sanitized ]; then
  allowed='^(libc\.so\.6|libm\.so\.6|libisal\.so\.2|ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1|lib(asan|tsan|ubsan|lsan)\.so\.[0-9]+)$'
fi

needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p')
if [ -z "$needed" ]; then
  echo "no NEEDED entries read from $binary"
  exit 1
fi
bad=0
while IFS= read -r lib; do
  if [[ "$lib" =~ $allowed ]]; then
    echo "ok: $lib"
  else
    echo "FAIL: $binary needs $lib (only libc, libm and libisal may be loaded at start)"
    bad=1
  fi
done <<< "$needed"
exit "$bad"
