#include "fs/lambda/function_layers.h"

#include <unistd.h>

#include <cstdlib>

#include "fs/lambda/function_config.h"
#include "fs/lambda/layer_store.h"
#include "fs/lambda/stack_resolver.h"

namespace layerfs {

namespace {

// Lambda refuses more than this many layers on one function.
constexpr size_t kLambdaMaxLayers = 5;

// The same failure, its message wrapped in context.
Status Prefixed(const Status& s, const std::string& before, const std::string& after) {
  std::string message = before + s.message() + after;
  switch (s.code()) {
    case ErrorCode::kNotFound: return Status::NotFound(std::move(message));
    case ErrorCode::kNotADirectory: return Status::NotADirectory(std::move(message));
    case ErrorCode::kCorrupt: return Status::Corrupt(std::move(message));
    case ErrorCode::kUnsupported: return Status::Unsupported(std::move(message));
    case ErrorCode::kIoError: return Status::IoError(std::move(message));
    case ErrorCode::kAlreadyExists: return Status::AlreadyExists(std::move(message));
    case ErrorCode::kOk:
    case ErrorCode::kInvalidArgument: break;
  }
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Result<FunctionLayers> ResolveFunctionLayers(const std::string& config_path,
                                             const std::string& store_dir) {
  FunctionLayers result;
  Result<FunctionConfig> config = LoadFunctionConfig(config_path);
  if (!config.ok()) return config.status();
  if (config->layers.empty()) {
    return Status::InvalidArgument(config_path + ": the function has no layers to mount");
  }
  if (config->layers.size() > kLambdaMaxLayers) {
    result.warnings.push_back(config_path + ": " + std::to_string(config->layers.size()) +
                              " layers; Lambda allows at most " +
                              std::to_string(kLambdaMaxLayers));
  }
  Result<std::string> dir = ResolveStoreDir(store_dir);
  if (!dir.ok()) return dir.status();
  // Nothing is published through this handle, so no zip validator.
  Result<LayerStore> store = LayerStore::Open(*dir, ZipValidator());
  if (!store.ok()) return store.status();
  for (size_t i = 0; i < config->layers.size(); ++i) {
    Result<StoredLayerVersion> stored = store->Get(config->layers[i]);
    if (!stored.ok()) {
      return Prefixed(stored.status(), config_path + ": Layers[" + std::to_string(i) + "]: ",
                      " (layer store " + store->dir() + ")");
    }
    if (stored->deleted) {
      result.warnings.push_back(config_path + ": Layers[" + std::to_string(i) + "]: " +
                                config->layers[i].ToString() +
                                " is deleted in the store; mounting it as Lambda would for a "
                                "function that pins it");
    }
    result.zips.push_back(stored->zip_path);
  }
  return result;
}

}  // namespace layerfs
