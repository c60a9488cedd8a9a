// Swapping the layer stack of a live mount (`layerfs remount`, SIGHUP).
//
// The new stack is opened completely before anything changes; if any layer
// fails, the old stack keeps serving and the error is returned. Then the
// view is swapped atomically (MountState::Swap) and the kernel is told to
// forget the root's entries and cached listing, so every path walk after
// the swap starts in the new stack. Files already open keep reading the
// old stack's bytes until closed: their nodes and archives stay alive.
// Called from the control thread only, one swap at a time.
#pragma once

#include <fuse_lowlevel.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fs/base/status.h"
#include "fs/source/http_source.h"
#include "mount/mount_state.h"

namespace layerfs {

// `generation` numbers the stack (the first mounted is 0): each gets its
// own range of inode numbers, so old and new never share one. `remote`
// holds the options of each layer, in order (a remote store version's
// renew its URL: fs/lambda/layer_refresh.h).
Status SwapStack(MountState& state, fuse_session* session,
                 const std::vector<std::string>& layers, uint64_t generation,
                 const std::vector<RemoteOptions>& remote);

// The root inode number of a stack generation.
uint64_t RootInoFor(uint64_t generation);

}  // namespace layerfs
