// Lambda's rules for a function's layer stack, checked before `layerfs
// mount` and reported by `layerfs inspect`:
//   - at most 5 layers (an error, or a warning when the caller lifts the
//     limit);
//   - no layer attached twice: the same layer ARN in any version, or the
//     same zip file (an error: Lambda refuses the configuration);
//   - at most 262,144,000 bytes (250 MB) unzipped for all layers plus the
//     function's own code (a warning: layerfs can mount it, Lambda could
//     not deploy it);
//   - CompatibleRuntimes / CompatibleArchitectures that leave out the
//     function's Runtime / architecture (a warning: AWS treats them as
//     advisory, for filtering only);
//   - a deleted layer version (a note: functions that already pin it keep
//     it, but it can no longer be attached).
//
// Findings are returned as values, never logged here; the caller decides
// how to show them. Plain values and pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/layer_arn.h"

namespace layerfs {

inline constexpr size_t kMaxFunctionLayers = 5;
inline constexpr uint64_t kMaxUnzippedBytes = 262'144'000;

enum class Severity { kNote, kWarning, kError };

// "note", "warning", "error".
std::string_view SeverityName(Severity severity);

// One thing a check found. `check` is a stable identifier for scripts:
//   layer-limit, duplicate-layer, size-limit, incompatible-runtime,
//   incompatible-architecture, deleted-version (the rules here), and, from
//   fs/lambda/stack_report.h: index-warning, runtime-mismatch, not-executable,
//   not-world-readable, elf-architecture, unreadable-entry.
struct Finding {
  Severity severity = Severity::kWarning;
  std::string check;
  std::optional<size_t> layer;  // position in the stack (0 = applied first)
  std::string path;             // the entry inside the layer, if one
  std::string message;          // a sentence for a person, naming the layer

  bool operator==(const Finding&) const = default;
};

// One layer of the stack as the rules see it.
struct StackLayer {
  std::string label;     // as the user named it: a zip path or an ARN
  std::string zip_path;  // the zip, made canonical, so that equal files compare equal
  std::optional<LayerArn> arn;  // the layer version ARN, when known
  // From the layer version's metadata; empty when unknown or unset.
  std::vector<std::string> compatible_runtimes;
  std::vector<std::string> compatible_architectures;
  bool deleted = false;
  uint64_t unzipped_bytes = 0;  // the sum of its entries' uncompressed sizes
  // A store version kept as a URL (Content.Location): read remotely, its
  // URL renewed through GetLayerVersion when it expires.
  bool remote = false;
  // Not in the store: resolved through Lambda's GetLayerVersion at mount.
  bool from_lambda = false;
  std::string code_sha256;  // base64, from the store; "" when unknown
  uint64_t code_size = 0;   // 0 when unknown
};

// The function the stack is for. Empty fields are unknown and their
// checks are skipped.
struct FunctionTarget {
  std::string runtime;       // "python3.12"
  std::string architecture;  // "x86_64" or "arm64"
  std::optional<uint64_t> code_unzipped_bytes;  // with --code
};

struct RuleOptions {
  bool enforce_layer_limit = true;  // false: --no-limits
};

std::vector<Finding> CheckStackRules(const std::vector<StackLayer>& layers,
                                     const FunctionTarget& function,
                                     const RuleOptions& options);

bool HasErrors(const std::vector<Finding>& findings);

// "layer 2 (arn:aws:lambda:...:layer:x:3)": how findings name a layer,
// counting from 1 as people (and the Lambda console's merge order) do.
std::string LayerName(size_t position, std::string_view label);

}  // namespace layerfs
