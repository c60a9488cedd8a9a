#include "fs/lambda/stack_resolver.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "fs/base/printable.h"
#include "fs/source/open_source.h"
#include "fs/lambda/lambda_api.h"
#include "fs/lambda/layer_arn.h"
#include "fs/lambda/layer_store.h"

namespace layerfs {

namespace {

std::string HomeDir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) return home;
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr) {
    return found->pw_dir;
  }
  return "";
}

// A path that compares equal for the same file however it was spelled.
std::string CanonicalPath(const std::string& path) {
  if (IsRemoteSource(path)) return path;
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

// Opens the store on first use only.
class LazyStore {
 public:
  explicit LazyStore(std::string given) : given_(std::move(given)) {}

  Result<const LayerStore*> Get() {
    if (!store_) {
      Result<std::string> dir = ResolveStoreDir(given_);
      if (!dir.ok()) return dir.status();
      // Nothing is published through this handle: no zip validator.
      Result<LayerStore> store = LayerStore::Open(*dir, ZipValidator());
      if (!store.ok()) return store.status();
      store_ = std::make_unique<LayerStore>(std::move(*store));
    }
    return store_.get();
  }

 private:
  std::string given_;
  std::unique_ptr<LayerStore> store_;
};

// The stack entry of an ARN the store does not hold, from Lambda itself;
// `missing` is the store's kNotFound.
Result<StackLayer> LambdaLayer(const LayerArn& arn, const AwsSettings& aws,
                               const Status& missing, std::string& zip) {
  const AwsEnvironment env = AwsEnvironment::FromProcess();
  if (Result<AwsCredentials> c = ResolveAwsCredentials(aws, env); !c.ok()) {
    return Status::NotFound(missing.message() + "; nor can Lambda's GetLayerVersion be asked: " +
                            c.status().message() +
                            ". Give AWS credentials, or store the version with `layerfs "
                            "publish --from-get-layer-version F.json [ZIP]`");
  }
  Result<LambdaLayerVersion> got = GetLayerVersion(arn, aws, env, std::chrono::seconds(10));
  if (!got.ok()) {
    return got.status().WithContext("", " (" + arn.ToString() + " is not in the layer store)");
  }
  StackLayer layer;
  layer.label = arn.ToString();
  layer.zip_path = got->location;
  layer.arn = arn;
  layer.compatible_runtimes = got->version.compatible_runtimes;
  layer.compatible_architectures = got->version.compatible_architectures;
  layer.remote = true;
  layer.from_lambda = true;
  layer.code_sha256 = got->version.code_sha256;
  layer.code_size = got->version.code_size;
  zip = got->location.find('#') == std::string::npos
            ? got->location + "#sha256=" + got->version.code_sha256
            : got->location;
  return layer;
}

// The stack entry of a layer version ARN the store holds (or, with
// `lambda.aws`, Lambda has).
Result<StackLayer> StoredLayer(LazyStore& lazy, const LayerArn& arn, std::string& zip,
                               LambdaLookup lambda = {}) {
  Result<const LayerStore*> store = lazy.Get();
  if (!store.ok()) return store.status();
  Result<StoredLayerVersion> stored = (*store)->Get(arn);
  if (!stored.ok() && stored.status().code() == ErrorCode::kNotFound && lambda.aws != nullptr) {
    return LambdaLayer(arn, *lambda.aws, stored.status(), zip);
  }
  if (!stored.ok()) return stored.status();
  StackLayer layer;
  layer.label = arn.ToString();
  layer.zip_path = CanonicalPath(stored->zip_path);
  layer.arn = arn;
  layer.compatible_runtimes = stored->version.compatible_runtimes;
  layer.compatible_architectures = stored->version.compatible_architectures;
  layer.deleted = stored->deleted;
  layer.remote = stored->remote;
  layer.code_sha256 = stored->version.code_sha256;
  layer.code_size = stored->version.code_size;
  if (stored->remote) {
    // With "#sha256=" the disk cache keys and verifies it by CodeSha256.
    Result<std::string> url = (*store)->Resolve(arn);
    if (!url.ok()) return url.status();
    zip = *url;
  } else {
    zip = stored->zip_path;
  }
  return layer;
}

}  // namespace

