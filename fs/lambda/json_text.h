// JSON text from users and from disk, taken with bounds: function
// configurations, layer version documents and the store's own files are
// read at most kMaxJsonBytes (so `--function /dev/zero` ends), refused
// when nested deeper than kMaxJsonDepth before any parser sees them, and
// described in error messages by type or a short escaped excerpt, never
// by re-serialising what the user gave (an 80,000-deep array once crashed
// the daemon that way).
//
// Included only by .cc files that link nlohmann_json. Pure functions; safe
// from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fs/base/status.h"

namespace layerfs {

inline constexpr size_t kMaxJsonBytes = 4 << 20;
inline constexpr int kMaxJsonDepth = 64;

// Reads the file at `path` (`what` says what it is, for messages): fails
// naming it when it cannot be read or holds more than kMaxJsonBytes.
Result<std::string> ReadJsonFile(const std::string& path, std::string_view what);

// Fails naming `source` when arrays and objects nest deeper than
// kMaxJsonDepth. Counts brackets outside strings; the parser judges the
// rest.
Status CheckJsonDepth(std::string_view text, std::string_view source);

// A value as an error message may show it: scalars as JSON (strings
// escaped and cut at 80 bytes), arrays and objects by their type name.
std::string DescribeJson(const nlohmann::json& value);

}  // namespace layerfs
