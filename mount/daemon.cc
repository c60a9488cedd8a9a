#include "mount/daemon.h"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "fs/lambda/stack_resolver.h"
#include "fs/read/library_prefetch.h"
#include "fs/read/bytecode_warm.h"
#include "fs/read/package_libraries.h"
#include "mount/page_push.h"
#include "fs/union/union_view.h"
#include "mount/fuse_ops.h"
#include "mount/logging.h"
#include "mount/mount_flags.h"
#include "mount/mount_state.h"
#include "mount/readiness.h"
#include "mount/remote_options.h"
#include "mount/stack_control.h"
#include "mount/stack_request.h"
#include "mount/stack_swap.h"

namespace layerfs {

namespace {

struct SessionDestroy {
  void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};
struct LoopConfigDestroy {
  void operator()(fuse_loop_config* c) const { fuse_loop_cfg_destroy(c); }
};

// fuse_args with its storage; freed with fuse_opt_free_args.
class FuseArgs {
 public:
  explicit FuseArgs(const std::vector<std::string>& argv) {
    for (const std::string& a : argv) fuse_opt_add_arg(&args_, a.c_str());
  }
  ~FuseArgs() { fuse_opt_free_args(&args_); }
  FuseArgs(const FuseArgs&) = delete;
  FuseArgs& operator=(const FuseArgs&) = delete;
  fuse_args* get() { return &args_; }

