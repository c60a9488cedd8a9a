#include "mount/cli/inspect_command.h"

#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "fs/union/layer.h"
#include "fs/base/printable.h"
#include "fs/lambda/stack_report.h"
#include "fs/lambda/stack_resolver.h"
#include "mount/cli/arg_parser.h"
#include "mount/cli/exit_codes.h"

namespace layerfs {

namespace {

using Json = nlohmann::ordered_json;

// In text, at most this many findings of one check in one layer are
// printed; --json lists them all.
constexpr size_t kTextFindingsPerCheck = 20;

struct InspectArgs {
  bool json = false;
  bool no_limits = false;
  std::string store;
  std::string function;
  std::string runtime;
  std::string architecture;
  std::string code;
  std::vector<std::string> layers;
};

Result<InspectArgs> ParseInspectArgs(const std::vector<std::string>& args) {
  InspectArgs parsed;
  Result<ParsedArgs> found =
      ParseArgs(args, {{.name = "--json", .apply = Flag(parsed.json)},
                       {.name = "--no-limits", .apply = Flag(parsed.no_limits)},
                       {.name = "--store", .value = "a value", .apply = Text(parsed.store)},
                       {.name = "--function", .value = "a value", .apply = Text(parsed.function)},
                       {.name = "--runtime", .value = "a value", .apply = Text(parsed.runtime)},
                       {.name = "--architecture", .value = "a value",
                        .apply = Text(parsed.architecture)},
                       {.name = "--code", .value = "a value", .apply = Text(parsed.code)}});
  if (!found.ok()) return found.status();
  parsed.layers = std::move(found->positional);
  if (parsed.function.empty() == parsed.layers.empty()) {
    return Status::InvalidArgument(parsed.function.empty()
                                       ? "name the layers (zips or ARNs) or --function F.json"
                                       : "--function lists the layers: name no others");
  }
  if (!parsed.architecture.empty() && ElfMachineFor(parsed.architecture) == 0) {
    return Status::InvalidArgument("--architecture is x86_64 or arm64, not " +
                                   parsed.architecture);
  }
  return parsed;
}

// "512 B", "3.4 KiB", "48.1 MiB", "1.2 GiB".
std::string Bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

std::string Join(const std::vector<std::string>& list, const std::string& separator) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::string LayerText(size_t position, std::optional<NodeType> type = std::nullopt) {
  std::string s = "layer " + std::to_string(position + 1);
  if (type) s += " (" + std::string(NodeTypeName(*type)) + ")";
  return s;
}

void PrintText(const StackReport& report, const FunctionTarget& target,
               const std::optional<FunctionConfig>& function, std::ostream& out) {
  if (function) {
    out << "function: " << (function->function_name.empty() ? "(unnamed)" : function->function_name)
        << ", " << (target.runtime.empty() ? "no runtime" : target.runtime) << " on "
        << target.architecture << "\n\n";
  }
  for (size_t i = 0; i < report.layers.size(); ++i) {
    const StackLayer& id = report.identities[i];
    const LayerSummary& s = report.layers[i];
    out << "layer " << i + 1 << ": " << Printable(id.label) << (id.deleted ? "  [deleted version]" : "")
        << "\n";
    if (id.arn) out << "  zip:       " << Printable(id.zip_path) << "\n";
    out << "  entries:   " << s.entries << " (" << s.files << " files, " << s.directories
        << " directories, " << s.symlinks << " symlinks)\n";
    out << "  size:      " << Bytes(s.compressed_bytes) << " compressed, "
        << Bytes(s.uncompressed_bytes) << " uncompressed\n";
    out << "  provides:  " << (s.runtime_paths.empty() ? "-" : Printable(Join(s.runtime_paths, ", ")))
        << "\n";
    if (!id.compatible_runtimes.empty()) {
      out << "  runtimes:  " << Join(id.compatible_runtimes, ", ") << "\n";
    }
    if (!id.compatible_architectures.empty()) {
      out << "  architectures: " << Join(id.compatible_architectures, ", ") << "\n";
    }
  }

  out << "\nstack: " << report.layers.size() << " layers (Lambda allows " << kMaxFunctionLayers
      << "), " << Bytes(report.unzipped_bytes) << " unzipped";
  if (target.code_unzipped_bytes) out << " with the function's code";
  out << " (Lambda allows " << Bytes(kMaxUnzippedBytes) << ")";
  if (!target.runtime.empty()) out << ", for " << target.runtime;
  out << " on " << target.architecture << "\n";

  out << "\nshadowed paths: " << report.shadowed.size() << "\n";
  for (const ShadowedPath& p : report.shadowed) {
    std::vector<std::string> hidden;
    for (const HiddenCopy& h : p.hidden) {
      hidden.push_back(LayerText(h.layer, p.type_clash ? std::optional(h.type) : std::nullopt));
    }
    out << "  " << Printable(p.path) << ": "
        << LayerText(p.winner, p.type_clash ? std::optional(p.winner_type) : std::nullopt)
        << " wins, hides " << Printable(Join(hidden, ", "))
        << (p.type_clash ? "  [file/directory clash]" : "") << "\n";
  }

  size_t counts[3] = {0, 0, 0};
  for (const Finding& f : report.findings) ++counts[int(f.severity)];
  out << "\nfindings: " << report.findings.size() << " (" << counts[int(Severity::kError)]
      << " errors, " << counts[int(Severity::kWarning)] << " warnings, "
      << counts[int(Severity::kNote)] << " notes)\n";
  std::map<std::pair<std::string, std::optional<size_t>>, size_t> shown;
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    size_t& n = shown[{f.check, f.layer}];
    if (++n > kTextFindingsPerCheck) continue;
    out << "  " << SeverityName(f.severity) << ": " << f.check << ": " << Printable(f.message) << "\n";
    if (n == kTextFindingsPerCheck) {
      size_t more = 0;
      for (size_t j = i + 1; j < report.findings.size(); ++j) {
        more += report.findings[j].check == f.check && report.findings[j].layer == f.layer;
      }
      if (more > 0) {
        out << "  ... and " << more << " more " << f.check << " in this layer (--json lists all)\n";
      }
    }
  }
}

Json ToJson(const StackReport& report, const FunctionTarget& target,
            const std::optional<FunctionConfig>& function) {
  Json j;
  Json fn = {{"runtime", target.runtime}, {"architecture", target.architecture}};
  if (function) fn["name"] = function->function_name;
  if (target.code_unzipped_bytes) fn["code_unzipped_bytes"] = *target.code_unzipped_bytes;
  j["function"] = fn;
  j["layers"] = Json::array();
  for (size_t i = 0; i < report.layers.size(); ++i) {
    const StackLayer& id = report.identities[i];
    const LayerSummary& s = report.layers[i];
    Json l = {{"label", id.label}, {"zip", id.zip_path}};
    if (id.arn) l["arn"] = id.arn->ToString();
    l["deleted"] = id.deleted;
    l["entries"] = s.entries;
    l["files"] = s.files;
    l["directories"] = s.directories;
    l["symlinks"] = s.symlinks;
    l["compressed_bytes"] = s.compressed_bytes;
    l["uncompressed_bytes"] = s.uncompressed_bytes;
    l["runtime_paths"] = s.runtime_paths;
    l["compatible_runtimes"] = id.compatible_runtimes;
    l["compatible_architectures"] = id.compatible_architectures;
    j["layers"].push_back(std::move(l));
  }
  j["unzipped_bytes"] = report.unzipped_bytes;
  j["limits"] = {{"layers", kMaxFunctionLayers}, {"unzipped_bytes", kMaxUnzippedBytes}};
  j["shadowed"] = Json::array();
  for (const ShadowedPath& p : report.shadowed) {
    Json hidden = Json::array();
    for (const HiddenCopy& h : p.hidden) {
      hidden.push_back({{"layer", h.layer}, {"type", NodeTypeName(h.type)}});
    }
    j["shadowed"].push_back({{"path", p.path},
                             {"winner", {{"layer", p.winner}, {"type", NodeTypeName(p.winner_type)}}},
                             {"hidden", std::move(hidden)},
                             {"type_clash", p.type_clash}});
  }
  j["findings"] = Json::array();
  for (const Finding& f : report.findings) {
    Json finding = {{"severity", SeverityName(f.severity)}, {"check", f.check}};
    finding["layer"] = f.layer ? Json(*f.layer) : Json(nullptr);
    finding["path"] = f.path;
    finding["message"] = f.message;
    j["findings"].push_back(std::move(finding));
  }
  return j;
}

}  // namespace

