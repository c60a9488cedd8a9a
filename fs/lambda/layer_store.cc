#include "fs/lambda/layer_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "fs/lambda/code_sha256.h"
#include "fs/base/unique_fd.h"
#include "fs/lambda/json_text.h"
#include "fs/base/write_all.h"
#include "fs/source/open_source.h"

namespace layerfs {

namespace {

namespace stdfs = std::filesystem;
using Json = nlohmann::json;

constexpr mode_t kFrozenMode = 0444;  // stored zips and metadata
constexpr mode_t kDirMode = 0755;

std::string ErrnoText(int err) { return std::strerror(err); }

Status IoFailure(const std::string& what, int err) {
  return Status::IoError(what + ": " + ErrnoText(err));
}

// The validator's verdict on the temp copy, told in terms of the zip the
// user named. The code is kept; the validator should not return ok here.
Status Rejected(const Status& verdict, const std::string& zip_path) {
  std::string msg = zip_path + " rejected: " + verdict.message();
  switch (verdict.code()) {
    case ErrorCode::kNotFound:
      return Status::NotFound(std::move(msg));
    case ErrorCode::kNotADirectory:
      return Status::NotADirectory(std::move(msg));
    case ErrorCode::kCorrupt:
      return Status::Corrupt(std::move(msg));
    case ErrorCode::kUnsupported:
      return Status::Unsupported(std::move(msg));
    case ErrorCode::kIoError:
      return Status::IoError(std::move(msg));
    case ErrorCode::kAlreadyExists:
      return Status::AlreadyExists(std::move(msg));
    case ErrorCode::kOk:
    case ErrorCode::kInvalidArgument:
      break;
  }
  return Status::InvalidArgument(std::move(msg));
}

// Closes `fd` now, returning close()'s errno (0 if none): for a file just
// written, a failed close can mean lost data.
int CloseReportingError(UniqueFd fd) {
  return close(fd.Release()) == 0 ? 0 : errno;
}

// A file under DIR/tmp, removed when this goes out of scope unless it has
// been renamed into the store (Release).
class TempFile {
 public:
  TempFile() = default;
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  TempFile(TempFile&& other) noexcept
      : path_(std::exchange(other.path_, std::string())) {}
  TempFile& operator=(TempFile&& other) noexcept {
    if (this != &other) {
      Remove();
      path_ = std::exchange(other.path_, std::string());
    }
    return *this;
  }
  ~TempFile() { Remove(); }
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  void Remove() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  std::string path_;
};

// Holds DIR/lock exclusively for its lifetime. flock() locks belong to the
// open file description, so two holders in one process exclude each other
// just as two processes do.
class StoreLock {
 public:
  static Result<StoreLock> Acquire(const std::string& dir) {
    std::string path = dir + "/lock";
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) return IoFailure(path + ": cannot open lock", errno);
    while (flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) return IoFailure(path + ": cannot lock", errno);
    }
    return StoreLock(std::move(fd));
  }

 private:
  explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it releases the lock
};

Status WriteAllTo(int fd, std::string_view data, const std::string& path) {
  int err = WriteAll(fd, data);
  return err == 0 ? Status::Ok() : IoFailure(path + ": write failed", err);
}

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), kDirMode) == 0 || errno == EEXIST) {
    return Status::Ok();
  }
  return IoFailure(path + ": cannot create directory", errno);
}

Status FsyncDir(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || fsync(fd.get()) != 0) {
    return IoFailure(path + ": cannot sync directory", errno);
  }
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Result<UniqueFd> MakeTemp(const std::string& tmp_dir, std::string* path) {
  std::string pattern = tmp_dir + "/incoming-XXXXXX";
  int fd = mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return IoFailure(tmp_dir + ": cannot create a temp file", errno);
  *path = pattern;
  return UniqueFd(fd);
}

