#include "fs/lambda/layer_refresh.h"

#include <algorithm>

#include "fs/lambda/lambda_api.h"
#include "fs/lambda/layer_store.h"

namespace layerfs {

namespace {

// What a refresh needs, copied in so the hook outlives the stack.
struct Refresher {
  LayerArn arn;
  std::string code_sha256;
  std::string store_dir;
  AwsSettings aws;
  AwsEnvironment env;
  std::chrono::milliseconds timeout;
  std::function<void(const std::string&)> log;

  void Log(const std::string& line) const {
    if (log) log(line);
  }

  Result<RemoteTarget> operator()(const std::string& reason) const {
    const std::string name = arn.ToString();
    Result<LambdaLayerVersion> fresh = GetLayerVersion(arn, aws, env, timeout);
    if (!fresh.ok()) {
      Log(name + ": " + reason + "; cannot renew its URL: " + fresh.status().message());
      return fresh.status();
    }
    if (fresh->version.code_sha256 != code_sha256) {
      Status s = Status::Corrupt(name + ": GetLayerVersion now gives CodeSha256 " +
                                 fresh->version.code_sha256 + " but the layer store has " +
                                 code_sha256 +
                                 "; a layer version never changes, so its new URL is not read");
      Log(s.message());
      return s;
    }
    if (!IsHttpUrl(fresh->location)) {
      return Status::Unsupported(name + ": GetLayerVersion's Content.Location is not an "
                                 "http(s):// URL; cannot switch to it while mounted");
    }
    Log(name + ": " + reason + " from its Content.Location; renewed through GetLayerVersion");
    if (!store_dir.empty()) {
      Result<LayerStore> store = LayerStore::Open(store_dir, ZipValidator());
      Status s = store.ok() ? store->UpdateRemoteLocation(arn, fresh->location) : store.status();
      if (!s.ok()) Log(name + ": the new Content.Location is not recorded: " + s.message());
    }
    return RemoteTarget{.url = std::move(fresh->location), .auth = RemoteAuth{}};
  }
};

}  // namespace

RemoteOptions RemoteOptionsForLayer(const StackLayer& layer, const RemoteOptions& base,
                                    const std::string& store_dir) {
  if (!layer.remote || !layer.arn.has_value()) return base;
  RemoteOptions options = base;
  options.expected_size = layer.code_size;
  options.label = layer.label;
  options.refresh = Refresher{.arn = *layer.arn,
                              .code_sha256 = layer.code_sha256,
                              .store_dir = layer.from_lambda ? "" : store_dir,
                              .aws = base.aws,
                              .env = AwsEnvironment::FromProcess(),
                              .timeout = std::min<std::chrono::milliseconds>(
                                  base.timeout, std::chrono::seconds(10)),
                              .log = base.log};
  return options;
}

}  // namespace layerfs
