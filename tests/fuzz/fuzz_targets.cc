#include "tests/fuzz/fuzz_targets.h"

#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "fs/lambda/function_config.h"
#include "fs/lambda/layer_version.h"
#include "fs/zip/entry_path.h"
#include "fs/read/file_reader.h"
#include "fs/union/layer.h"
#include "fs/union/union_view.h"
#include "fs/base/unique_fd.h"

namespace layerfs::fuzz {

namespace {

// A megabyte of read budget: whole-entry decompression up to 192 KiB and
// streaming (with checkpoints and block eviction) above, as a small
// --cache-size mount would do.
constexpr uint64_t kResourceBudget = 1 << 20;
// Bounds on the work one input may cause, so a small zip bomb costs
// milliseconds, not minutes.
constexpr uint64_t kReadBudget = 8 << 20;  // bytes read over all files
constexpr uint64_t kSequentialPrefix = 256 << 10;
constexpr size_t kChunk = 64 << 10;
constexpr uint64_t kWholeRecordLimit = 1 << 20;
constexpr size_t kMaxWholeRecords = 64;
constexpr uint64_t kReferenceLimit = 8 << 20;

// What fs/zip/entry_path.h promises of every name component it lets through.
std::string CheckComponent(std::string_view name) {
  if (name.empty()) return "empty name component";
  if (name == "." || name == "..") return "name component is . or ..";
  if (name.find('/') != std::string_view::npos) return "name component holds a slash";
  if (name.find('\0') != std::string_view::npos) return "name component holds a NUL";
  if (name.size() > kMaxNameLength) return "name component longer than 255 bytes";
  return "";
}

std::string CheckNormalisedPath(std::string_view path) {
  if (path.empty()) return "";
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash == std::string_view::npos
                                                   ? std::string_view::npos
                                                   : slash - start);
    if (std::string e = CheckComponent(part); !e.empty()) {
      return e + " in \"" + std::string(path) + "\"";
    }
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

Result<UniqueFd> MemFile(std::span<const uint8_t> bytes) {
  UniqueFd fd(::memfd_create("layer.zip", MFD_CLOEXEC));
  if (!fd.valid()) return Status::IoError(std::string("memfd_create: ") + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IoError(std::string("write: ") + std::strerror(errno));
    done += size_t(n);
  }
  return fd;
}

std::vector<std::span<const uint8_t>> SplitLayers(std::span<const uint8_t> data) {
  std::string_view sep(kLayerSeparator);
  std::vector<std::span<const uint8_t>> parts;
  auto rest = data;
  while (parts.size() + 1 < kMaxLayers) {
    auto it = std::search(rest.begin(), rest.end(), sep.begin(), sep.end());
    if (it == rest.end()) break;
    size_t at = size_t(it - rest.begin());
    parts.push_back(rest.first(at));
    rest = rest.subspan(at + sep.size());
  }
  parts.push_back(rest);
  return parts;
}

// One layer's index: the layout fs/union/layer_index.h describes.
std::string CheckIndex(const Layer& layer) {
  const LayerIndex& index = layer.index();
  const auto& records = layer.archive().directory().records();
  if (index.node_count() == 0 || index.node(kRootNode).type != NodeType::kDirectory) {
    return "index has no root directory";
  }
  for (NodeId id = 0; id < index.node_count(); ++id) {
    const LayerNode& n = index.node(id);
    if (n.type != NodeType::kDirectory) {
      if (n.child_count != 0) return "non-directory node with children";
      if (n.record >= records.size()) return "file or symlink node without a record";
      // Sizes from 2^63 up do not fit off_t: such a node lists the
      // compressed size instead (or 0), as fs/union/layer_index.cc says.
      const ZipRecord& r = records[n.record];
      const uint64_t listed = r.uncompressed_size <= uint64_t(INT64_MAX) ? r.uncompressed_size
                              : r.compressed_size <= uint64_t(INT64_MAX) ? r.compressed_size
                                                                         : 0;
      if (n.size != listed) return "node size differs from record";
      continue;
    }
    std::span<const NodeId> kids = index.children(id);
    for (size_t k = 0; k < kids.size(); ++k) {
      if (kids[k] >= index.node_count() || kids[k] == kRootNode) return "child id out of range";
      std::string_view name = index.name(kids[k]);
      if (std::string e = CheckComponent(name); !e.empty()) return "index: " + e;
      if (k > 0 && !(index.name(kids[k - 1]) < name)) return "index children not sorted/unique";
      if (index.FindChild(id, name) != kids[k]) return "index FindChild misses a listed child";
    }
  }
  return "";
}

// What an entry's first bytes must be, decoded independently of fs/ (one
// zlib pass over the raw bytes, no checkpoints, no cache, no CRC check):
// up to `limit` bytes of a stored or deflated entry, fewer where the data
// ends or turns bad. The readers under test may fail where this succeeds,
// never serve other bytes.
std::string ReferenceBytes(const Archive& archive, uint32_t record, uint64_t limit) {
  const ZipRecord& r = archive.record(record);
  Result<uint64_t> data = archive.DataOffset(record);
  if (!data.ok() || (r.method != 0 && r.method != 8)) return "";
  uint64_t want = std::min(r.uncompressed_size, limit);
  std::string in(size_t(std::min<uint64_t>(r.compressed_size, r.method == 0 ? want : 1 << 20)),
                 '\0');
  Result<size_t> got = archive.source().ReadAt(*data, in);
  if (!got.ok()) return "";
  in.resize(*got);
  if (r.method == 0) return in;
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return "";
  std::string out(size_t(want), '\0');
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  while (z.avail_out > 0) {
    uInt before = z.avail_out;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK || z.avail_out == before) break;
  }
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

// Reads [offset, offset + length) through `reader` in kChunk pieces,
// checking the FileReader contract; appends the bytes to `out`.
std::string ReadRange(FileReader& reader, uint64_t size, uint64_t offset, uint64_t length,
                      uint64_t& budget, std::string* out, bool* failed) {
  std::vector<char> buf(kChunk);
  uint64_t end = offset + length;
  while (offset < end && budget > 0) {
    size_t want = size_t(std::min<uint64_t>({kChunk, end - offset, budget}));
    Result<size_t> got = reader.Read(offset, std::span<char>(buf.data(), want));
    if (!got.ok()) {
      if (got.status().message().empty()) return "read failed without a message";
      *failed = true;
      return "";
    }
    if (*got > want) return "read returned more than asked";
    uint64_t left = offset < size ? size - offset : 0;
    if (*got != std::min<uint64_t>(want, left)) {
      return "short read before the end of the file (" + std::to_string(*got) + " of " +
             std::to_string(want) + " at " + std::to_string(offset) + ", size " +
             std::to_string(size) + "): " + reader.Label();
    }
    budget -= std::min<uint64_t>(budget, want);
    if (out) out->append(buf.data(), *got);
    if (*got == 0) break;
    offset += *got;
  }
  return "";
}

class UnionChecker {
 public:
  UnionChecker(const UnionView& view, ReadResources& resources)
      : view_(view), resources_(resources) {}

