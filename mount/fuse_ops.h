// The FUSE low-level operations of layerfs: a thin adapter from requests
// to fs/UnionView and fs/FileReader.
//
// Node ids are the addresses of UnionNodes (FUSE_ROOT_ID stands for the
// root of the current stack). Every entry given to the kernel is a hold on
// its node's stack and every forget releases it, so a stack replaced by a
// remount is freed only when the kernel can no longer name its nodes.
// Files open without a request (zero-message open) unless --access-log
// needs to see opens; reads find their reader in MountState's pool. Every
// handler is noexcept, ends in exactly one fuse_reply_* (forgets: none),
// and turns any escaping exception into a logged EIO.
#pragma once

#include <fuse_lowlevel.h>

namespace layerfs {

// The table to pass to fuse_session_new, with a MountState as userdata.
const fuse_lowlevel_ops& LayerfsOperations();

// The extended attribute naming the layer that provides an entry.
inline constexpr char kLayerXattr[] = "user.layerfs.layer";

}  // namespace layerfs