Result<std::string> ResolveStoreDir(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("LAYERFS_STORE");
  return DefaultStoreDir(env == nullptr ? "" : env, getuid(), HomeDir());
}

bool IsArnArgument(std::string_view arg) { return arg.starts_with("arn:"); }

Result<ResolvedStack> ResolveLayerArguments(const std::vector<std::string>& args,
                                            const std::string& store_dir,
                                            LambdaLookup lambda) {
  ResolvedStack stack;
  LazyStore store(store_dir);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const std::string where = "layer " + std::to_string(i + 1) + ": ";
    if (!IsArnArgument(arg)) {
      stack.layers.push_back(StackLayer{.label = arg, .zip_path = CanonicalPath(arg)});
      stack.zips.push_back(arg);
      continue;
    }
    Result<LayerArn> arn = ParseLayerVersionArn(arg);
    if (!arn.ok()) return arn.status().WithContext(where);
    std::string zip;
    Result<StackLayer> layer = StoredLayer(store, *arn, zip, lambda);
    if (!layer.ok()) return layer.status().WithContext(where);
    stack.layers.push_back(std::move(*layer));
    stack.zips.push_back(std::move(zip));
  }
  return stack;
}

Result<ResolvedStack> ResolveFunctionStack(const std::string& config_path,
                                           const std::string& store_dir,
                                           LambdaLookup lambda) {
  Result<FunctionConfig> config = LoadFunctionConfig(config_path);
  if (!config.ok()) return config.status();
  ResolvedStack stack;
  LazyStore store(store_dir);
  for (size_t i = 0; i < config->layers.size(); ++i) {
    std::string zip;
    Result<StackLayer> layer = StoredLayer(store, config->layers[i], zip, lambda);
    if (!layer.ok()) {
      return layer.status().WithContext(config_path + ": Layers[" + std::to_string(i) + "]: ");
    }
    stack.layers.push_back(std::move(*layer));
    stack.zips.push_back(std::move(zip));
  }
  stack.function = std::move(*config);
  stack.source = config_path;
  return stack;
}

Result<ResolvedStack> ResolveFunctionToMount(const std::string& config_path,
                                             const std::string& store_dir,
                                             LambdaLookup lambda) {
  Result<ResolvedStack> stack = ResolveFunctionStack(config_path, store_dir, lambda);
  if (!stack.ok()) return stack;
  if (stack->zips.empty()) {
    return Status::InvalidArgument(config_path + ": the function has no layers to mount");
  }
  return stack;
}

std::vector<std::string> ResolutionWarnings(const ResolvedStack& stack) {
  std::vector<std::string> warnings;
  const std::string source = stack.source.empty() ? "" : Printable(stack.source) + ": ";
  if (stack.layers.size() > kMaxFunctionLayers) {
    warnings.push_back(source + std::to_string(stack.layers.size()) +
                       " layers; Lambda allows at most " + std::to_string(kMaxFunctionLayers));
  }
  for (size_t i = 0; i < stack.layers.size(); ++i) {
    if (!stack.layers[i].deleted) continue;
    warnings.push_back(source + "Layers[" + std::to_string(i) + "]: " +
                       Printable(stack.layers[i].label) +
                       " is deleted in the store; mounting it as Lambda would for a function "
                       "that pins it");
  }
  return warnings;
}

FunctionTarget TargetOf(const ResolvedStack& stack) {
  FunctionTarget target;
  if (stack.function) {
    target.runtime = stack.function->runtime;
    if (!stack.function->architectures.empty()) {
      target.architecture = stack.function->architectures.front();
    }
  }
  return target;
}

}  // namespace layerfs