  std::string Run() {
    std::deque<const UnionNode*> queue = {&view_.root()};
    while (!queue.empty()) {
      const UnionNode& node = *queue.front();
      queue.pop_front();
      std::string e;
      switch (node.type()) {
        case NodeType::kDirectory: e = CheckDirectory(node, queue); break;
        case NodeType::kFile: e = CheckFile(node); break;
        case NodeType::kSymlink: e = CheckSymlink(node); break;
      }
      if (!e.empty()) return view_.PathOf(node) + ": " + e;
    }
    return "";
  }

 private:
  std::string CheckDirectory(const UnionNode& dir, std::deque<const UnionNode*>& queue) {
    std::span<const UnionNode> kids = view_.Children(dir);
    uint32_t subdirs = 0;
    for (size_t k = 0; k < kids.size(); ++k) {
      const UnionNode& child = kids[k];
      if (std::string e = CheckComponent(child.name()); !e.empty()) return e;
      if (k > 0 && !(kids[k - 1].name() < child.name())) return "children not sorted/unique";
      if (child.parent() != &dir) return "child's parent is not its directory";
      if (view_.Lookup(dir, child.name()) != &child) return "Lookup misses a listed child";
      if (child.source().layer >= view_.layer_count()) return "source layer out of range";
      if (child.is_directory()) ++subdirs;
      queue.push_back(&child);
    }
    if (view_.LinkCount(dir) != 2 + subdirs) return "wrong link count";
    if (view_.Lookup(dir, "") != nullptr) return "Lookup of an empty name found something";
    return "";
  }

  std::string CheckSymlink(const UnionNode& link) {
    Result<std::string> target = view_.ReadLink(link);
    if (target.ok() && target->size() != link.size()) return "symlink target size differs";
    return "";
  }

  std::string CheckFile(const UnionNode& file) {
    Result<std::unique_ptr<FileReader>> reader = FileReader::Open(view_, file, resources_);
    if (!reader.ok() || budget_ == 0) return "";
    uint64_t size = file.size();
    bool failed = false;
    const Archive& archive = view_.SourceLayer(file).archive();
    std::string reference =
        ReferenceBytes(archive, view_.RecordOf(file), std::min(budget_, kReferenceLimit));
    budget_ -= std::min<uint64_t>(budget_, reference.size());
    auto agrees = [&](uint64_t at, const std::string& got) {
      if (at >= reference.size()) return true;
      size_t n = std::min<size_t>(got.size(), reference.size() - at);
      return std::string_view(got).substr(0, n) == std::string_view(reference).substr(at, n);
    };
    std::string first;
    uint64_t prefix = std::min(size, kSequentialPrefix);
    if (std::string e = ReadRange(**reader, size, 0, prefix + 1, budget_, &first, &failed);
        !e.empty() || failed) {
      return e;
    }
    if (!agrees(0, first)) return "served bytes differ from an independent decode: " + (*reader)->Label();
    // Seeks: the middle, the end and past it (restarts at checkpoints),
    // then back to the start through a second reader: the same bytes
    // whatever the path taken.
    if (size > prefix) {
      for (uint64_t at : {size / 2, size - std::min<uint64_t>(size, kChunk / 2)}) {
        std::string piece;
        if (std::string e = ReadRange(**reader, size, at, kChunk, budget_, &piece, &failed);
            !e.empty() || failed) {
          return e;
        }
        if (!agrees(at, piece)) {
          return "bytes at " + std::to_string(at) + " differ from an independent decode: " +
                 (*reader)->Label();
        }
      }
    }
    if (std::string e = ReadRange(**reader, size, size + 7, 1, budget_, nullptr, &failed);
        !e.empty() || failed) {
      return e;
    }
    Result<std::unique_ptr<FileReader>> again = FileReader::Open(view_, file, resources_);
    if (!again.ok()) return "";
    std::string second;
    uint64_t reread = std::min<uint64_t>(first.size(), kChunk);
    if (std::string e = ReadRange(**again, size, 0, reread, budget_, &second, &failed);
        !e.empty() || failed) {
      return e;
    }
    if (std::string_view(first).substr(0, second.size()) != second) {
      return "two reads of the same range gave different bytes";
    }
    return "";
  }

