#include "mount/fuse_ops.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "mount/mount_state.h"
#include "mount/page_push.h"
#include "fs/read/bytecode_warm.h"
#include "fs/read/package_libraries.h"
#include "mount/control_channel.h"
#include "mount/reply.h"
#include "mount/stack_control.h"
#include "mount/stats.h"

namespace layerfs {

namespace {

// The tree never changes while mounted, so the kernel may cache entries,
// attributes and misses for as long as it likes.
constexpr double kForever = 365.0 * 24 * 3600;
constexpr unsigned kBlockSize = 4096;

MountState& State(fuse_req_t req) {
  return *static_cast<MountState*>(fuse_req_userdata(req));
}

// A node the kernel names, and what keeps it alive during the request:
// the root is the current stack's, pinned here because a remount may
// retire that stack meanwhile; any other node is kept by the kernel's
// lookup references to it (its stack's holds), which cannot drop to zero
// while the kernel has a request on it.
struct NodeRef {
  std::shared_ptr<const UnionView> pin;
  const UnionNode* node;
  const UnionNode& operator*() const { return *node; }
  const UnionNode* operator->() const { return node; }
};

NodeRef NodeOf(const MountState& state, fuse_ino_t ino) {
  if (ino == FUSE_ROOT_ID) {
    std::shared_ptr<const UnionView> view = state.Current();
    const UnionNode* root = &view->root();
    return {std::move(view), root};
  }
  return {nullptr, reinterpret_cast<const UnionNode*>(ino)};
}

// Each entry handed to the kernel (lookup, readdirplus) is one lookup
// reference on its node's view (UnionView::AddHolds), until the kernel
// forgets it here.
void Unhold(MountState& state, fuse_ino_t ino, uint64_t nlookup) {
  if (ino == FUSE_ROOT_ID) return;  // the root is never counted
  const UnionView& view = reinterpret_cast<const UnionNode*>(ino)->view();
  // The view may be freed by another thread as soon as its count is zero.
  if (view.AddHolds(-int64_t(nlookup)) == 0) state.ReleaseRetired();
}

fuse_ino_t IdOf(const MountState& /*state*/, const UnionNode& node) {
  if (&node == &node.view().root()) return FUSE_ROOT_ID;
  return reinterpret_cast<fuse_ino_t>(&node);
}

struct stat AttrOf(const MountState& state, const UnionNode& node) {
  struct stat st {};
  st.st_ino = node.ino();
  switch (node.type()) {
    case NodeType::kDirectory: st.st_mode = S_IFDIR; break;
    case NodeType::kFile: st.st_mode = S_IFREG; break;
    case NodeType::kSymlink: st.st_mode = S_IFLNK; break;
  }
  st.st_mode |= node.mode();
  st.st_nlink = node.view().LinkCount(node);
  st.st_uid = state.uid;
  st.st_gid = state.gid;
  st.st_size = off_t(node.is_directory() ? kBlockSize : node.size());
  st.st_blksize = kBlockSize;
  st.st_blocks = (st.st_size + 511) / 512;
  st.st_mtim.tv_sec = node.mtime();
  st.st_atim = st.st_mtim;
  st.st_ctim = st.st_mtim;
  return st;
}

fuse_entry_param EntryOf(const MountState& state, const UnionNode& node) {
  fuse_entry_param e{};
  e.ino = IdOf(state, node);
  e.attr = AttrOf(state, node);
  e.attr_timeout = kForever;
  e.entry_timeout = kForever;
  return e;
}

// Runs a handler body; an exception that escapes it becomes a logged EIO.
template <typename Body>
void Guard(fuse_req_t req, const char* op, Body&& body) noexcept {
  try {
    body();
  } catch (const std::exception& e) {
    spdlog::error("{}: unexpected failure: {}", op, e.what());
    fuse_reply_err(req, EIO);
  } catch (...) {
    spdlog::error("{}: unexpected failure", op);
    fuse_reply_err(req, EIO);
  }
}

// ReplyError, counted in the mount's errors by kind.
void ReplyCountedError(MountState& state, fuse_req_t req, const char* op, const Status& status) {
  state.counters.CountError(status.code());
  ReplyError(req, op, status);
}

// Replies to a getxattr for `value`: its size when asked for the size.
void ReplyXattrValue(fuse_req_t req, size_t size, const std::string& value) {
  if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (size < value.size()) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
}

void Init(void* userdata, fuse_conn_info* conn) noexcept {
  MountState& state = *static_cast<MountState*>(userdata);
  // Zero-message opens: the kernel stops sending open/release (and
  // opendir/releasedir) once we answer ENOSYS, and then keeps page cache
  // and directory listings by default. It halves the requests of reading
  // a tree of small files (bench: read every file, warm).
  state.zero_message_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) && !state.access_log;
  state.zero_message_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0;
  // Let the kernel cache symlink targets and do readdirplus always.
  if (conn->capable & FUSE_CAP_CACHE_SYMLINKS) conn->want |= FUSE_CAP_CACHE_SYMLINKS;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  if (conn->capable & FUSE_CAP_PARALLEL_DIROPS) conn->want |= FUSE_CAP_PARALLEL_DIROPS;
  if (conn->capable & FUSE_CAP_ASYNC_READ) conn->want |= FUSE_CAP_ASYNC_READ;
  conn->max_readahead = conn->max_readahead ? conn->max_readahead : (1u << 20);
}

void Lookup(fuse_req_t req, fuse_ino_t parent, const char* name) noexcept {
  Guard(req, "lookup", [&] {
    MountState& state = State(req);
    state.counters.lookups.fetch_add(1, std::memory_order_relaxed);
    NodeRef ref = NodeOf(state, parent);
    const UnionNode& dir = *ref;
    if (!dir.is_directory()) {
      fuse_reply_err(req, ENOTDIR);
      return;
    }
    const UnionNode* child = dir.view().Lookup(dir, name);
    if (child == nullptr) {
      // A negative entry with a timeout: the kernel remembers the miss.
      state.counters.negative_lookups.fetch_add(1, std::memory_order_relaxed);
      // At the root, misses are not cached: a remount may add the name,
      // and only the root's own entries are invalidated then.
      fuse_entry_param e{};
      e.entry_timeout = parent == FUSE_ROOT_ID ? 0 : kForever;
      fuse_reply_entry(req, &e);
      return;
    }
    fuse_entry_param e = EntryOf(state, *child);
    child->view().AddHolds(1);  // before the reply: a forget may follow at once
    if (fuse_reply_entry(req, &e) != 0) child->view().AddHolds(-1);  // never delivered
  });
}

void Forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) noexcept {
  Unhold(State(req), ino, nlookup);
  fuse_reply_none(req);
}