 private:
  fuse_args args_ = FUSE_ARGS_INIT(0, nullptr);
};

// Runs `fusermount3 -u[z] -- MOUNTPOINT` with an argument vector: no shell
// ever sees the mountpoint, whatever characters it holds. Returns its exit
// status, or -1 when it cannot run.
int RunFusermount(const std::string& mountpoint, bool lazy, bool quiet) {
  std::vector<std::string> words = {"fusermount3", lazy ? "-uz" : "-u", "--", mountpoint};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, "fusermount3", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Detaches a mount whose daemon died ("Transport endpoint is not
// connected"). Root can do it directly; others go through fusermount3.
bool DetachStaleMount(const std::string& mountpoint) {
  if (::geteuid() == 0) return ::umount2(mountpoint.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0;
  return RunFusermount(mountpoint, /*lazy=*/true, /*quiet=*/true) == 0;
}

Status CheckMountpoint(const std::string& mountpoint) {
  // statfs, not stat, probes for a dead daemon: the kernel answers stat of
  // a FUSE root from its attribute cache (ours never expires) even after
  // the daemon died, but always sends statfs to the daemon.
  struct statvfs vfs;
  if (::statvfs(mountpoint.c_str(), &vfs) != 0 && errno == ENOTCONN) {
    spdlog::warn("mountpoint {}: stale mount of a dead daemon, detaching it", mountpoint);
    if (!DetachStaleMount(mountpoint)) {
      return Status::IoError("mountpoint " + mountpoint + ": cannot detach stale mount");
    }
  }
  struct stat st;
  if (::stat(mountpoint.c_str(), &st) != 0) {
    return Status::NotFound("mountpoint " + mountpoint + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::NotADirectory("mountpoint " + mountpoint + ": not a directory");
  }
  return Status::Ok();
}

// fuse_opt splits options at commas; a backslash keeps one in a value.
std::string EscapeOptionValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> FuseArgv(const MountOptions& options) {
  std::string fsname = options.source.empty() ? "layerfs" : EscapeOptionValue(options.source);
  std::string opts = "fsname=" + fsname + ",subtype=layerfs";
  if (::geteuid() == 0) opts += ",allow_other";
  for (const std::string& o : options.fuse_options) opts += "," + o;
  // Last, so that no option before can undo them (Serve checks the result).
  opts += ",ro,nosuid,nodev,default_permissions";
  std::vector<std::string> argv = {"layerfs", "-o", opts};
  if (options.fuse_debug) argv.push_back("-d");
  return argv;
}

void LogIndexWarnings(const UnionView& view) {
  for (size_t i = 0; i < view.layer_count(); ++i) {
    const Layer& layer = view.layer(uint32_t(i));
    for (const IndexWarning& w : layer.index().warnings()) {
      spdlog::warn("{}: entry {}: {}", layer.path(), w.entry, w.reason);
    }
  }
}

// Forks: the parent waits for the child's verdict on the pipe and exits
// with it; the child returns the write end and goes on. Returns -1 in the
// parent after it has its answer (exit code in *parent_exit).
int Daemonize(UniqueFd& child_pipe, int* parent_exit) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -2;
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return -2;
  if (pid > 0) {
    write_end.Reset();
    std::string message;
    char buf[512];
    // "ready" is the whole verdict: stop there, not at the pipe's end,
    // which waits for the daemon thread that wrote it to be scheduled again
    // to close it (milliseconds of a mount's 50 on this VM). A failure is
    // read to the end: its message may span lines.
    for (ssize_t n; message != "ready\n" && (n = ::read(read_end.get(), buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      message.append(buf, size_t(n));
    }
    if (message == "ready\n") {
      *parent_exit = 0;
    } else {
      std::fprintf(stderr, "layerfs: %s", message.empty() ? "daemon exited before the mount was ready\n"
                                                        : message.c_str());
      *parent_exit = 1;
    }
    return -1;
  }
  ::setsid();
  child_pipe = std::move(write_end);
  return 0;
}

void RedirectStdio() {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null.valid()) return;
  ::dup2(null.get(), STDIN_FILENO);
  ::dup2(null.get(), STDOUT_FILENO);
  ::dup2(null.get(), STDERR_FILENO);
}

// The remount/SIGHUP listener. A remount names a new stack as the user
// did (mount/stack_request.h); SIGHUP re-reads the one serving: the same
// zips, ARNs resolved again (a fresh Content.Location from the store or
// Lambda), or the function configuration resolved again. Either way each
// layer is resolved as `layerfs mount` does and opened with the daemon's
// one RemoteContext, so a layer version known by its ARN keeps renewing its
// URL and its CodeSha256/CodeSize checks, and every stack shares one block
// budget. A listener that cannot start costs only remounts, so the mount
// goes on without it.
std::unique_ptr<StackControl> StartControl(const MountOptions& options, MountState& state,
                                           fuse_session* session,
                                           std::shared_ptr<RemoteContext> remote) {
  auto current = std::make_shared<StackRequest>(StackRequest{
      .layers = options.layers,
      .function_config = options.function_config,
      .store_dir = options.store_dir});
  auto generation = std::make_shared<uint64_t>(0);
  auto reload = [&options, &state, session, remote, current,
                 generation](const StackRequest& requested) -> Status {
    StackRequest next = requested.empty() ? *current : requested;
    // A remount that names no store resolves through the mount's.
    if (next.store_dir.empty()) next.store_dir = options.store_dir;
    Result<ResolvedStack> resolved = ResolveStackRequest(next, options.aws);
    if (!resolved.ok()) return resolved.status();
    for (const std::string& w : ResolutionWarnings(*resolved)) spdlog::warn("{}", w);
    Status s = SwapStack(state, session, resolved->zips, *generation + 1,
                         remote->ForStack(*resolved, next.store_dir));
    if (!s.ok()) return s;
    ++*generation;
    *current = std::move(next);
    return Status::Ok();
  };
  Result<std::unique_ptr<StackControl>> control = StackControl::Start(reload);
  if (!control.ok()) {
    spdlog::warn("remount disabled: {}", control.status().message());
    return nullptr;
  }
  state.control_socket = (*control)->socket_path();
  return std::move(*control);
}

// Stats the mountpoint: that blocks until the kernel's INIT and a GETATTR
// have been answered by the session loop, so "ready" means serving. Then
// checks the mount's flags, and tells the parent. False when the mount
// failed (the session is told to exit).
bool AnnounceReady(const MountOptions& options, fuse_session* se, Readiness& readiness) {
  struct stat st;
  if (::stat(options.mountpoint.c_str(), &st) != 0) {
    readiness.Failed("mountpoint " + options.mountpoint + ": mount does not answer");
    return false;
  }
  if (Status s = CheckMountFlags(options.mountpoint); !s.ok()) {
    readiness.Failed(s.message());
    fuse_session_exit(se);
    struct statvfs wake;  // statfs always reaches the loop, which then sees the exit
    ::statvfs(options.mountpoint.c_str(), &wake);
    return false;
  }
  readiness.Ready();
  if (!options.foreground) RedirectStdio();
  return true;
}

// Serves until unmounted or signalled.
int Serve(const MountOptions& options, MountState& state, Readiness& readiness,
          std::shared_ptr<RemoteContext> remote) {
  FuseArgs args(FuseArgv(options));
  std::unique_ptr<fuse_session, SessionDestroy> se(fuse_session_new(
      args.get(), &LayerfsOperations(), sizeof(fuse_lowlevel_ops), &state));
  if (!se) {
    readiness.Failed("invalid mount options: " + [&] {
      std::string all;
      for (const auto& o : options.fuse_options) all += (all.empty() ? "" : ",") + o;
      return all;
    }());
    return 1;
  }
  if (fuse_set_signal_handlers(se.get()) != 0) {
    readiness.Failed("cannot install signal handlers");
    return 1;
  }
  if (fuse_session_mount(se.get(), options.mountpoint.c_str()) != 0) {
    fuse_remove_signal_handlers(se.get());
    readiness.Failed("mountpoint " + options.mountpoint + ": mount failed (see log)");
    return 1;
  }
  spdlog::info("mounted {} layers on {}", state.Current()->layer_count(), options.mountpoint);
  // Only the control thread takes SIGHUP: block it before any thread starts.
  StackControl::BlockSighup();
  std::unique_ptr<StackControl> control = StartControl(options, state, se.get(), std::move(remote));
  // One thread says "ready" once the mount answers, then merges the whole
  // union in the background, at low priority, so first looks (a cold
  // find, an import's stats) find listings ready instead of merging them
  // on the request path. Merging only after "ready" keeps it off the two
  // cores while the mount comes up. Remounted stacks merge lazily.
  std::atomic<bool> stop_merging{false};
  std::thread after_mount([&] {
    if (!AnnounceReady(options, se.get(), readiness)) return;
    // The parse's scratch memory (the index builders', the directory
    // windows') was freed into the heaps, which keep it resident: give it
    // back, or it stays in the daemon's RSS for its whole life.
    ::malloc_trim(0);
    ::setpriority(PRIO_PROCESS, ::gettid(), 10);
    std::shared_ptr<const UnionView> view = state.Current();  // pinned while it runs
    view->MergeAll(stop_merging);
    if (!options.prefetch_libraries) return;
    PrefetchSummary queued = PrefetchLibraries(*view, state.resources, stop_merging);
    if (queued.entries > 0) {
      spdlog::info("prefetch: {} shared libraries ({} bytes) queued for the spill",
                   queued.entries, queued.bytes);
    }
  });
  // Declared after the session: destroyed (stopped) before it goes.
  std::unique_ptr<PagePusher> pusher;
  if (options.push_siblings) {
    pusher = std::make_unique<PagePusher>(state, se.get(), SiblingPrefetch::Options{},
                                          state.resources.whole_entry_limit());
    state.pusher = pusher.get();
  }
  std::unique_ptr<PackageLibraries> package_libraries;
  if (options.prefetch_libraries) {
    PackageLibraries::Options libraries;
    libraries.bytes = state.resources.cache().capacity() / 2;
    libraries.max_library_size = state.resources.whole_entry_limit();
    package_libraries =
        std::make_unique<PackageLibraries>(state.readers, state.resources, libraries);
    state.package_libraries = package_libraries.get();
  }
  std::unique_ptr<BytecodeWarm> bytecode_warm;
  if (options.prefetch_libraries) {
    BytecodeWarm::Options modules;
    modules.bytes = std::min(modules.bytes, state.resources.cache().capacity() / 8);
    bytecode_warm = std::make_unique<BytecodeWarm>(state.readers, state.resources, modules);
    state.bytecode_warm = bytecode_warm.get();
  }
  std::unique_ptr<fuse_loop_config, LoopConfigDestroy> config(fuse_loop_cfg_create());
  fuse_loop_cfg_set_max_threads(config.get(), 16);
  fuse_loop_cfg_set_clone_fd(config.get(), 1);
  int rc = fuse_session_loop_mt(se.get(), config.get());
  stop_merging = true;
  state.pusher = nullptr;  // no handler runs any more
  state.package_libraries = nullptr;
  state.bytecode_warm = nullptr;
  pusher.reset();
  package_libraries.reset();
  bytecode_warm.reset();
  control.reset();  // no swap may start while the session goes away
  readiness.Stopping();
  fuse_session_unmount(se.get());
  after_mount.join();  // a stat still waiting for the loop returns with the unmount
  fuse_remove_signal_handlers(se.get());
  spdlog::info("unmounted {}", options.mountpoint);
  // A signal ends the loop with the signal number (>= 0): a clean stop.
  return rc >= 0 ? 0 : 1;
}

// glibc gives each busy thread its own heap (up to 8 per core), and each
// keeps the freed blocks of a burst of reads: with 16 FUSE workers that
// was 20 MiB of peak RSS beyond the cache on the bench stack. Two heaps,
// and buffers of 1 MiB or more (whole decompressed entries) mapped and
// unmapped on their own, keep the daemon near its cache bound (measured:
// 100 -> 80 MiB peak reading the bench stack with the 64 MiB cache).
// Must run before any thread starts.
void BoundMallocHeaps() {
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

// The spill as asked for, or its defaults: the workers one per core (a
// 2-core machine inflates two large entries at once), at most four.
SpillOptions MakeSpillOptions(const MountOptions& options) {
  SpillOptions spill;
  spill.dir = options.spill_dir.empty() ? DefaultSpillDir() : options.spill_dir;
  spill.capacity = options.spill_size.value_or(DefaultSpillSize(spill.dir));
  spill.workers = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  spill.log = [](const std::string& line) { spdlog::warn("{}", line); };
  spdlog::info("spill: {} bytes in {}", spill.capacity, spill.dir);
  return spill;
}

}  // namespace

int RunMount(const MountOptions& options, const StackOpener& open_layers,
             std::shared_ptr<RemoteContext> remote) {
  BoundMallocHeaps();
  // Fork first, then open: the parse runs in the process that keeps its
  // result. Opened in the parent, the stack's pages were shared with the
  // daemon after the fork, the daemon's first writes to each copied it,
  // and the fork and the parent's exit both walked all of them (3 ms of a
  // 35 ms mount on this VM).
  UniqueFd parent_pipe;
  if (!options.foreground) {
    int parent_exit = 1;
    int forked = Daemonize(parent_pipe, &parent_exit);
    if (forked == -1) {
      std::fflush(nullptr);
      std::_Exit(parent_exit);
    }
    if (forked == -2) {
      std::fprintf(stderr, "layerfs: cannot fork: %s\n", std::strerror(errno));
      return 1;
    }
  }
  Readiness readiness(std::move(parent_pipe), options.ready_fd);
  // Until "ready" a failure is the user's to read: the waiting parent
  // prints what Failed() says; a foreground mount prints it itself.
  auto fail = [&](const std::string& message) {
    if (options.foreground) std::fprintf(stderr, "layerfs: %s\n", message.c_str());
    readiness.Failed(message);
    return 1;
  };
  Result<LayerStack> layers = open_layers();
  if (!layers.ok()) return fail(layers.status().message() + "; nothing mounted");
  if (Status s = CheckMountpoint(options.mountpoint); !s.ok()) return fail(s.message());
  auto view = std::make_unique<UnionView>(std::move(*layers));
  LogIndexWarnings(*view);  // still on the user's stderr
  std::unique_ptr<AccessLog> access_log;
  if (!options.access_log.empty()) {
    Result<std::unique_ptr<AccessLog>> opened = AccessLog::Open(options.access_log);
    if (!opened.ok()) return fail(opened.status().message());
    access_log = std::move(*opened);
  }
  if (!options.foreground) {
    LogTarget target = options.log_file.empty() ? LogTarget::kSyslog : LogTarget::kFile;
    if (Status s = SetupLogging(options.log_level, target, options.log_file); !s.ok()) {
      return fail(s.message());
    }
  }
  MountState state(std::move(view), options.cache_size, options.uid.value_or(0),
                   options.gid.value_or(0), MakeSpillOptions(options));
  state.access_log = std::move(access_log);
  return Serve(options, state, readiness, std::move(remote));
}

int RunUnmount(const std::string& mountpoint, bool lazy) {
  int rc;
  if (::geteuid() == 0) {
    rc = ::umount2(mountpoint.c_str(), (lazy ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW);
    if (rc != 0) {
      int err = errno;
      if (err == EBUSY) {
        std::fprintf(stderr, "layerfs: %s: busy: files are open (use --lazy to detach)\n",
                     mountpoint.c_str());
      } else {
        std::fprintf(stderr, "layerfs: %s: %s\n", mountpoint.c_str(), std::strerror(err));
      }
      return 1;
    }
    return 0;
  }
  return RunFusermount(mountpoint, lazy, /*quiet=*/false) == 0 ? 0 : 1;
}

}  // namespace layerfs
