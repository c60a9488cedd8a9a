#include "mount/cli.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "mount/daemon.h"
#include "mount/logging.h"

namespace layerfs {

namespace {

constexpr char kVersion[] = "layerfs 0.1.0";

constexpr char kUsage[] = R"(layerfs: mount an ordered stack of AWS Lambda layer zips as one read-only /opt

usage:
  layerfs mount [OPTIONS] LAYER.zip [LAYER.zip ...] MOUNTPOINT
  layerfs unmount [--lazy] MOUNTPOINT
  layerfs --help | --version

Layers are listed in the order of a function's Layers array: on a conflict
the last one wins, as when Lambda extracts them into /opt.

mount options:
  -f, --foreground        stay in the foreground; unmount on SIGINT/SIGTERM
  -o OPT[,OPT...]         mount options: allow_other, uid=N, gid=N,
                          cache_size=SIZE, log_level=LEVEL, and the usual
                          FUSE/mount options (ro,nosuid,nodev are implied)
  --cache-size SIZE       bytes of decompressed data kept (default 64M)
  --log-level LEVEL       trace, debug, info, warn (default), error, off
  --log-file FILE         log here instead of syslog when in the background
  --ready-fd N            write "ready" to file descriptor N once serving
  -d, --debug             print every FUSE request (implies -f)

unmount options:
  --lazy                  detach now even if files are open

exit codes: 0 success, 1 runtime error, 2 usage error
)";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "layerfs: %s\nTry 'layerfs --help'.\n", message.c_str());
  return 2;
}

bool IsIgnoredMountOption(const std::string& key) {
  static const char* kIgnored[] = {"_netdev", "nofail", "noauto", "auto", "defaults", "user",
                                   "users", "nouser", "owner", "group", "ro", "comment"};
  if (key.rfind("x-", 0) == 0 || key.rfind("comment=", 0) == 0) return true;
  for (const char* ignored : kIgnored) {
    if (key == ignored) return true;
  }
  return false;
}

std::optional<uint64_t> ParseNumber(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stoull(text);
  } catch (...) {
    return std::nullopt;
  }
}

// Takes the value of an option that needs one: "--opt VALUE" or "--opt=VALUE".
std::optional<std::string> TakeValue(const std::vector<std::string>& args, size_t& i,
                                     const std::string& flag) {
  const std::string& a = args[i];
  if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) {
    return a.substr(flag.size() + 1);
  }
  if (i + 1 >= args.size()) return std::nullopt;
  return args[++i];
}

