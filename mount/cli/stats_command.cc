#include "mount/cli/stats_command.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "mount/cli/arg_parser.h"
#include "mount/cli/exit_codes.h"
#include "mount/control_channel.h"

namespace layerfs {

namespace {

using nlohmann::ordered_json;

constexpr char kStatsUsage[] =
    "usage: layerfs stats [--json] MOUNTPOINT\n"
    "Prints the counters of the layerfs mount at MOUNTPOINT (read from its\n"
    "root's user.layerfs.stats attribute); --json prints the document as is.\n";

}  // namespace

Result<std::string> FormatStats(std::string_view json, const std::string& mountpoint) {
  ordered_json doc = ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Corrupt(mountpoint + ": " + kStatsXattr + " is not a JSON object");
  }
  std::string out;
  auto line = [&](const std::string& name, const std::string& value) {
    std::string label = name + ":";
    label.resize(std::max<size_t>(label.size() + 1, 21), ' ');
    out += label + value + "\n";
  };
  auto number = [&](const ordered_json& v) {
    return v.is_number() ? v.dump() : std::string("?");
  };
  try {
    line("mountpoint", mountpoint);
    line("pid", number(doc.value("pid", ordered_json())));
    line("mounted at", doc.value("mounted_at", "?"));
    char uptime[32];
    std::snprintf(uptime, sizeof uptime, "%.1f s", doc.value("uptime_seconds", 0.0));
    line("uptime", uptime);
    const ordered_json layers = doc.value("layers", ordered_json::array());
    line("layers", std::to_string(layers.size()) + " (" +
                       number(doc.value("entries", ordered_json())) + " entries in all)");
    for (size_t i = 0; i < layers.size(); ++i) {
      line("  layer " + std::to_string(i + 1),
           layers[i].value("path", "?") + " (" + number(layers[i].value("entries", ordered_json())) +
               " entries, " + number(layers[i].value("files", ordered_json())) + " files)");
    }
    line("retired stacks", number(doc.value("retired_stacks", ordered_json())));
    for (const char* key : {"lookups", "negative_lookups", "opens", "reads", "bytes_served",
                            "files_pushed", "bytes_pushed", "push_failures",
                            "libraries_prefetched", "library_bytes_prefetched",
                            "modules_prefetched", "module_bytes_prefetched",
                            "bytes_decompressed"}) {
      std::string name = key;
      std::replace(name.begin(), name.end(), '_', ' ');
      line(name, number(doc.value(key, ordered_json())));
    }
    const ordered_json cache = doc.value("cache", ordered_json::object());
    for (const char* key : {"hits", "misses", "evictions"}) {
      line(std::string("cache ") + key, number(cache.value(key, ordered_json())));
    }
    line("cache bytes held", number(cache.value("bytes_held", ordered_json())) + " of " +
                                 number(cache.value("capacity", ordered_json())));
    const ordered_json spill = doc.value("spill", ordered_json::object());
    line("spill bytes held", number(spill.value("bytes_held", ordered_json())) + " of " +
                                 number(spill.value("capacity", ordered_json())));
    line("spill entries", number(spill.value("entries", ordered_json())) + " held, " +
                              number(spill.value("entries_spilled", ordered_json())) +
                              " spilled, " + number(spill.value("evictions", ordered_json())) +
                              " evicted, " + number(spill.value("failures", ordered_json())) +
                              " failed");
    std::string errors;
    const ordered_json errors_by_kind = doc.value("errors", ordered_json::object());
    for (const auto& [kind, count] : errors_by_kind.items()) {
      if (count.is_number() && count.get<uint64_t>() > 0) {
        errors += (errors.empty() ? "" : ", ") + kind + " " + count.dump();
      }
    }
    line("errors", errors.empty() ? "none" : errors);
  } catch (const ordered_json::exception& e) {
    return Status::Corrupt(mountpoint + ": " + kStatsXattr + ": unexpected shape: " + e.what());
  }
  return out;
}

int RunStats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool json = false;
  bool help = false;
  Result<ParsedArgs> parsed =
      ParseArgs(args, {{.name = "--json", .apply = Flag(json)}, HelpOption(help)});
  if (!parsed.ok()) {
    err << "layerfs: stats: " << parsed.status().message() << "\n" << kStatsUsage;
    return kExitUsage;
  }
  if (help) {
    out << kStatsUsage;
    return kExitOk;
  }
  const std::vector<std::string>& positional = parsed->positional;
  if (positional.size() != 1) {
    err << "layerfs: stats takes exactly one MOUNTPOINT\n" << kStatsUsage;
    return kExitUsage;
  }
  const std::string& mountpoint = positional[0];
  // The attribute's maximum size: one read, no size query that the next
  // read could outgrow as the counters move.
  std::string value(64 * 1024, '\0');
  ssize_t n = ::getxattr(mountpoint.c_str(), kStatsXattr, value.data(), value.size());
  if (n < 0) {
    int e = errno;
    if (e == ENODATA || e == ENOTSUP) {
      err << "layerfs: " << mountpoint << ": not the root of a layerfs mount\n";
    } else if (e == ENOTCONN) {
      err << "layerfs: " << mountpoint << ": stale mount: its daemon is gone (clear it with "
          << "layerfs unmount " << mountpoint << ")\n";
    } else {
      err << "layerfs: " << mountpoint << ": " << std::strerror(e) << "\n";
    }
    return kExitFailed;
  }
  value.resize(size_t(n));
  if (json) {
    out << value << "\n";
    return kExitOk;
  }
  Result<std::string> text = FormatStats(value, mountpoint);
  if (!text.ok()) {
    err << "layerfs: " << text.status().message() << "\n";
    return kExitFailed;
  }
  out << *text;
  return kExitOk;
}

}  // namespace layerfs
