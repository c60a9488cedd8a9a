#include "mount/cli/cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>

#include "fs/lambda/stack_resolver.h"
#include "fs/source/curl_global.h"
#include "fs/source/open_source.h"
#include "mount/cli/remount_command.h"
#include "mount/cli/env_command.h"
#include "mount/cli/exit_codes.h"
#include "mount/cli/inspect_command.h"
#include "mount/cli/lambda_mount.h"
#include "mount/logging.h"
#include "mount/cli/publish_check.h"
#include "mount/cli/stats_command.h"
#include "mount/cli/store_commands.h"

namespace layerfs {

namespace {

constexpr char kVersion[] = "layerfs 0.1.0";

constexpr char kUsage[] = R"(layerfs: mount an ordered stack of AWS Lambda layer zips as one read-only /opt

usage:
  layerfs mount [OPTIONS] (LAYER.zip|LAYER_VERSION_ARN|URL)... MOUNTPOINT
  layerfs mount [OPTIONS] --function F.json [--store DIR] MOUNTPOINT
  layerfs LAYER.zip[:LAYER.zip...] MOUNTPOINT -o OPTS   (the mount.fuse3 form)
  layerfs unmount [--lazy] MOUNTPOINT
  layerfs remount MOUNTPOINT [LAYER...] [--function F.json] [--store DIR]
                                        swap the whole stack of a live mount
  layerfs stats [--json] MOUNTPOINT
  layerfs publish NAME ZIP [...]        store a layer version (publish --help)
  layerfs layers list|versions|get|delete ...   the layer store (layers --help)
  layerfs inspect [--json] (LAYER.zip|LAYER_VERSION_ARN)... | --function F.json
  layerfs env (--function F.json | --runtime R) [--root DIR]
  layerfs --help | --version

Layers are listed in the order of a function's Layers array: on a conflict
the last one wins, as when Lambda extracts them into /opt. Layer version
ARNs resolve through the layer store. `layerfs mount` checks Lambda's rules
first: more than 5 layers or a layer attached twice refuse the mount; over
250 MB unzipped, CompatibleRuntimes/Architectures that leave out the
function's, and deleted versions are logged.

mount options:
  -f, --foreground        stay in the foreground; unmount on SIGINT/SIGTERM
  -o OPT[,OPT...]         mount options: allow_other, uid=N, gid=N,
                          cache_size=SIZE, spill_dir=DIR, spill_size=SIZE,
                          no_prefetch,
                          cache_dir=DIR|none, cache_dir_size=SIZE,
                          log_level=LEVEL, log_file=FILE,
                          access_log=FILE, function=F.json, store=DIR,
                          aws_profile=, aws_credentials_file=, aws_region=,
                          s3_endpoint= (as the flags below), and
                          the usual FUSE/mount options (ro,nosuid,nodev are
                          implied; x-*, _netdev, nofail, noauto, dev, suid
                          and other mount(8)/systemd options are ignored)
  --function F.json       mount the layers of a Lambda function configuration,
                          resolved through the layer store
  --store DIR             the layer store (default $LAYERFS_STORE, else
                          /var/lib/layerfs for root, ~/.local/share/layerfs)
  --no-limits             mount more than Lambda's 5 layers anyway
  --code ZIP_OR_DIR       the function's code, counted in the 250 MB check
  --access-log FILE       write "path<TAB>layer<TAB>seconds" for the first
                          open of each file (the file is replaced at mount)
  --cache-size SIZE       bytes of decompressed data kept (default 64M)
  --spill-dir DIR         where large compressed entries are decompressed
                          once, into unlinked files (default $TMPDIR, else
                          /var/tmp)
  --spill-size SIZE       bytes the spill may use (default a quarter of the
                          free space there, at most 4G; 0: no spill)
  --no-prefetch           no work ahead of reads: do not spill large shared
                          libraries (.so over the whole-entry limit, local
                          layers) at mount, do not decompress a package's
                          libraries or a __pycache__'s modules at a first
                          read, and do not hand files to the page cache
                          (those listed after a file just read, a library
                          at its first read, a file at isatty())
  --remote-timeout SECS   the longest one read of a URL layer may take,
                          retries included, before EIO (default 30)
  --aws-profile NAME      s3:// layers: the profile of the shared credentials
                          file to sign with (before AWS_ACCESS_KEY_ID...)
  --aws-credentials-file FILE
                          that shared credentials file (default
                          $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)
  --aws-region REGION     s3:// layers: the region (default $AWS_REGION,
                          $AWS_DEFAULT_REGION, ~/.aws/config, us-east-1)
  --s3-endpoint URL       an S3-compatible endpoint, path-style (default
                          $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, Amazon S3)
  --cache-dir DIR|none    where blocks of remote (URL) layers are cached and
                          shared by every daemon of this user (default
                          /var/cache/layerfs for root, else
                          $XDG_CACHE_HOME/layerfs or ~/.cache/layerfs);
                          "none": no disk cache. A URL#sha256=DIGEST layer
                          (hex, or base64 CodeSha256) mounts again from the
                          cache with no network once complete
  --cache-dir-size SIZE   bound of that directory (default 2G); unused layers
                          are evicted, least recently used first, and it
                          never takes the file system's last 5% (or 1G)
  --log-level LEVEL       trace, debug, info, warn (default), error, off
  --log-file FILE         log here instead of syslog when in the background
  --ready-fd N            write "ready" to file descriptor N once serving
  -d, --debug             print every FUSE request (implies -f)

unmount options:
  --lazy                  detach now even if files are open

stats: prints the counters of a running mount (lookups, reads, cache, errors,
layers); --json prints them as JSON.

`mount -t fuse.layerfs A.zip:B.zip /opt -o OPTS` and fstab lines of type
fuse.layerfs go through /sbin/mount.fuse3, which runs layerfs with mount(8)'s
cleared PATH: install it in /usr/local/bin, /usr/bin or /bin. With function=,
the SOURCE field only names the mount (write "layerfs").

A layer URL is http:// or https:// (read with ranged GETs, never copied), or
s3://BUCKET/KEY, signed with SigV4; its credentials come from --aws-profile /
--aws-credentials-file, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
(/AWS_SESSION_TOKEN), else ~/.aws/credentials (AWS_PROFILE,
AWS_SHARED_CREDENTIALS_FILE). No option takes a secret.

exit codes: 0 success, 1 runtime error, 2 usage error
)";

