// LayerStore: an offline, on-disk stand-in for Lambda's layer registry.
//
// It keeps published and imported layer zips with their metadata so that a
// layer version ARN resolves to a zip without AWS credentials or network.
// Layout of a store directory DIR:
//
//   DIR/config.json   {"Partition": "aws", "Region": "us-east-1",
//                      "Account": "000000000000"}: the identity local
//                     publishes get. Optional; written with these defaults
//                     by the first publish or import.
//   DIR/lock          flock()ed exclusively by every writer.
//   DIR/tmp/          zips being copied in; stray files are left by a
//                     writer that crashed, and are never read.
//   DIR/layers/<partition>/<region>/<account>/<name>/
//                     one directory per layer ARN, so imports from several
//                     accounts and regions live side by side (e.g.
//                     layers/aws/us-east-1/000000000000/numpy). No ':' in
//                     any path, so stored zips can be named to tools such
//                     as docker -v and scp, and kept on any filesystem.
//       <N>.zip       the zip of version N, mode 0444, never rewritten.
//       <N>.json      its metadata, GetLayerVersion-shaped without
//                     Content.Location, mode 0444. Written last: a version
//                     exists exactly when this file does. A remote version
//                     (ImportRemote) has no <N>.zip: its Content.Location
//                     is kept here, the URL (https://, s3://) that mounts
//                     read it from.
//       <N>.deleted   present once version N is deleted. The zip and
//                     metadata stay, so configurations that pin N still
//                     resolve (as on AWS), but listings hide it.
//       high_water    the highest version number ever handed out, so a
//                     number is never reused, even after the newest
//                     version is deleted or a publish died half-way.
//
// Publishing copies the zip into DIR/tmp while hashing it, makes it 0444,
// fsyncs it and runs the validator on that copy (the exact bytes that will
// be stored), all before taking the lock. Under the lock it picks N, records
// the high-water mark, renames the zip into place, writes <N>.json the same
// way (temp, fsync, rename) and fsyncs the directory. Concurrent publishes,
// from threads or processes, therefore get distinct consecutive numbers and
// never expose a half-written version.
//
// Thread-safety: a LayerStore holds only values fixed at Open, so one
// instance may be used from several threads; writers exclude each other
// (and other processes) through DIR/lock. The validator is called from the
// thread that publishes or imports.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/layer_arn.h"
#include "fs/lambda/layer_version.h"
#include "fs/base/status.h"

namespace layerfs {

// Checks a zip before the store accepts it (that it opens, that its names
// are safe, ...). The CLI supplies the archive check; the store itself does
// not look inside zips. It is given the path of the store's sealed copy
// under DIR/tmp (the bytes that will be stored, not the user's file, which
// could change meanwhile); a non-ok Status refuses the zip, and its message
// is reported after the user's zip path. An empty validator means no check
// at all.
using ZipValidator = std::function<Status(const std::string& zip_path)>;

struct LayerStoreConfig {
  std::string partition = "aws";
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

struct PublishRequest {
  std::string layer_name;
  std::string zip_path;  // the zip to copy in
  std::string description;
  std::vector<std::string> compatible_runtimes;
  std::vector<std::string> compatible_architectures;
  std::string license_info;
  // Override the store's config.json for this publish when not empty. The
  // partition follows the region (PartitionForRegion) when only the
  // region is overridden.
  std::string region;
  std::string account;
};

// One version as the store holds it.
struct StoredLayerVersion {
  LayerVersion version;
  // The absolute path of the stored zip, or the URL of a remote version.
  std::string zip_path;
  bool deleted = false;
  bool remote = false;  // zip_path is a URL (IsRemoteSource)
};

class LayerStore {
 public:
  // Opens the store at `dir` (made absolute), reading DIR/config.json when
  // it exists. Creates nothing: a missing store is an empty one until the
  // first publish or import.
  static Result<LayerStore> Open(const std::string& dir, ZipValidator validate);

  const std::string& dir() const { return dir_; }
  const LayerStoreConfig& config() const { return config_; }

  // Copies `request.zip_path` in as the layer's next version.
  Result<StoredLayerVersion> Publish(const PublishRequest& request) const;

  // Stores `zip_path` as the version `from_aws` describes (its ARN, date and
  // metadata, as read with ParseLayerVersionJson from GetLayerVersion
  // output), after checking the zip's CodeSha256 and CodeSize against it.
  // Importing the same bytes again is a no-op that returns the stored
  // version; different bytes under a stored ARN are kAlreadyExists.
  Result<StoredLayerVersion> Import(const LayerVersion& from_aws,
                                    const std::string& zip_path) const;

  // Records the version `from_aws` describes as living at `location`, an
  // http(s):// or s3:// URL, without copying a zip: mounts read it from
  // there, lazily. Its CodeSha256 and CodeSize are kept as given (the
  // bytes are not fetched here). Same no-op / kAlreadyExists rules as
  // Import; a location that is not a URL is kInvalidArgument.
  Result<StoredLayerVersion> ImportRemote(const LayerVersion& from_aws,
                                          const std::string& location) const;

  // The newest version of every layer that has one not deleted, sorted by
  // layer ARN.
  Result<std::vector<StoredLayerVersion>> List() const;

  // The versions of one layer, newest first, deleted ones left out unless
  // `include_deleted`. `layer` is a layer ARN or a bare name; a bare name
  // must match exactly one layer in the store (of any account or region).
  Result<std::vector<StoredLayerVersion>> Versions(
      std::string_view layer, bool include_deleted = false) const;

  // One version, deleted or not. kNotFound names the ARN and says whether
  // the layer or only the version is unknown.
  Result<StoredLayerVersion> Get(const LayerArn& version_arn) const;

  // Marks a version deleted. Deleting it again is fine; an unknown version
  // is kNotFound.
  Status Delete(const LayerArn& version_arn) const;

  // The stored zip (or URL) of a version, deleted or not; a remote one
  // with "#sha256=CodeSha256" appended for the disk cache.
  Result<std::string> Resolve(const LayerArn& version_arn) const;

  // Replaces a remote version's Content.Location by a fresh one (a new
  // presigned URL from GetLayerVersion), so the next mount starts with
  // it; <N>.json is rewritten atomically under DIR/lock, nothing else
  // changes. A local version is kInvalidArgument.
  Status UpdateRemoteLocation(const LayerArn& version_arn, const std::string& location) const;

 private:
  LayerStore(std::string dir, LayerStoreConfig config, ZipValidator validate)
      : dir_(std::move(dir)),
        config_(std::move(config)),
        validate_(std::move(validate)) {}

  std::string LayerDir(const LayerArn& arn) const;
  Result<StoredLayerVersion> Load(const LayerArn& version_arn) const;
  Result<std::vector<StoredLayerVersion>> LoadLayer(const LayerArn& layer_arn,
                                                    bool include_deleted) const;
  Result<std::vector<LayerArn>> LayerArns() const;
  Status Prepare() const;
  // `location` non-empty: a remote version, no `temp_zip`.
  Result<StoredLayerVersion> Commit(LayerVersion version,
                                    const std::string& temp_zip,
                                    bool number_it,
                                    const std::string& location = "") const;

  // Constant after Open.
  std::string dir_;
  LayerStoreConfig config_;
  ZipValidator validate_;
};

// Where the store lives when --store is not given: `env_store` (the value of
// $LAYERFS_STORE) if not empty, else /var/lib/layerfs for root (uid 0), else
// `home`/.local/share/layerfs. kInvalidArgument when none applies.
Result<std::string> DefaultStoreDir(std::string_view env_store, uid_t uid,
                                    std::string_view home);

}  // namespace layerfs