void ForgetMulti(fuse_req_t req, size_t count, fuse_forget_data* forgets) noexcept {
  for (size_t i = 0; i < count; ++i) Unhold(State(req), forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void GetAttr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) noexcept {
  Guard(req, "getattr", [&] {
    MountState& state = State(req);
    struct stat st = AttrOf(state, *NodeOf(state, ino));
    fuse_reply_attr(req, &st, kForever);
  });
}

void ReadLink(fuse_req_t req, fuse_ino_t ino) noexcept {
  Guard(req, "readlink", [&] {
    MountState& state = State(req);
    NodeRef ref = NodeOf(state, ino);
    const UnionNode& node = *ref;
    Result<std::string> target = node.view().ReadLink(node);
    if (!target.ok()) {
      ReplyCountedError(state, req, "readlink", target.status());
      return;
    }
    fuse_reply_readlink(req, target->c_str());
  });
}

void OpenDir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) noexcept {
  Guard(req, "opendir", [&] {
    MountState& state = State(req);
    if (!NodeOf(state, ino)->is_directory()) {
      fuse_reply_err(req, ENOTDIR);
      return;
    }
    if (state.zero_message_opendir) {
      fuse_reply_err(req, ENOSYS);  // this and every later opendir: no message
      return;
    }
    fi->cache_readdir = 1;  // listings never change: let the kernel keep them
    fi->keep_cache = 1;
    fuse_reply_open(req, fi);
  });
}

// Serves both readdir and readdirplus. Offsets: 0 ".", 1 "..", k+2 child k.
void ReadDirCommon(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, bool plus) {
  MountState& state = State(req);
  NodeRef ref = NodeOf(state, ino);
  const UnionNode& dir = *ref;
  std::span<const UnionNode> kids = dir.view().Children(dir);
  std::vector<char> buf(size);
  size_t used = 0;
  int64_t held = 0;  // readdirplus entries sent, each a lookup reference
  for (off_t i = offset; i < off_t(kids.size()) + 2; ++i) {
    const UnionNode& node = i == 0 ? dir : i == 1 ? (dir.parent() ? *dir.parent() : dir)
                                              : kids[size_t(i - 2)];
    const char* name = nullptr;
    std::string child_name;
    if (i == 0) {
      name = ".";
    } else if (i == 1) {
      name = "..";
    } else {
      child_name = std::string(node.name());
      name = child_name.c_str();
    }
    size_t added;
    if (plus) {
      fuse_entry_param e = EntryOf(state, node);
      added = fuse_add_direntry_plus(req, buf.data() + used, size - used, name, &e, i + 1);
    } else {
      struct stat st = AttrOf(state, node);
      added = fuse_add_direntry(req, buf.data() + used, size - used, name, &st, i + 1);
    }
    if (added > size - used) break;
    used += added;
    // The kernel takes a lookup reference for each entry but "." and "..".
    if (plus && i >= 2) ++held;
  }
  if (held > 0) dir.view().AddHolds(held);  // before the reply, as in Lookup
  if (fuse_reply_buf(req, buf.data(), used) != 0 && held > 0) {
    dir.view().AddHolds(-held);
  } else if (held > 0 && state.pusher != nullptr) {
    state.pusher->Listed(dir);
  }
}