int UsageError(std::ostream& err, const std::string& message) {
  err << "layerfs: " << message << "\nTry 'layerfs --help'.\n";
  return kExitUsage;
}

bool IsIgnoredMountOption(const std::string& key) {
  // mount(8) passes "rw" unless told "ro", and mount.fuse3 appends "dev"
  // and "suid" unless told nodev/nosuid. None is a request: the mount is
  // read-only whatever is asked, and a layer zip must never bring device
  // nodes or set-id programs to life, so it stays ro,nodev,nosuid.
  static const char* kIgnored[] = {"_netdev", "nofail", "noauto", "auto", "defaults", "user",
                                   "users", "nouser", "owner", "group", "ro", "rw", "comment",
                                   "dev", "suid"};
  if (key.rfind("x-", 0) == 0 || key.rfind("comment=", 0) == 0) return true;
  for (const char* ignored : kIgnored) {
    if (key == ignored) return true;
  }
  return false;
}

int RunUnmountCommand(const std::vector<std::string>& args, const DaemonEntry& daemon,
                      std::ostream& err) {
  bool lazy = false;
  Result<ParsedArgs> parsed =
      ParseArgs(args, {{.name = "--lazy", .short_name = "-z", .apply = Flag(lazy)}});
  if (!parsed.ok()) return UsageError(err, "unmount: " + parsed.status().message());
  if (parsed->positional.size() != 1) {
    return UsageError(err, "unmount takes exactly one MOUNTPOINT");
  }
  return daemon.unmount(parsed->positional[0], lazy);
}

