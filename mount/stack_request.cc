#include "mount/stack_request.h"

#include <filesystem>

#include "fs/base/printable.h"
#include "fs/source/open_source.h"

namespace layerfs {

namespace {

// The wire is one name per line: a name with a newline cannot be sent.
Status CheckSendable(const std::string& name, const std::string& what) {
  if (name.find('\n') == std::string::npos) return Status::Ok();
  return Status::InvalidArgument(what + " " + Printable(name) +
                                 ": a name with a newline cannot be sent to the daemon");
}

Result<std::string> Absolute(const std::string& name, const std::string& what) {
  if (Status s = CheckSendable(name, what); !s.ok()) return s;
  if (name.empty()) return name;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(name, ec);
  if (ec) return Status::InvalidArgument(what + " " + Printable(name) + ": " + ec.message());
  return absolute.string();
}

}  // namespace

Result<StackRequest> MakeAbsolute(StackRequest request) {
  for (std::string& layer : request.layers) {
    // A URL or an ARN names the same thing from anywhere.
    if (IsRemoteSource(layer) || IsArnArgument(layer)) {
      if (Status s = CheckSendable(layer, "layer"); !s.ok()) return s;
      continue;
    }
    Result<std::string> path = Absolute(layer, "layer");
    if (!path.ok()) return path.status();
    layer = std::move(*path);
  }
  Result<std::string> config = Absolute(request.function_config, "--function");
  if (!config.ok()) return config.status();
  request.function_config = std::move(*config);
  Result<std::string> store = Absolute(request.store_dir, "--store");
  if (!store.ok()) return store.status();
  request.store_dir = std::move(*store);
  return request;
}

std::string EncodeStackRequest(const StackRequest& request) {
  std::string text;
  for (const std::string& layer : request.layers) text += "layer " + layer + "\n";
  if (!request.function_config.empty()) text += "function " + request.function_config + "\n";
  if (!request.store_dir.empty()) text += "store " + request.store_dir + "\n";
  return text + "\n";
}

Result<StackRequest> DecodeStackRequest(std::string_view text) {
  StackRequest request;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end == start) break;  // the empty line ends the request
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    size_t space = line.find(' ');
    std::string_view key = line.substr(0, space);
    std::string value(space == std::string_view::npos ? "" : line.substr(space + 1));
    if (key == "layer") {
      request.layers.push_back(std::move(value));
    } else if (key == "function") {
      request.function_config = std::move(value);
    } else if (key == "store") {
      request.store_dir = std::move(value);
    } else {
      return Status::InvalidArgument("unknown request line '" + Printable(std::string(key)) +
                                     "' (a layerfs of another version?)");
    }
  }
  if (!request.function_config.empty() && !request.layers.empty()) {
    return Status::InvalidArgument("a request names both layers and a function configuration");
  }
  return request;
}

Result<ResolvedStack> ResolveStackRequest(const StackRequest& request, const AwsSettings& aws) {
  Result<ResolvedStack> stack =
      request.function_config.empty()
          ? ResolveLayerArguments(request.layers, request.store_dir, {&aws})
          : ResolveFunctionToMount(request.function_config, request.store_dir, {&aws});
  if (!stack.ok()) return stack;
  if (stack->zips.empty()) return Status::InvalidArgument("no layers to mount");
  return stack;
}

}  // namespace layerfs