// Makes the open temp file read-only, durable and closed.
Status Seal(UniqueFd fd, const std::string& path, mode_t mode) {
  if (fchmod(fd.get(), mode) != 0) return IoFailure(path + ": chmod", errno);
  if (fsync(fd.get()) != 0) return IoFailure(path + ": fsync", errno);
  if (int err = CloseReportingError(std::move(fd)); err != 0) {
    return IoFailure(path + ": close", err);
  }
  return Status::Ok();
}

// Writes `content` to `dir`/`name` via a temp file in `tmp_dir`, fsync and
// rename, so readers see the old file or the whole new one.
Status WriteFileAtomically(const std::string& tmp_dir, const std::string& dir,
                           const std::string& name, const std::string& content,
                           mode_t mode) {
  std::string temp_path;
  Result<UniqueFd> fd = MakeTemp(tmp_dir, &temp_path);
  if (!fd.ok()) return fd.status();
  TempFile temp(temp_path);
  Status s = WriteAllTo(fd->get(), content, temp_path);
  if (s.ok()) s = Seal(std::move(*fd), temp_path, mode);
  if (!s.ok()) return s;
  std::string target = dir + "/" + name;
  if (rename(temp_path.c_str(), target.c_str()) != 0) {
    return IoFailure("cannot rename " + temp_path + " to " + target, errno);
  }
  temp.Release();
  return Status::Ok();
}

// Copies `source` into a new, sealed temp file under `tmp_dir`, digesting
// the bytes as they pass.
Result<CodeDigest> CopyIn(const std::string& source, const std::string& tmp_dir,
                          TempFile* out) {
  UniqueFd in(open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return IoFailure(source + ": cannot open", errno);
  struct stat st;
  if (fstat(in.get(), &st) != 0) return IoFailure(source + ": stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(source + ": not a regular file");
  }
  std::string temp_path;
  Result<UniqueFd> fd = MakeTemp(tmp_dir, &temp_path);
  if (!fd.ok()) return fd.status();
  TempFile temp(temp_path);
  Result<CodeDigester> digester = CodeDigester::Start();
  if (!digester.ok()) return digester.status();

  std::vector<std::byte> buffer(1 << 16);
  while (true) {
    ssize_t n = read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoFailure(source + ": read failed", errno);
    if (n == 0) break;
    std::span<const std::byte> chunk(buffer.data(), std::size_t(n));
    if (Status s = digester->Update(chunk); !s.ok()) return s;
    std::string_view bytes(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    if (Status s = WriteAllTo(fd->get(), bytes, temp_path); !s.ok()) return s;
  }
  if (Status s = Seal(std::move(*fd), temp_path, kFrozenMode); !s.ok()) {
    return s;
  }
  Result<CodeDigest> digest = digester->Finish();
  if (digest.ok()) *out = std::move(temp);
  return digest;
}

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return IoFailure(path + ": cannot open", errno);
  }
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoFailure(path + ": read failed", errno);
    if (n == 0) return text;
    text.append(buffer, std::size_t(n));
  }
}

// Parses a version number as the store spells it (no sign, no leading 0).
std::optional<int64_t> ParseVersionNumber(std::string_view text) {
  if (text.empty() || text[0] == '0') return std::nullopt;
  if (text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > kMaxLayerVersion) {
    return std::nullopt;
  }
  return value;
}

// What a layer directory holds: the versions with metadata, and the
// highest number any file uses (a crashed publish may leave a zip alone).
struct LayerFiles {
  std::vector<int64_t> versions;  // ascending, each with <N>.json
  int64_t highest_used = 0;
};

Result<LayerFiles> ScanLayerDir(const std::string& layer_dir) {
  LayerFiles files;
  std::error_code ec;
  stdfs::directory_iterator it(layer_dir, ec);
  if (ec) return Status::IoError(layer_dir + ": cannot list: " + ec.message());
  for (; it != stdfs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    std::optional<int64_t> n =
        ParseVersionNumber(std::string_view(name).substr(0, dot));
    if (!n) continue;
    files.highest_used = std::max(files.highest_used, *n);
    if (name.substr(dot) == ".json") files.versions.push_back(*n);
  }
  if (ec) return Status::IoError(layer_dir + ": cannot list: " + ec.message());
  std::sort(files.versions.begin(), files.versions.end());
  return files;
}