// Checks that --ready-fd names a descriptor open in this process, before
// anything else is opened: a number that is free now would later be taken
// by /dev/fuse or an eventfd, which readiness would then write to and
// close. Moves it to a fresh close-on-exec number that is ours alone.
Status TakeReadyFd(MountOptions& options) {
  if (options.ready_fd < 0) return Status::Ok();
  if (::fcntl(options.ready_fd, F_GETFD) == -1) {
    return Status::InvalidArgument("--ready-fd " + std::to_string(options.ready_fd) +
                                   ": not an open file descriptor");
  }
  int own = ::fcntl(options.ready_fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) {
    return Status::InvalidArgument("--ready-fd " + std::to_string(options.ready_fd) + ": " +
                                   std::strerror(errno));
  }
  ::close(options.ready_fd);
  options.ready_fd = own;
  return Status::Ok();
}

// `flags` is null for the mount.fuse3 form, which skips Lambda's checks.
int RunMountCommand(Result<MountOptions> options, const LambdaMountFlags* flags,
                    const DaemonEntry& daemon, std::ostream& err) {
  if (!options.ok()) return UsageError(err, options.status().message());
  if (Status s = SetupLogging(options->log_level, LogTarget::kStderr); !s.ok()) {
    return UsageError(err, s.message());
  }
  if (Status s = TakeReadyFd(*options); !s.ok()) return UsageError(err, s.message());
  // The daemon keeps the context: every later stack shares its cache and
  // block budget.
  auto remote = std::make_shared<RemoteContext>(*options);
  Result<ResolvedStack> stack = ResolveMountStack(*options);
  if (!stack.ok()) {
    err << "layerfs: " << stack.status().message() << "; nothing mounted\n";
    return kExitFailed;
  }
  // A stack with remote layers loads libcurl here, before the daemon
  // forks: the daemon then maps its 30 libraries without their pages, and
  // touches only those its transfers run. Loaded and initialised in the
  // daemon, they were 7 MiB of its RSS (the bound is cache + 32 MiB).
  if (std::any_of(stack->zips.begin(), stack->zips.end(), IsRemoteSource)) {
    EnsureCurlInitialised();
  }
  // Opened by the daemon once it has forked (see RunMount); its error,
  // with "; nothing mounted", is the command's.
  const StackOpener open_layers = [&options, flags, remote, &stack] {
    return OpenResolvedStack(std::move(*stack), *options, flags, *remote);
  };
  return daemon.mount(*options, open_layers, std::move(remote));
}

}  // namespace