void ReadDir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) noexcept {
  Guard(req, "readdir", [&] { ReadDirCommon(req, ino, size, off, false); });
}

void ReadDirPlus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                 fuse_file_info*) noexcept {
  Guard(req, "readdirplus", [&] { ReadDirCommon(req, ino, size, off, true); });
}

void Open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) noexcept {
  Guard(req, "open", [&] {
    MountState& state = State(req);
    if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
      fuse_reply_err(req, EROFS);
      return;
    }
    NodeRef ref = NodeOf(state, ino);
    const UnionNode& node = *ref;
    if (node.is_directory()) {
      fuse_reply_err(req, EISDIR);
      return;
    }
    if (state.zero_message_open) {
      fuse_reply_err(req, ENOSYS);  // this and every later open: no message
      return;
    }
    if (state.access_log) {
      state.access_log->RecordOpen(node.view(), node,
                                   std::chrono::steady_clock::now() - state.mounted_steady);
    }
    // Reads find their reader by node (ReaderPool), not by handle.
    fi->fh = 0;
    fi->keep_cache = 1;  // contents never change: page cache survives close
    fuse_reply_open(req, fi);
  });
}

// The work ahead of readers that a file's first read (or push) starts:
// its siblings' pushes, its package's libraries, its __pycache__'s modules.
void AfterFirstRead(MountState& state, const std::shared_ptr<const UnionView>& current,
                    const UnionNode& node) {
  if (state.pusher != nullptr) state.pusher->AfterFirstRead(current, node);
  if (state.package_libraries != nullptr) state.package_libraries->AfterFirstRead(current, node);
  if (state.bytecode_warm != nullptr) state.bytecode_warm->AfterFirstRead(current, node);
}

void Read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info*) noexcept {
  Guard(req, "read", [&] {
    MountState& state = State(req);
    state.counters.reads.fetch_add(1, std::memory_order_relaxed);
    NodeRef ref = NodeOf(state, ino);
    const UnionNode& node = *ref;
    bool made = false;
    Result<std::shared_ptr<FileReader>> reader =
        state.readers.Get(node.view(), node, state.resources, &made);
    if (made) state.counters.opens.fetch_add(1, std::memory_order_relaxed);
    if (!reader.ok()) {
      state.counters.read_errors.fetch_add(1, std::memory_order_relaxed);
      ReplyCountedError(state, req, "read", reader.status());
      return;
    }
    // Replies from the reader's own bytes where it can (FileReader::ReadSlice).
    Result<FileReader::Slice> got = (*reader)->ReadSlice(uint64_t(offset), size);
    if (!got.ok()) {
      state.counters.read_errors.fetch_add(1, std::memory_order_relaxed);
      ReplyCountedError(state, req, "read", got.status());
      return;
    }
    state.counters.bytes_served.fetch_add(got->bytes.size(), std::memory_order_relaxed);
    fuse_reply_buf(req, got->bytes.data(), got->bytes.size());
    // After the reply, so planning never delays it.
    if (offset == 0 && (state.pusher != nullptr || state.package_libraries != nullptr ||
                        state.bytecode_warm != nullptr)) {
      AfterFirstRead(state, state.Current(), node);
    }
  });
}

// An ioctl of a file: layerfs supports none, and answers ENOTTY as a disk
// file system does to a terminal's ioctl. But isatty() (TCGETS) is asked
// right after an open: Python asks it at each open, its imports' included.
// With zero-message opens this is the first the daemon hears of the open,
// so the file's bytes go to the page cache before the answer, and the
// read that follows stays in the kernel instead of costing the importer
// another round trip. Other ioctls (lsattr's, say) announce no read.
void Ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void*, fuse_file_info*, unsigned,
           const void*, size_t, size_t) noexcept {
  Guard(req, "ioctl", [&] {
    MountState& state = State(req);
    if (cmd == TCGETS && state.pusher != nullptr) {
      NodeRef ref = NodeOf(state, ino);
      std::shared_ptr<const UnionView> current = state.Current();
      if (state.pusher->PushOpened(current, *ref)) AfterFirstRead(state, current, *ref);
    }
    fuse_reply_err(req, ENOTTY);
  });
}

// Nothing to free: readers belong to the pool, not to handles.
void Release(fuse_req_t req, fuse_ino_t, fuse_file_info*) noexcept { fuse_reply_err(req, 0); }