// The names of the directories in `dir`, sorted; none if `dir` is missing.
Result<std::vector<std::string>> Subdirectories(const std::string& dir) {
  std::vector<std::string> names;
  if (!Exists(dir)) return names;
  std::error_code ec;
  stdfs::directory_iterator it(dir, ec);
  for (; !ec && it != stdfs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      names.push_back(it->path().filename().string());
    }
  }
  if (ec) return Status::IoError(dir + ": cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

Result<int64_t> ReadHighWater(const std::string& layer_dir) {
  std::string path = layer_dir + "/high_water";
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return int64_t{0};
    return text.status();
  }
  std::string_view digits = *text;
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) {
    digits.remove_suffix(1);
  }
  std::optional<int64_t> n = ParseVersionNumber(digits);
  if (!n) return Status::Corrupt(path + ": not a version number");
  return *n;
}

std::string JoinVersions(const std::vector<int64_t>& versions) {
  std::string out;
  for (int64_t v : versions) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v);
  }
  return out;
}

bool SameBytes(const LayerVersion& a, const LayerVersion& b) {
  return a.code_sha256 == b.code_sha256 && a.code_size == b.code_size;
}

Result<LayerStoreConfig> ReadConfig(const std::string& path) {
  LayerStoreConfig config;
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return config;
    return text.status();
  }
  if (Status s = CheckJsonDepth(*text, path); !s.ok()) return s;
  try {
    Json json = Json::parse(*text);
    if (!json.is_object()) return Status::Corrupt(path + ": not an object");
    bool partition_given = false;
    for (auto [key, field] : {std::pair{"Partition", &config.partition},
                              std::pair{"Region", &config.region},
                              std::pair{"Account", &config.account}}) {
      auto it = json.find(key);
      if (it == json.end()) continue;
      if (!it->is_string()) {
        return Status::Corrupt(path + ": " + key + " is not a string");
      }
      *field = it->get<std::string>();
      partition_given = partition_given || std::string_view(key) == "Partition";
    }
    if (!partition_given) config.partition = PartitionForRegion(config.region);
  } catch (const Json::exception& e) {
    return Status::Corrupt(path + ": not valid JSON: " + e.what());
  }
  Result<LayerArn> check =
      MakeLayerArn(config.partition, config.region, config.account, "check");
  if (!check.ok()) {
    return Status::Corrupt(path + ": " + check.status().message());
  }
  return config;
}

std::string ConfigJson(const LayerStoreConfig& config) {
  nlohmann::ordered_json json;
  json["Partition"] = config.partition;
  json["Region"] = config.region;
  json["Account"] = config.account;
  return json.dump(2) + "\n";
}

}  // namespace

Result<LayerStore> LayerStore::Open(const std::string& dir,
                                    ZipValidator validate) {
  if (dir.empty()) return Status::InvalidArgument("empty layer store path");
  std::error_code ec;
  stdfs::path absolute = stdfs::absolute(dir, ec).lexically_normal();
  if (ec) return Status::IoError(dir + ": " + ec.message());
  std::string path = absolute.string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  Result<LayerStoreConfig> config = ReadConfig(path + "/config.json");
  if (!config.ok()) return config.status();
  return LayerStore(path, std::move(*config), std::move(validate));
}

std::string LayerStore::LayerDir(const LayerArn& arn) const {
  return dir_ + "/layers/" + arn.partition + "/" + arn.region + "/" +
         arn.account + "/" + arn.name;
}

Status LayerStore::Prepare() const {
  for (const char* sub : {"", "/tmp", "/layers"}) {
    if (Status s = MakeDir(dir_ + sub); !s.ok()) return s;
  }
  if (Exists(dir_ + "/config.json")) return Status::Ok();
  Result<StoreLock> lock = StoreLock::Acquire(dir_);
  if (!lock.ok()) return lock.status();
  if (Exists(dir_ + "/config.json")) return Status::Ok();
  return WriteFileAtomically(dir_ + "/tmp", dir_, "config.json",
                             ConfigJson(config_), 0644);
}