int RunUnmountCommand(const std::vector<std::string>& args) {
  bool lazy = false;
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    if (a == "--lazy" || a == "-z") {
      lazy = true;
    } else if (!a.empty() && a[0] == '-') {
      return UsageError("unmount: unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) return UsageError("unmount takes exactly one MOUNTPOINT");
  return RunUnmount(positional[0], lazy);
}

int RunMountCommand(const std::vector<std::string>& args) {
  Result<MountOptions> options = ParseMountArgs(args);
  if (!options.ok()) return UsageError(options.status().message());
  if (Status s = SetupLogging(options->log_level, LogTarget::kStderr); !s.ok()) {
    return UsageError(s.message());
  }
  return RunMount(*options);
}

}  // namespace

std::optional<uint64_t> ParseSize(const std::string& text) {
  if (text.empty()) return std::nullopt;
  uint64_t scale = 1;
  std::string digits = text;
  switch (text.back()) {
    case 'k': case 'K': scale = 1ull << 10; break;
    case 'm': case 'M': scale = 1ull << 20; break;
    case 'g': case 'G': scale = 1ull << 30; break;
    default: break;
  }
  if (scale != 1) digits.pop_back();
  std::optional<uint64_t> n = ParseNumber(digits);
  if (!n || *n > UINT64_MAX / scale) return std::nullopt;
  return *n * scale;
}

Status ApplyMountOptionList(const std::string& list, MountOptions& options) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string opt = list.substr(start, comma == std::string::npos ? std::string::npos
                                                                    : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (opt.empty() || IsIgnoredMountOption(opt)) continue;
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    if (key == "rw") return Status::InvalidArgument("option rw: layerfs mounts are read-only");
    if (key == "uid" || key == "gid") {
      std::optional<uint64_t> id = ParseNumber(value);
      if (!id || *id > UINT32_MAX - 1) {
        return Status::InvalidArgument("option " + opt + ": not a numeric id");
      }
      if (key == "uid") options.uid = uid_t(*id); else options.gid = gid_t(*id);
    } else if (key == "cache_size") {
      std::optional<uint64_t> size = ParseSize(value);
      if (!size) return Status::InvalidArgument("option " + opt + ": not a size");
      options.cache_size = *size;
    } else if (key == "log_level") {
      if (!IsLogLevel(value)) return Status::InvalidArgument("option " + opt + ": unknown level");
      options.log_level = value;
    } else if (key == "log_file") {
      options.log_file = value;
    } else {
      options.fuse_options.push_back(opt);
    }
  }
  return Status::Ok();
}

Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args) {
  MountOptions options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) { return TakeValue(args, i, flag); };
    if (a == "-f" || a == "--foreground") {
      options.foreground = true;
    } else if (a == "-d" || a == "--debug") {
      options.fuse_debug = true;
      options.foreground = true;
    } else if (a == "-o" || a.rfind("-o", 0) == 0) {
      std::optional<std::string> list = a == "-o" ? value("-o") : a.substr(2);
      if (!list) return Status::InvalidArgument("-o needs a value");
      if (Status s = ApplyMountOptionList(*list, options); !s.ok()) return s;
    } else if (a == "--cache-size" || a.rfind("--cache-size=", 0) == 0) {
      std::optional<std::string> v = value("--cache-size");
      std::optional<uint64_t> size = v ? ParseSize(*v) : std::nullopt;
      if (!size) return Status::InvalidArgument("--cache-size needs a size like 64M");
      options.cache_size = *size;
    } else if (a == "--log-level" || a.rfind("--log-level=", 0) == 0) {
      std::optional<std::string> v = value("--log-level");
      if (!v || !IsLogLevel(*v)) {
        return Status::InvalidArgument("--log-level needs one of trace, debug, info, warn, "
                                       "error, critical, off");
      }
      options.log_level = *v;
    } else if (a == "--log-file" || a.rfind("--log-file=", 0) == 0) {
      std::optional<std::string> v = value("--log-file");
      if (!v) return Status::InvalidArgument("--log-file needs a file");
      options.log_file = *v;
    } else if (a == "--ready-fd" || a.rfind("--ready-fd=", 0) == 0) {
      std::optional<std::string> v = value("--ready-fd");
      std::optional<uint64_t> fd = v ? ParseNumber(*v) : std::nullopt;
      if (!fd || *fd > 65535) return Status::InvalidArgument("--ready-fd needs a descriptor number");
      options.ready_fd = int(*fd);
    } else if (a == "--") {
      positional.insert(positional.end(), args.begin() + long(i) + 1, args.end());
      break;
    } else if (a.size() > 1 && a[0] == '-') {
      return Status::InvalidArgument("mount: unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() < 2) {
    return Status::InvalidArgument("mount needs at least one LAYER.zip and a MOUNTPOINT");
  }
  options.mountpoint = positional.back();
  positional.pop_back();
  for (const std::string& p : positional) options.layers.push_back(p);
  return options;
}

int RunCli(const std::vector<std::string>& args) {
  if (args.empty()) return UsageError("no command given");
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "--version" || command == "-V") {
    std::puts(kVersion);
    return 0;
  }
  if (command == "mount") return RunMountCommand(rest);
  if (command == "unmount" || command == "umount") return RunUnmountCommand(rest);
  // mount.fuse3 runs "layerfs SOURCE MOUNTPOINT -o OPTS": SOURCE lists
  // the zips separated by colons.
  if (!command.empty() && command[0] != '-' && args.size() >= 2) {
    std::vector<std::string> mount_args;
    size_t start = 0;
    while (start <= command.size()) {
      size_t colon = command.find(':', start);
      if (colon == std::string::npos) colon = command.size();
      if (colon > start) mount_args.push_back(command.substr(start, colon - start));
      start = colon + 1;
    }
    mount_args.insert(mount_args.end(), rest.begin(), rest.end());
    return RunMountCommand(mount_args);
  }
  return UsageError("unknown command '" + command + "'");
}

}  // namespace layerfs
