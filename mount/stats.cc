#include "mount/stats.h"

#include "fs/read/bytecode_warm.h"
#include "fs/read/package_libraries.h"

#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "mount/mount_state.h"

namespace layerfs {

namespace {

using nlohmann::ordered_json;

// The name of each ErrorCode in the "errors" object.
const char* ErrorKindName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kNotADirectory: return "not_a_directory";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIoError: return "io_error";
    case ErrorCode::kAlreadyExists: return "already_exists";
  }
  return "other";
}

std::string IsoUtc(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

uint64_t Load(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

}  // namespace

std::string StatsJson(MountState& state) {
  const MountCounters& c = state.counters;
  CacheStats cache = state.resources.cache().stats();
  SpillStats spill = state.resources.spill().stats();
  ordered_json doc;
  doc["mounted_at"] = IsoUtc(state.mounted_at);
  doc["mounted_at_unix"] =
      std::chrono::duration_cast<std::chrono::seconds>(state.mounted_at.time_since_epoch())
          .count();
  doc["uptime_seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state.mounted_steady)
          .count();
  doc["pid"] = ::getpid();
  doc["lookups"] = Load(c.lookups);
  doc["negative_lookups"] = Load(c.negative_lookups);
  doc["opens"] = Load(c.opens);
  doc["reads"] = Load(c.reads);
  doc["bytes_served"] = Load(c.bytes_served);
  doc["files_pushed"] = Load(c.files_pushed);
  doc["bytes_pushed"] = Load(c.bytes_pushed);
  doc["push_failures"] = Load(c.push_failures);
  PackageLibraries::Stats libraries;
  if (state.package_libraries != nullptr) libraries = state.package_libraries->stats();
  doc["libraries_prefetched"] = libraries.libraries;
  doc["library_bytes_prefetched"] = libraries.bytes;
  BytecodeWarm::Stats modules;
  if (state.bytecode_warm != nullptr) modules = state.bytecode_warm->stats();
  doc["modules_prefetched"] = modules.files;
  doc["module_bytes_prefetched"] = modules.bytes;
  // Blocks inflated for the cache plus bytes inflated into the spill.
  doc["bytes_decompressed"] = cache.bytes_loaded + spill.bytes_inflated;
  doc["cache"] = {{"hits", cache.hits},
                  {"misses", cache.misses},
                  {"evictions", cache.evictions},
                  {"bytes_held", cache.bytes_held},
                  {"capacity", cache.capacity}};
  doc["spill"] = {{"bytes_held", spill.bytes_held},
                  {"capacity", spill.capacity},
                  {"entries", spill.entries},
                  {"entries_spilled", spill.entries_spilled},
                  {"bytes_inflated", spill.bytes_inflated},
                  {"evictions", spill.evictions},
                  {"failures", spill.failures}};
  ordered_json errors = ordered_json::object();
  for (size_t kind = 1; kind < c.errors.size(); ++kind) {
    errors[ErrorKindName(ErrorCode(kind))] = Load(c.errors[kind]);
  }
  doc["errors"] = std::move(errors);
  // One stack for the whole document, even if a remount swaps it meanwhile.
  std::shared_ptr<const UnionView> pinned = state.Current();
  const UnionView& view = *pinned;
  ordered_json layers = ordered_json::array();
  uint64_t entries = 0;
  for (size_t i = 0; i < view.layer_count(); ++i) {
    const Layer& layer = view.layer(uint32_t(i));
    entries += layer.index().node_count();
    layers.push_back({{"path", layer.path()},
                      {"entries", layer.index().node_count()},
                      {"files", layer.index().file_count()}});
  }
  doc["entries"] = entries;
  // Stacks replaced by a remount and still held by the kernel (open files,
  // cached entries); each is freed once the kernel forgets its last node.
  doc["retired_stacks"] = state.retired_count();
  doc["layers"] = std::move(layers);
  return doc.dump();
}

}  // namespace layerfs