Result<StoredLayerVersion> LayerStore::Publish(
    const PublishRequest& request) const {
  std::string region = request.region.empty() ? config_.region : request.region;
  std::string partition = request.region.empty()
                              ? config_.partition
                              : PartitionForRegion(request.region);
  std::string account =
      request.account.empty() ? config_.account : request.account;
  if (Status s = ValidateLayerName(request.layer_name); !s.ok()) return s;
  Result<LayerArn> arn =
      MakeLayerArn(partition, region, account, request.layer_name, 1);
  if (!arn.ok()) return arn.status();

  LayerVersion version;
  version.arn = *arn;  // numbered under the lock
  version.description = request.description;
  version.compatible_runtimes = request.compatible_runtimes;
  version.compatible_architectures = request.compatible_architectures;
  version.license_info = request.license_info;
  if (Status s = ValidateLayerVersionFields(version); !s.ok()) return s;

  if (Status s = Prepare(); !s.ok()) return s;
  TempFile temp;
  Result<CodeDigest> digest = CopyIn(request.zip_path, dir_ + "/tmp", &temp);
  if (!digest.ok()) return digest.status();
  version.code_sha256 = digest->code_sha256;
  version.code_size = digest->code_size;
  if (validate_) {
    if (Status s = validate_(temp.path()); !s.ok()) {
      return Rejected(s, request.zip_path);
    }
  }
  Result<StoredLayerVersion> stored = Commit(version, temp.path(), true);
  if (stored.ok()) temp.Release();
  return stored;
}

Result<StoredLayerVersion> LayerStore::Import(
    const LayerVersion& from_aws, const std::string& zip_path) const {
  if (Status s = ValidateLayerVersionFields(from_aws); !s.ok()) return s;
  if (Status s = Prepare(); !s.ok()) return s;
  TempFile temp;
  Result<CodeDigest> digest = CopyIn(zip_path, dir_ + "/tmp", &temp);
  if (!digest.ok()) return digest.status();
  std::string arn = from_aws.arn.ToString();
  if (digest->code_sha256 != from_aws.code_sha256) {
    return Status::Corrupt(zip_path + ": CodeSha256 is " + digest->code_sha256 +
                           " but " + arn + " has " + from_aws.code_sha256 +
                           ": not the zip of this layer version, or an "
                           "incomplete download");
  }
  if (digest->code_size != from_aws.code_size) {
    return Status::Corrupt(zip_path + ": CodeSize is " +
                           std::to_string(digest->code_size) + " but " + arn +
                           " has " + std::to_string(from_aws.code_size));
  }
  if (validate_) {
    if (Status s = validate_(temp.path()); !s.ok()) {
      return Rejected(s, zip_path);
    }
  }
  Result<StoredLayerVersion> stored = Commit(from_aws, temp.path(), false);
  if (stored.ok()) temp.Release();
  return stored;
}

Result<StoredLayerVersion> LayerStore::ImportRemote(const LayerVersion& from_aws,
                                                    const std::string& location) const {
  if (!IsRemoteSource(location)) {
    return Status::InvalidArgument("Content.Location '" + location +
                                   "' is not an http://, https:// or s3:// URL");
  }
  if (Status s = ValidateLayerVersionFields(from_aws); !s.ok()) return s;
  if (Status s = Prepare(); !s.ok()) return s;
  return Commit(from_aws, "", false, location);
}

