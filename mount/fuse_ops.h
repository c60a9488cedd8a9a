// The FUSE low-level operations of layerfs: a thin adapter from requests
// to fs/UnionView and fs/FileReader.
//
// Node ids are the addresses of UnionNodes (FUSE_ROOT_ID stands for the
// root); the view keeps every node alive until unmount, so forget needs
// no bookkeeping. Every handler is noexcept, ends in exactly one
// fuse_reply_*, and turns any escaping exception into a logged EIO.
#pragma once

#include <fuse_lowlevel.h>

namespace layerfs {

// The table to pass to fuse_session_new, with a MountState as userdata.
const fuse_lowlevel_ops& LayerfsOperations();

// The extended attribute naming the layer that provides an entry.
inline constexpr char kLayerXattr[] = "user.layerfs.layer";

}  // namespace layerfs