namespace {

// The options of `mount` and of the mount.fuse3 form; with `lambda` (the
// `mount` command) also Lambda's checks. One entry per option; one with a
// list_key is also taken in -o lists as key=VALUE (ApplyMountOptionList).
std::vector<ArgOption> MountTable(MountOptions& o, LambdaMountFlags* lambda) {
  std::vector<ArgOption> table = {
      {.name = "--foreground", .short_name = "-f", .apply = Flag(o.foreground)},
      {.name = "--debug", .short_name = "-d", .apply = [&o](const std::string&) {
         o.fuse_debug = o.foreground = true;
         return Status::Ok();
       }},
      {.name = "-o", .value = "a value",
       .apply = [&o](const std::string& list) { return ApplyMountOptionList(list, o); },
       .allow_empty = true},
      {.name = "--cache-size", .value = "a size like 64M", .apply = Size(o.cache_size),
       .list_key = "cache_size"},
      {.name = "--spill-size", .value = "a size like 2G (0: none)", .apply = Size(o.spill_size),
       .list_key = "spill_size"},
      {.name = "--spill-dir", .value = "a directory", .apply = Text(o.spill_dir),
       .list_key = "spill_dir"},
      {.name = "--no-prefetch",
       .apply = [&o](const std::string&) {
         o.prefetch_libraries = false;
         o.push_siblings = false;
         return Status::Ok();
       },
       .list_key = "no_prefetch"},
      {.name = "--log-level", .value = "one of trace, debug, info, warn, error, critical, off",
       .apply = [&o](const std::string& v) {
         if (!IsLogLevel(v)) return RejectValue();
         o.log_level = v;
         return Status::Ok();
       },
       .list_key = "log_level"},
      {.name = "--log-file", .value = "a file", .apply = Text(o.log_file), .allow_empty = true,
       .list_key = "log_file"},
      {.name = "--access-log", .value = "a file", .apply = Text(o.access_log),
       .list_key = "access_log"},
      {.name = "--function", .value = "a JSON file", .apply = Text(o.function_config),
       .list_key = "function"},
      {.name = "--store", .value = "a directory", .apply = Text(o.store_dir),
       .list_key = "store"},
      {.name = "--remote-timeout", .value = "seconds, 1 to 3600",
       .apply = Number(1, 3600, [&o](uint64_t s) { o.remote_timeout_s = uint32_t(s); })},
      // s3:// layers: where credentials, region and endpoint come from. No
      // option takes a secret: a profile or a file names where it is, so
      // none reaches argv or the mount table.
      {.name = "--aws-profile", .value = "a profile name", .apply = Text(o.aws.profile),
       .list_key = "aws_profile"},
      {.name = "--aws-credentials-file", .value = "a file", .apply = Text(o.aws.credentials_file),
       .list_key = "aws_credentials_file"},
      {.name = "--aws-region", .value = "a region", .apply = Text(o.aws.region),
       .list_key = "aws_region"},
      {.name = "--s3-endpoint", .value = "an http(s):// URL", .apply = Text(o.aws.endpoint),
       .list_key = "s3_endpoint"},
      {.name = "--cache-dir", .value = "a directory or none", .apply = Text(o.cache_dir),
       .list_key = "cache_dir"},
      {.name = "--cache-dir-size", .value = "a size like 2G (--cache-dir none: no cache)",
       .apply = [&o](const std::string& v) {
         std::optional<uint64_t> size = ParseSize(v);
         if (!size || *size == 0) return RejectValue();
         o.cache_dir_size = *size;
         return Status::Ok();
       },
       .list_key = "cache_dir_size"},
      {.name = "--ready-fd", .value = "a descriptor number",
       .apply = Number(0, 65535, [&o](uint64_t fd) { o.ready_fd = int(fd); })},
  };
  if (lambda != nullptr) {
    table.push_back({.name = "--no-limits", .apply = Flag(lambda->no_limits)});
    table.push_back({.name = "--code", .value = "the function's zip or directory",
                     .apply = Text(lambda->code)});
  }
  return table;
}

}  // namespace

Status ApplyMountOptionList(const std::string& list, MountOptions& options) {
  const std::vector<ArgOption> table = MountTable(options, nullptr);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string opt = list.substr(start, comma == std::string::npos ? std::string::npos
                                                                    : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    // libfuse un-escapes backslashes, so "s\\uid" would reach the kernel
    // as "suid", past IsIgnoredMountOption: no option may hold one.
    if (opt.find('\\') != std::string::npos) {
      return Status::InvalidArgument("option " + opt + ": backslashes are not accepted");
    }
    if (opt.empty() || IsIgnoredMountOption(opt)) continue;
    size_t eq = opt.find('=');
    std::string key = opt.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
    auto ours = std::find_if(table.begin(), table.end(),
                             [&](const ArgOption& o) { return o.list_key == key; });
    if (key == "uid" || key == "gid") {
      std::optional<uint64_t> id = ParseNumber(value);
      if (!id || *id > UINT32_MAX - 1) {
        return Status::InvalidArgument("option " + opt + ": not a numeric id");
      }
      if (key == "uid") options.uid = uid_t(*id); else options.gid = gid_t(*id);
    } else if (ours != table.end() && ours->value.empty()) {
      // A flag: -o no_prefetch means --no-prefetch.
      if (eq != std::string::npos) {
        return Status::InvalidArgument("option " + key + " takes no value");
      }
      if (Status s = ours->apply(""); !s.ok()) return s;
    } else if (ours != table.end()) {
      // The option's own applier: -o cache_size=V means --cache-size V.
      const Status needs =
          Status::InvalidArgument("option " + key + "= needs " + std::string(ours->value));
      if (value.empty()) return needs;
      if (Status s = ours->apply(value); !s.ok()) return s.message().empty() ? needs : s;
    } else {
      options.fuse_options.push_back(opt);
    }
  }
  return Status::Ok();
}

Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args,
                                    LambdaMountFlags* lambda) {
  MountOptions options;
  Result<ParsedArgs> parsed = ParseArgs(args, MountTable(options, lambda));
  if (!parsed.ok()) return parsed.status().WithContext("mount: ");
  std::vector<std::string> positional = std::move(parsed->positional);
  if (!options.function_config.empty()) {
    if (positional.size() != 1) {
      return Status::InvalidArgument(
          "mount with a function configuration takes only the MOUNTPOINT: the "
          "configuration lists the layers");
    }
    options.mountpoint = positional[0];
    options.source = options.function_config;
    return options;
  }
  if (positional.size() < 2) {
    return Status::InvalidArgument("mount needs at least one LAYER.zip and a MOUNTPOINT");
  }
  options.mountpoint = positional.back();
  positional.pop_back();
  for (const std::string& p : positional) {
    options.source += (options.source.empty() ? "" : ":") + p;
    options.layers.push_back(p);
  }
  return options;
}