std::string InspectUsage() {
  return "usage: layerfs inspect [--json] [--store DIR] [--runtime R] [--architecture A]\n"
         "           [--code ZIP_OR_DIR] [--no-limits] (LAYER.zip|LAYER_VERSION_ARN)...\n"
         "       layerfs inspect [same options] --function F.json\n"
         "\n"
         "Reports each layer (entries, sizes, runtime directories) and the stack:\n"
         "shadowed paths, Lambda's limits, runtime and architecture mismatches, and\n"
         "modes that would fail on Lambda. Layer numbers count from 1 in text and\n"
         "from 0 in --json. Exit code 1 when the report holds an error.\n";
}

int RunInspect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      out << InspectUsage();
      return kExitOk;
    }
  }
  Result<InspectArgs> parsed = ParseInspectArgs(args);
  if (!parsed.ok()) {
    err << "layerfs inspect: " << parsed.status().message() << "\n\n" << InspectUsage();
    return kExitUsage;
  }
  Result<ResolvedStack> stack = parsed->function.empty()
                                    ? ResolveLayerArguments(parsed->layers, parsed->store)
                                    : ResolveFunctionStack(parsed->function, parsed->store);
  if (!stack.ok()) {
    err << "layerfs inspect: " << stack.status().message() << "\n";
    return kExitFailed;
  }
  std::vector<ReportLayer> layers;
  for (size_t i = 0; i < stack->zips.size(); ++i) {
    Result<std::shared_ptr<const Layer>> layer = Layer::Open(stack->zips[i]);
    if (!layer.ok()) {
      err << "layerfs inspect: " << LayerName(i, stack->layers[i].label) << ": "
          << layer.status().message() << "\n";
      return kExitFailed;
    }
    layers.push_back({std::move(*layer), stack->layers[i]});
  }
  FunctionTarget target = TargetOf(*stack);
  if (!parsed->runtime.empty()) target.runtime = parsed->runtime;
  if (!parsed->architecture.empty()) target.architecture = parsed->architecture;
  if (target.architecture.empty()) target.architecture = std::string(kDefaultArchitecture);
  if (!parsed->code.empty()) {
    Result<uint64_t> code = MeasureFunctionCode(parsed->code);
    if (!code.ok()) {
      err << "layerfs inspect: --code: " << code.status().message() << "\n";
      return kExitFailed;
    }
    target.code_unzipped_bytes = *code;
  }
  StackReport report =
      BuildStackReport(layers, target, RuleOptions{.enforce_layer_limit = !parsed->no_limits});
  if (parsed->json) {
    out << ToJson(report, target, stack->function).dump(2) << "\n";
  } else {
    PrintText(report, target, stack->function, out);
  }
  return HasErrors(report.findings) ? kExitFailed : kExitOk;
}

}  // namespace layerfs
