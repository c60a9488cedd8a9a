// Mount flags as the kernel recorded them: the check, made before a mount
// is reported ready, that the kernel mounted it ro, nosuid and nodev
// whatever options reached it.
//
// It reads /proc/self/mountinfo rather than calling statvfs() on the
// mountpoint: statvfs on a FUSE mount is a request to this very daemon,
// whose answer (file and byte totals) walks and merges the whole union,
// and would hold "ready" back for as long.
//
// Plain functions; callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include "fs/base/status.h"

namespace layerfs {

// Checks the topmost mount at `mountpoint` (an absolute, canonical path)
// in `mountinfo` (the text of /proc/self/mountinfo) has the per-mount
// options ro, nosuid and nodev. kNotFound when nothing is mounted there.
Status CheckMountFlagsIn(std::string_view mountinfo, const std::string& mountpoint);

// The same against this process's /proc/self/mountinfo; `mountpoint` may
// be relative or hold symlinks.
Status CheckMountFlags(const std::string& mountpoint);

}  // namespace layerfs
