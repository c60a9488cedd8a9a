// Entry names: turning the raw name bytes of a zip entry into a safe,
// normalised path relative to the mount root, or saying why it has none.
//
// The safety rules live here and only here: no result ever has a ".."
// component, a leading "/", an empty or "." component, a NUL byte, or a
// component longer than a Linux name (255 bytes). Pure functions; safe
// from any thread.
#pragma once

#include <string>
#include <string_view>

#include "fs/base/status.h"

namespace layerfs {

constexpr size_t kMaxNameLength = 255;
// The longest path unzip can create (PATH_MAX less the NUL); longer names
// are skipped, as unzip cannot extract them either.
constexpr size_t kMaxPathLength = 4095;

struct EntryPath {
  std::string path;          // "a/b/c", no leading or trailing slash; "" = root
  bool is_directory = false; // the raw name ended with a slash
  bool was_absolute = false; // a leading "/" was stripped (worth a warning)
};

// `utf8_flag`: general purpose bit 11. `dos_made`: the entry carries no Unix
// attributes, so backslashes are path separators, as unzip treats them.
// Names that are neither flagged nor valid UTF-8 are read as CP437.
// Fails with kInvalidArgument and a reason for names that must be skipped.
Result<EntryPath> NormalizeEntryName(std::string_view raw, bool utf8_flag,
                                     bool dos_made);

bool IsValidUtf8(std::string_view s);
std::string Cp437ToUtf8(std::string_view s);

// Splits a normalised path at its last slash: {"a/b", "c"}; {"", "a"}.
std::pair<std::string_view, std::string_view> SplitParent(std::string_view path);

}  // namespace layerfs