void StatFs(fuse_req_t req, fuse_ino_t) noexcept {
  Guard(req, "statfs", [&] {
    MountState& state = State(req);
    struct statvfs st {};
    st.f_bsize = kBlockSize;
    st.f_frsize = kBlockSize;
    std::shared_ptr<const UnionView> pinned = state.Current();
    const UnionView& view = *pinned;
    st.f_blocks = (view.total_file_bytes() + kBlockSize - 1) / kBlockSize;
    st.f_files = view.file_count();
    st.f_namemax = 255;  // overlayfs and /usr/bin/env break on a wrong value
    st.f_flag = ST_RDONLY | ST_NOSUID | ST_NODEV;
    fuse_reply_statfs(req, &st);
  });
}

void GetXattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) noexcept {
  Guard(req, "getxattr", [&] {
    MountState& state = State(req);
    if (ino == FUSE_ROOT_ID && std::strcmp(name, kStatsXattr) == 0) {
      ReplyXattrValue(req, size, StatsJson(state));
      return;
    }
    if (ino == FUSE_ROOT_ID && std::strcmp(name, kControlXattr) == 0 &&
        !state.control_socket.empty()) {
      ReplyXattrValue(req, size, state.control_socket);
      return;
    }
    if (std::strcmp(name, kLayerXattr) != 0) {
      fuse_reply_err(req, ENODATA);
      return;
    }
    NodeRef ref = NodeOf(state, ino);
    const UnionNode& node = *ref;
    ReplyXattrValue(req, size, node.view().SourceLayer(node).path());
  });
}

void ListXattr(fuse_req_t req, fuse_ino_t ino, size_t size) noexcept {
  Guard(req, "listxattr", [&] {
    // NUL-terminated names; the root also has the mount's stats.
    std::string names(kLayerXattr, sizeof(kLayerXattr));
    if (ino == FUSE_ROOT_ID) names.append(kStatsXattr, sizeof(kStatsXattr));
    if (ino == FUSE_ROOT_ID && !State(req).control_socket.empty()) {
      names.append(kControlXattr, sizeof(kControlXattr));
    }
    ReplyXattrValue(req, size, names);
  });
}

// Every request that would change the tree: the mount is read-only.
void Erofs(fuse_req_t req) noexcept { fuse_reply_err(req, EROFS); }

fuse_lowlevel_ops MakeOperations() {
  fuse_lowlevel_ops ops{};
  ops.init = Init;
  ops.lookup = Lookup;
  ops.forget = Forget;
  ops.forget_multi = ForgetMulti;
  ops.getattr = GetAttr;
  ops.readlink = ReadLink;
  ops.opendir = OpenDir;
  ops.readdir = ReadDir;
  ops.readdirplus = ReadDirPlus;
  ops.open = Open;
  ops.read = Read;
  ops.ioctl = Ioctl;
  ops.release = Release;
  ops.statfs = StatFs;
  ops.getxattr = GetXattr;
  ops.listxattr = ListXattr;
  ops.setattr = [](fuse_req_t r, fuse_ino_t, struct stat*, int, fuse_file_info*) { Erofs(r); };
  ops.mknod = [](fuse_req_t r, fuse_ino_t, const char*, mode_t, dev_t) { Erofs(r); };
  ops.mkdir = [](fuse_req_t r, fuse_ino_t, const char*, mode_t) { Erofs(r); };
  ops.unlink = [](fuse_req_t r, fuse_ino_t, const char*) { Erofs(r); };
  ops.rmdir = [](fuse_req_t r, fuse_ino_t, const char*) { Erofs(r); };
  ops.symlink = [](fuse_req_t r, const char*, fuse_ino_t, const char*) { Erofs(r); };
  ops.rename = [](fuse_req_t r, fuse_ino_t, const char*, fuse_ino_t, const char*,
                  unsigned) { Erofs(r); };
  ops.link = [](fuse_req_t r, fuse_ino_t, fuse_ino_t, const char*) { Erofs(r); };
  ops.write = [](fuse_req_t r, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) {
    Erofs(r);
  };
  ops.create = [](fuse_req_t r, fuse_ino_t, const char*, mode_t, fuse_file_info*) { Erofs(r); };
  ops.setxattr = [](fuse_req_t r, fuse_ino_t, const char*, const char*, size_t, int) {
    Erofs(r);
  };
  ops.removexattr = [](fuse_req_t r, fuse_ino_t, const char*) { Erofs(r); };
  ops.fallocate = [](fuse_req_t r, fuse_ino_t, int, off_t, off_t, fuse_file_info*) {
    Erofs(r);
  };
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& LayerfsOperations() {
  static const fuse_lowlevel_ops kOps = MakeOperations();
  return kOps;
}

}  // namespace layerfs
