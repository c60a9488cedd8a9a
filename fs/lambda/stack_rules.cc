#include "fs/lambda/stack_rules.h"

#include <algorithm>
#include <cstdio>

namespace layerfs {

namespace {

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string JoinComma(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// "300000000 bytes (286.1 MiB)".
std::string Bytes(uint64_t n) {
  char text[64];
  std::snprintf(text, sizeof text, "%llu bytes (%.1f MiB)", static_cast<unsigned long long>(n),
                double(n) / (1 << 20));
  return text;
}

Finding LayerFinding(Severity severity, std::string check, size_t position,
                     std::string message) {
  return Finding{severity, std::move(check), position, "", std::move(message)};
}

void CheckLayerCount(const std::vector<StackLayer>& layers, const RuleOptions& options,
                     std::vector<Finding>& out) {
  if (layers.size() <= kMaxFunctionLayers) return;
  std::string message = std::to_string(layers.size()) + " layers: Lambda allows at most " +
                        std::to_string(kMaxFunctionLayers) + " per function";
  if (options.enforce_layer_limit) {
    out.push_back({Severity::kError, "layer-limit", std::nullopt, "",
                   message + " (--no-limits to go on anyway)"});
  } else {
    out.push_back({Severity::kWarning, "layer-limit", std::nullopt, "", message});
  }
}

void CheckDuplicates(const std::vector<StackLayer>& layers, std::vector<Finding>& out) {
  for (size_t i = 0; i < layers.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const StackLayer& a = layers[j];
      const StackLayer& b = layers[i];
      std::string why;
      if (a.arn && b.arn && a.arn->LayerString() == b.arn->LayerString()) {
        why = a.arn->version == b.arn->version
                  ? "the same layer version"
                  : "another version of the same layer (" + a.arn->LayerString() + ")";
      } else if (!a.zip_path.empty() && a.zip_path == b.zip_path) {
        why = "the same zip (" + a.zip_path + ")";
      } else {
        continue;
      }
      out.push_back(LayerFinding(Severity::kError, "duplicate-layer", i,
                                 LayerName(i, b.label) + " is " + why + " as " +
                                     LayerName(j, a.label) +
                                     ": Lambda refuses a layer attached twice"));
      break;  // one finding per repeated layer, naming its first occurrence
    }
  }
}

void CheckSize(const std::vector<StackLayer>& layers, const FunctionTarget& function,
               std::vector<Finding>& out) {
  uint64_t layer_bytes = 0;
  for (const StackLayer& l : layers) layer_bytes += l.unzipped_bytes;
  uint64_t total = layer_bytes + function.code_unzipped_bytes.value_or(0);
  if (total <= kMaxUnzippedBytes) return;
  std::string message = "unzipped size " + Bytes(total);
  if (function.code_unzipped_bytes) {
    message += " (layers " + Bytes(layer_bytes) + ", function code " +
               Bytes(*function.code_unzipped_bytes) + ")";
  }
  message += " is over Lambda's limit of " + Bytes(kMaxUnzippedBytes) +
             " for a function and its layers";
  out.push_back({Severity::kWarning, "size-limit", std::nullopt, "", std::move(message)});
}

void CheckCompatibility(const std::vector<StackLayer>& layers, const FunctionTarget& function,
                        std::vector<Finding>& out) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const StackLayer& l = layers[i];
    if (!function.runtime.empty() && !l.compatible_runtimes.empty() &&
        !Contains(l.compatible_runtimes, function.runtime)) {
      out.push_back(LayerFinding(Severity::kWarning, "incompatible-runtime", i,
                                 LayerName(i, l.label) + " lists CompatibleRuntimes " +
                                     JoinComma(l.compatible_runtimes) +
                                     ", not the function's " + function.runtime +
                                     " (advisory: Lambda still attaches it)"));
    }
    if (!function.architecture.empty() && !l.compatible_architectures.empty() &&
        !Contains(l.compatible_architectures, function.architecture)) {
      out.push_back(LayerFinding(Severity::kWarning, "incompatible-architecture", i,
                                 LayerName(i, l.label) + " lists CompatibleArchitectures " +
                                     JoinComma(l.compatible_architectures) +
                                     ", not the function's " + function.architecture +
                                     " (advisory: Lambda still attaches it)"));
    }
  }
}

void CheckDeleted(const std::vector<StackLayer>& layers, std::vector<Finding>& out) {
  for (size_t i = 0; i < layers.size(); ++i) {
    if (!layers[i].deleted) continue;
    out.push_back(LayerFinding(Severity::kNote, "deleted-version", i,
                               LayerName(i, layers[i].label) +
                                   " is a deleted version: functions that already pin it keep "
                                   "it, as on AWS, but it can no longer be attached"));
  }
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNote: return "note";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
  }
  return "error";
}

std::string LayerName(size_t position, std::string_view label) {
  return "layer " + std::to_string(position + 1) + " (" + std::string(label) + ")";
}

std::vector<Finding> CheckStackRules(const std::vector<StackLayer>& layers,
                                     const FunctionTarget& function,
                                     const RuleOptions& options) {
  std::vector<Finding> findings;
  CheckLayerCount(layers, options, findings);
  CheckDuplicates(layers, findings);
  CheckSize(layers, function, findings);
  CheckCompatibility(layers, function, findings);
  CheckDeleted(layers, findings);
  return findings;
}

bool HasErrors(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.severity == Severity::kError; });
}

}  // namespace layerfs
