#include "mount/cli/publish_check.h"

#include <cstdio>
#include <memory>

#include "fs/union/layer.h"
#include "fs/lambda/stack_report.h"
#include "mount/cli/store_commands.h"
#include "fs/base/printable.h"

namespace layerfs {

namespace {

// Enough lines to act on; the rest are counted.
constexpr size_t kListedEntries = 20;

std::string UnreadableList(const std::vector<EntryMode>& entries) {
  std::string list;
  for (size_t i = 0; i < entries.size() && i < kListedEntries; ++i) {
    const EntryMode& e = entries[i];
    list += "\n  " + e.path + (e.type == NodeType::kDirectory ? "/" : "") + " (mode " +
            OctalMode(e.mode) + ")";
  }
  if (entries.size() > kListedEntries) {
    list += "\n  ... and " + std::to_string(entries.size() - kListedEntries) + " more";
  }
  return list;
}

Status Check(const std::string& zip, const PublishCheckOptions& options, std::ostream& err) {
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(zip);
  if (!layer.ok()) return layer.status();
  std::string unsafe;
  size_t unsafe_count = 0;
  for (const IndexWarning& w : (*layer)->index().warnings()) {
    if (w.reason.starts_with("skipped")) {
      if (++unsafe_count <= kListedEntries) unsafe += "\n  '" + w.entry + "': " + w.reason;
    } else {
      err << "layerfs publish: warning: entry '" << w.entry << "': " << w.reason << "\n";
    }
  }
  if (unsafe_count > 0) {
    if (unsafe_count > kListedEntries) {
      unsafe += "\n  ... and " + std::to_string(unsafe_count - kListedEntries) + " more";
    }
    return Status::InvalidArgument(std::to_string(unsafe_count) +
                                   " entries have names layerfs will not serve:" + unsafe);
  }
  std::vector<EntryMode> unreadable = NotWorldReadable((*layer)->index());
  if (unreadable.empty()) return Status::Ok();
  std::string what = std::to_string(unreadable.size()) +
                     " entries are not world-readable (files need o+r, directories o+rx); "
                     "AWS refuses such a layer (\"Some files do not have read permissions\") "
                     "and the function's user could not read them:" +
                     UnreadableList(unreadable);
  if (!options.allow_unreadable) {
    return Status::InvalidArgument(what +
                                   "\nFix the modes (chmod -R o+rX) and zip again, or pass "
                                   "--allow-unreadable to store the layer as it is.");
  }
  err << "layerfs publish: warning: " << what << "\n";
  return Status::Ok();
}

}  // namespace

ZipValidator MakePublishValidator(PublishCheckOptions options, std::ostream& err) {
  return [options, &err](const std::string& zip) { return Check(zip, options, err); };
}

int RunPublishCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  PublishCheckOptions options;
  // Built when the zip is checked, after the parse has set the options.
  ZipValidator validate = [&options, &err](const std::string& zip) {
    return MakePublishValidator(options, err)(zip);
  };
  return RunPublish(
      args, out, err, validate,
      {{.name = "--allow-unreadable", .apply = Flag(options.allow_unreadable)}},
      "\n--allow-unreadable stores a zip even though some of its files are not\n"
      "world-readable (AWS would refuse it); without it such a zip is refused.\n");
}

}  // namespace layerfs