// Everything that must not interleave with another writer. `number_it`:
// give the version the next free number (publish) instead of keeping the
// one it has (import).
Result<StoredLayerVersion> LayerStore::Commit(LayerVersion version,
                                              const std::string& temp_zip,
                                              bool number_it,
                                              const std::string& location) const {
  Result<StoreLock> lock = StoreLock::Acquire(dir_);
  if (!lock.ok()) return lock.status();
  std::string layer_dir = LayerDir(version.arn);
  std::error_code ec;
  stdfs::create_directories(layer_dir, ec);
  if (ec) {
    return Status::IoError(layer_dir +
                           ": cannot create directory: " + ec.message());
  }
  Result<LayerFiles> files = ScanLayerDir(layer_dir);
  if (!files.ok()) return files.status();
  Result<int64_t> high_water = ReadHighWater(layer_dir);
  if (!high_water.ok()) return high_water.status();
  int64_t highest = std::max(*high_water, files->highest_used);

  if (number_it || version.created_date.empty()) {
    version.created_date = FormatCreatedDate(std::chrono::system_clock::now());
  }
  if (number_it) {
    if (highest >= kMaxLayerVersion) {
      return Status::InvalidArgument(version.arn.LayerString() + " has reached version " +
                                     std::to_string(kMaxLayerVersion) +
                                     ", the highest layerfs numbers; publish under a new name");
    }
    version.arn.version = highest + 1;
  } else if (std::binary_search(files->versions.begin(), files->versions.end(),
                                version.arn.version)) {
    Result<StoredLayerVersion> existing = Load(version.arn);
    if (!existing.ok()) return existing;
    if (SameBytes(existing->version, version)) return existing;
    return Status::AlreadyExists(
        version.arn.ToString() + " is already in the store " + dir_ +
        " with CodeSha256 " + existing->version.code_sha256 +
        "; a version never changes");
  }

  // The high-water mark goes first: if anything below fails, the number is
  // spent, never handed out twice.
  std::string tmp_dir = dir_ + "/tmp";
  int64_t n = version.arn.version;
  if (n > *high_water) {
    if (Status s = WriteFileAtomically(tmp_dir, layer_dir, "high_water",
                                       std::to_string(n) + "\n", 0644);
        !s.ok()) {
      return s;
    }
  }
  std::string zip = location.empty() ? layer_dir + "/" + std::to_string(n) + ".zip" : location;
  if (location.empty() && rename(temp_zip.c_str(), zip.c_str()) != 0) {
    return IoFailure("cannot rename " + temp_zip + " to " + zip, errno);
  }
  // The metadata is the commit point: until it exists, the version does
  // not.
  if (Status s = WriteFileAtomically(
          tmp_dir, layer_dir, std::to_string(n) + ".json",
          LayerVersionToJson(version, location) + "\n", kFrozenMode);
      !s.ok()) {
    return s;
  }
  if (Status s = FsyncDir(layer_dir); !s.ok()) return s;
  return StoredLayerVersion{std::move(version), zip, false, !location.empty()};
}

Result<StoredLayerVersion> LayerStore::Load(const LayerArn& version_arn) const {
  std::string layer_dir = LayerDir(version_arn);
  std::string arn = version_arn.ToString();
  if (!version_arn.has_version()) {
    return Status::InvalidArgument(arn +
                                   " is a layer ARN; a layer version "
                                   "ARN ends in :<version>");
  }
  if (!Exists(layer_dir)) {
    return Status::NotFound(arn + ": no layer " + version_arn.LayerString() +
                            " in the layer store " + dir_);
  }
  std::string base = layer_dir + "/" + std::to_string(version_arn.version);
  Result<std::string> text = ReadFile(base + ".json");
  if (!text.ok()) {
    if (text.status().code() != ErrorCode::kNotFound) return text.status();
    Result<LayerFiles> files = ScanLayerDir(layer_dir);
    std::string known = files.ok() && !files->versions.empty()
                            ? "it has versions " + JoinVersions(files->versions)
                            : "it has no versions";
    return Status::NotFound(arn + ": layer " + version_arn.name +
                            " has no version " +
                            std::to_string(version_arn.version) + " in " +
                            dir_ + " (" + known + ")");
  }
  Result<LayerVersion> version = ParseLayerVersionJson(*text, base + ".json");
  if (!version.ok()) return Status::Corrupt(version.status().message());
  if (version->arn != version_arn) {
    return Status::Corrupt(base + ".json: describes " +
                           version->arn.ToString() + ", not " + arn);
  }
  Result<std::string> location = ParseLayerVersionLocation(*text, base + ".json");
  if (!location.ok()) return Status::Corrupt(location.status().message());
  // Only a remote version records a Location; a local one is its zip.
  const bool remote = IsRemoteSource(*location);
  return StoredLayerVersion{std::move(*version), remote ? *location : base + ".zip",
                            Exists(base + ".deleted"), remote};
}