std::vector<std::string> SplitHelperSource(const std::string& source) {
  std::vector<std::string> layers;
  size_t start = 0;
  while (start <= source.size()) {
    // A URL's own colons (after the scheme, before a port) do not split:
    // it ends at the first ':' after its host[:port].
    // A layer version ARN's seven colons do not split either.
    size_t from = start;
    if (IsRemoteSource(source.substr(start))) {
      size_t host = source.find("://", start) + 3;
      from = std::min(source.find('/', host), source.size());
    } else if (IsArnArgument(std::string_view(source).substr(start))) {
      for (int i = 0; i < 7; ++i) {
        size_t colon = source.find(':', from);
        if (colon == std::string::npos) {  // a short ARN: kept whole, to fail naming it
          layers.push_back(source.substr(start));
          return layers;
        }
        from = colon + 1;
      }
    }
    size_t colon = source.find(':', from);
    if (colon == std::string::npos) colon = source.size();
    if (colon > start) layers.push_back(source.substr(start, colon - start));
    start = colon + 1;
  }
  return layers;
}

Result<MountOptions> ParseHelperArgs(const std::string& source,
                                     const std::vector<std::string>& args) {
  MountOptions options;
  Result<ParsedArgs> parsed = ParseArgs(args, MountTable(options, nullptr));
  if (!parsed.ok()) return parsed.status();
  const std::vector<std::string>& positional = parsed->positional;
  if (positional.size() != 1) {
    return Status::InvalidArgument("expected SOURCE MOUNTPOINT [-o OPTIONS]");
  }
  options.mountpoint = positional[0];
  options.source = source;
  // With function=, SOURCE only names the mount, as fstab needs a first field.
  if (!options.function_config.empty()) return options;
  options.layers = SplitHelperSource(source);
  if (options.layers.empty()) {
    return Status::InvalidArgument("SOURCE '" + source + "' lists no layer zips");
  }
  return options;
}

int RunCli(const std::vector<std::string>& args, const DaemonEntry& daemon, std::ostream& out,
           std::ostream& err) {
  if (args.empty()) return UsageError(err, "no command given");
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (command == "--version" || command == "-V") {
    out << kVersion << "\n";
    return kExitOk;
  }
  if (command == "mount") {
    LambdaMountFlags lambda;
    Result<MountOptions> options = ParseMountArgs(rest, &lambda);
    return RunMountCommand(std::move(options), &lambda, daemon, err);
  }
  if (command == "publish") return RunPublishCommand(rest, out, err);
  if (command == "layers") return RunLayers(rest, out, err);
  if (command == "inspect") return RunInspect(rest, out, err);
  if (command == "env") return RunEnv(rest, out, err);
  if (command == "unmount" || command == "umount") return RunUnmountCommand(rest, daemon, err);
  if (command == "stats") return RunStats(rest, out, err);
  if (command == "remount") return RunRemount(rest, out, err);
  // mount.fuse3 runs "layerfs SOURCE MOUNTPOINT -o OPTS".
  if (!command.empty() && command[0] != '-' && args.size() >= 2) {
    return RunMountCommand(ParseHelperArgs(command, rest), nullptr, daemon, err);
  }
  return UsageError(err, "unknown command '" + command + "'");
}

}  // namespace layerfs