  const UnionView& view_;
  ReadResources& resources_;
  uint64_t budget_ = kReadBudget;
};

}  // namespace

std::string CheckArchive(std::span<const uint8_t> data) {
  std::vector<UniqueFd> files;  // must outlive the layers, which reopen by path
  std::vector<std::shared_ptr<const Layer>> layers;
  for (std::span<const uint8_t> part : SplitLayers(data)) {
    Result<UniqueFd> fd = MemFile(part);
    if (!fd.ok()) return "";  // out of descriptors or memory: not a finding
    std::string path = "/proc/self/fd/" + std::to_string(fd->get());
    files.push_back(std::move(*fd));
    Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
    if (!layer.ok()) {
      if (layer.status().message().find(path) == std::string::npos) {
        return "refusal does not name the file: " + layer.status().message();
      }
      continue;
    }
    if (std::string e = CheckIndex(**layer); !e.empty()) return e;
    // Every record, winning or not, decompressed whole where small.
    const Archive& archive = (*layer)->archive();
    size_t tried = 0;
    for (uint32_t i = 0; i < archive.directory().records().size() && tried < kMaxWholeRecords;
         ++i) {
      const ZipRecord& r = archive.record(i);
      if (r.uncompressed_size > kWholeRecordLimit) continue;
      ++tried;
      Result<ByteBuffer> bytes = archive.ReadWhole(i);
      if (bytes.ok() && bytes->size() != r.uncompressed_size) return "ReadWhole size differs";
    }
    layers.push_back(std::move(*layer));
  }
  if (layers.empty()) return "";
  UnionView view(std::move(layers));
  ReadResources resources(kResourceBudget);
  return UnionChecker(view, resources).Run();
}

std::string CheckJson(std::span<const uint8_t> data) {
  if (data.empty()) return "";
  const std::string_view text(reinterpret_cast<const char*>(data.data()) + 1, data.size() - 1);
  constexpr std::string_view kSource = "fuzz.json";
  Status status = Status::Ok();
  if (data[0] % 2 == 0) {
    status = ParseFunctionConfig(text, kSource).status();
  } else {
    status = ParseLayerVersionJson(text, kSource).status();
  }
  if (status.ok()) return "";
  const std::string& m = status.message();
  if (m.find(kSource) == std::string::npos) return "error does not name the source: " + m;
  if (m.find('\n') != std::string::npos) return "error spans lines: " + m;
  return "";
}

std::string CheckEntryName(std::span<const uint8_t> data) {
  if (data.empty()) return "";
  bool utf8_flag = data[0] & 1;
  bool dos_made = data[0] & 2;
  std::string_view raw(reinterpret_cast<const char*>(data.data()) + 1, data.size() - 1);

  std::string converted = Cp437ToUtf8(raw);
  if (!IsValidUtf8(converted)) return "Cp437ToUtf8 produced invalid UTF-8";

  Result<EntryPath> path = NormalizeEntryName(raw, utf8_flag, dos_made);
  if (!path.ok()) {
    if (path.status().message().empty()) return "refusal without a reason";
    return "";
  }
  if (raw.find('\0') != std::string_view::npos) return "a name with a NUL was accepted";
  const std::string& p = path->path;
  if (!p.empty() && (p.front() == '/' || p.back() == '/')) return "leading or trailing slash";
  if (std::string e = CheckNormalisedPath(p); !e.empty()) return e;
  if (!utf8_flag && !IsValidUtf8(raw) && !IsValidUtf8(p)) return "CP437 name not made UTF-8";
  // Normalising a normalised path changes nothing.
  Result<EntryPath> again = NormalizeEntryName(p, true, false);
  if (!again.ok() || again->path != p || again->was_absolute) return "normalising is not idempotent";
  auto [parent, leaf] = SplitParent(p);
  std::string joined = parent.empty() ? std::string(leaf) : std::string(parent) + "/" + std::string(leaf);
  if (joined != p) return "SplitParent does not split at the last slash";
  return "";
}

}  // namespace layerfs::fuzz