Result<StoredLayerVersion> LayerStore::Get(const LayerArn& version_arn) const {
  return Load(version_arn);
}

Result<std::string> LayerStore::Resolve(const LayerArn& version_arn) const {
  Result<StoredLayerVersion> stored = Load(version_arn);
  if (!stored.ok()) return stored.status();
  if (!stored->remote && !Exists(stored->zip_path)) {
    return Status::NotFound(version_arn.ToString() + ": its zip " +
                            stored->zip_path + " is missing from the store");
  }
  // A remote version is mounted with its CodeSha256 as the URL's fragment:
  // the disk cache (fs/source/disk_cache.h) keys and verifies it by that,
  // and a complete copy mounts again with no network.
  if (stored->remote && !stored->version.code_sha256.empty() &&
      stored->zip_path.find('#') == std::string::npos) {
    return stored->zip_path + "#sha256=" + stored->version.code_sha256;
  }
  return stored->zip_path;
}

Status LayerStore::UpdateRemoteLocation(const LayerArn& version_arn,
                                        const std::string& location) const {
  if (!IsRemoteSource(location)) {
    return Status::InvalidArgument("Content.Location '" + location +
                                   "' is not an http://, https:// or s3:// URL");
  }
  Result<StoreLock> lock = StoreLock::Acquire(dir_);
  if (!lock.ok()) return lock.status();
  Result<StoredLayerVersion> stored = Load(version_arn);
  if (!stored.ok()) return stored.status();
  if (!stored->remote) {
    return Status::InvalidArgument(version_arn.ToString() + " is stored as a zip, not a URL");
  }
  const std::string layer_dir = LayerDir(version_arn);
  if (Status s = WriteFileAtomically(dir_ + "/tmp", layer_dir,
                                     std::to_string(version_arn.version) + ".json",
                                     LayerVersionToJson(stored->version, location) + "\n",
                                     kFrozenMode);
      !s.ok()) {
    return s;
  }
  return FsyncDir(layer_dir);
}

Status LayerStore::Delete(const LayerArn& version_arn) const {
  Result<StoreLock> lock = StoreLock::Acquire(dir_);
  if (!lock.ok()) return lock.status();
  Result<StoredLayerVersion> stored = Load(version_arn);
  if (!stored.ok()) return stored.status();
  if (stored->deleted) return Status::Ok();
  std::string layer_dir = LayerDir(version_arn);
  std::string marker =
      layer_dir + "/" + std::to_string(version_arn.version) + ".deleted";
  UniqueFd fd(
      open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, kFrozenMode));
  if (!fd.valid()) return IoFailure(marker + ": cannot create", errno);
  if (int err = CloseReportingError(std::move(fd)); err != 0) {
    return IoFailure(marker + ": close", err);
  }
  return FsyncDir(layer_dir);
}

Result<std::vector<LayerArn>> LayerStore::LayerArns() const {
  // Walks layers/<partition>/<region>/<account>/<name>; anything there that
  // does not spell a valid layer ARN is not ours and is skipped.
  std::vector<LayerArn> arns;
  std::vector<std::vector<std::string>> paths = {{}};
  for (int depth = 0; depth < 4; ++depth) {
    std::vector<std::vector<std::string>> deeper;
    for (const std::vector<std::string>& parts : paths) {
      std::string dir = dir_ + "/layers";
      for (const std::string& part : parts) dir += "/" + part;
      Result<std::vector<std::string>> names = Subdirectories(dir);
      if (!names.ok()) return names.status();
      for (const std::string& name : *names) {
        deeper.push_back(parts);
        deeper.back().push_back(name);
      }
    }
    paths = std::move(deeper);
  }
  for (const std::vector<std::string>& parts : paths) {
    Result<LayerArn> arn = MakeLayerArn(parts[0], parts[1], parts[2], parts[3]);
    if (arn.ok()) arns.push_back(std::move(*arn));
  }
  std::sort(arns.begin(), arns.end(), [](const LayerArn& a, const LayerArn& b) {
    return a.LayerString() < b.LayerString();
  });
  return arns;
}

