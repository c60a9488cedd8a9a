#!/usr/bin/env bash
# Checks the rooms' dependency order (fs/README.md) on every #include of
# the sources: a file may include only its own room and the rooms listed
# below it. Also: fs/ includes no FUSE or spdlog header, only
# fs/zip/archive.cc includes <zip.h>, and mount/cli/ never includes libfuse.
# Run by ctest as RoomsTest.NoRoomIncludesAHigherOne; prints each breach.
#   tests/rooms_test.sh [SOURCE_DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

# room -> the include prefixes it may use (its own first).
declare -A allowed=(
  [fs/base]="fs/base/"
  [fs/source]="fs/source/ fs/base/"
  [fs/zip]="fs/zip/ fs/source/ fs/base/"
  [fs/union]="fs/union/ fs/zip/ fs/source/ fs/base/"
  [fs/read]="fs/read/ fs/union/ fs/zip/ fs/source/ fs/base/"
  [fs/lambda]="fs/lambda/ fs/union/ fs/zip/ fs/source/ fs/base/"
  # What the daemon and the command line share; fs/source/ for the options
  # of remote layers (RemoteOptions, AwsSettings) and what is a URL;
  # fs/lambda/ for resolving a stack as named (stack_request) and an ARN's
  # renewal (remote_options).
  [mount/common]="mount/control_channel.h mount/logging.h mount/mount_options.h
                  mount/remote_options.h mount/stack_request.h fs/base/ fs/source/
                  fs/lambda/"
  # The libfuse adapter and daemon life: everything but the command line.
  [mount]="mount/access_log.h mount/control_channel.h mount/daemon.h mount/fuse_ops.h
           mount/logging.h mount/mount_flags.h mount/mount_options.h mount/mount_state.h
           mount/page_push.h
           mount/readiness.h mount/remote_options.h mount/reply.h mount/stack_control.h
           mount/stack_request.h mount/stack_swap.h mount/stats.h fs/"
  # The command line: fs/ and what it shares with the daemon, never the adapter.
  [mount/cli]="mount/cli/ mount/control_channel.h mount/logging.h mount/mount_options.h
               mount/remote_options.h mount/stack_request.h fs/"
)

room_of() {
  case "$1" in
    mount/main.cc) echo "" ;;  # the one file that knows both mount rooms
    mount/control_channel.* | mount/logging.* | mount/mount_options.h | mount/remote_options.* | \
      mount/stack_request.*)
      echo mount/common ;;
    mount/cli/*) echo mount/cli ;;
    mount/*) echo mount ;;
    fs/*/*) dirname "$1" ;;
    *) echo "?" ;;
  esac
}

breaches=0
breach() { echo "rooms: $1"; breaches=$((breaches + 1)); }

for file in $(find fs mount -name '*.h' -o -name '*.cc' | sort); do
  room=$(room_of "$file")
  [ -n "$room" ] || continue
  if [ "$room" = "?" ]; then breach "$file: in no room (fs/ files live in fs/ROOM/)"; continue; fi
  while IFS= read -r inc; do
    ok=0
    for prefix in ${allowed[$room]}; do
      [[ "$inc" == "$prefix"* ]] && ok=1 && break
    done
    [ "$ok" = 1 ] || breach "$file ($room) includes \"$inc\""
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done

while IFS= read -r hit; do breach "fs/ must not include FUSE or spdlog: $hit"; done \
  < <(grep -rnE '#include *<(fuse|spdlog)' fs || true)
while IFS= read -r hit; do breach "only fs/zip/archive.cc includes <zip.h>: $hit"; done \
  < <(grep -rnE '#include *<zip\.h>' fs | grep -v '^fs/zip/archive\.cc:' || true)
while IFS= read -r hit; do breach "mount/cli/ must not include libfuse: $hit"; done \
  < <(grep -rnE '#include *<fuse' mount/cli || true)

if [ "$breaches" -gt 0 ]; then
  echo "rooms: $breaches breach(es)"
  exit 1
fi
echo "rooms: every include keeps the order"