Result<std::vector<StoredLayerVersion>> LayerStore::LoadLayer(
    const LayerArn& layer_arn, bool include_deleted) const {
  std::string layer_dir = LayerDir(layer_arn);
  Result<LayerFiles> files = ScanLayerDir(layer_dir);
  if (!files.ok()) return files.status();
  std::vector<StoredLayerVersion> out;
  for (auto n = files->versions.rbegin(); n != files->versions.rend(); ++n) {
    std::string marker = layer_dir + "/" + std::to_string(*n) + ".deleted";
    if (!include_deleted && Exists(marker)) continue;
    Result<StoredLayerVersion> stored = Load(layer_arn.WithVersion(*n));
    if (!stored.ok()) return stored.status();
    out.push_back(std::move(*stored));
  }
  return out;
}

Result<std::vector<StoredLayerVersion>> LayerStore::List() const {
  Result<std::vector<LayerArn>> arns = LayerArns();
  if (!arns.ok()) return arns.status();
  std::vector<StoredLayerVersion> latest;
  for (const LayerArn& arn : *arns) {
    // Loads every live version to find the newest; stores hold few.
    Result<std::vector<StoredLayerVersion>> versions = LoadLayer(arn, false);
    if (!versions.ok()) return versions.status();
    if (!versions->empty()) latest.push_back(std::move(versions->front()));
  }
  return latest;
}

Result<std::vector<StoredLayerVersion>> LayerStore::Versions(
    std::string_view layer, bool include_deleted) const {
  LayerArn layer_arn;
  if (layer.starts_with("arn:")) {
    Result<LayerArn> arn = ParseLayerArn(layer);
    if (!arn.ok()) return arn.status();
    if (arn->has_version()) {
      return Status::InvalidArgument(
          std::string(layer) + " is a layer version ARN; give the layer ARN " +
          arn->LayerString() + " or the name " + arn->name);
    }
    if (!Exists(LayerDir(*arn))) {
      return Status::NotFound("no layer " + arn->LayerString() +
                              " in the layer store " + dir_);
    }
    layer_arn = *arn;
  } else {
    if (Status s = ValidateLayerName(layer); !s.ok()) return s;
    Result<std::vector<LayerArn>> arns = LayerArns();
    if (!arns.ok()) return arns.status();
    std::vector<LayerArn> matches;
    for (const LayerArn& arn : *arns) {
      if (arn.name == layer) matches.push_back(arn);
    }
    if (matches.empty()) {
      return Status::NotFound("no layer named " + std::string(layer) +
                              " in the layer store " + dir_);
    }
    if (matches.size() > 1) {
      std::string list;
      for (const LayerArn& arn : matches) list += "\n  " + arn.LayerString();
      return Status::InvalidArgument(
          "the layer name " + std::string(layer) + " matches " +
          std::to_string(matches.size()) +
          " layers in the layer store; give one of their ARNs:" + list);
    }
    layer_arn = matches.front();
  }
  return LoadLayer(layer_arn, include_deleted);
}

Result<std::string> DefaultStoreDir(std::string_view env_store, uid_t uid,
                                    std::string_view home) {
  if (!env_store.empty()) return std::string(env_store);
  if (uid == 0) return std::string("/var/lib/layerfs");
  if (!home.empty()) {
    std::string dir(home);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir == "/") dir.clear();
    return dir + "/.local/share/layerfs";
  }
  return Status::InvalidArgument(
      "no layer store: give --store DIR or set LAYERFS_STORE (HOME is not "
      "set, so ~/.local/share/layerfs cannot be used)");
}

}  // namespace layerfs
