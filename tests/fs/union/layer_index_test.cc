#include "fs/union/layer_index.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <string>
#include <vector>

#include "fs/union/layer.h"
#include "fs/zip/entry_path.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_files::ReadFile;
using testing_files::TempDir;
using namespace testing_zip;

class LayerIndexTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Layer> Open(const ZipBuilder& zip, const std::string& name = "layer.zip") {
    std::string path = dir_ / name;
    EXPECT_TRUE(zip.Write(path));
    Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return layer.ok() ? *layer : nullptr;
  }

  // The node at `path`, which must exist.
  static const LayerNode& At(const Layer& layer, std::string_view path) {
    NodeId id = layer.index().FindPath(path);
    EXPECT_NE(id, kNoNode) << "no node at " << path;
    return layer.index().node(id == kNoNode ? kRootNode : id);
  }
  static bool Exists(const Layer& layer, std::string_view path) {
    return layer.index().FindPath(path) != kNoNode;
  }
  static std::vector<std::string> List(const Layer& layer, std::string_view dir_path) {
    std::vector<std::string> names;
    NodeId dir = layer.index().FindPath(dir_path);
    if (dir == kNoNode) return {"<missing>"};
    for (NodeId child : layer.index().children(dir)) {
      names.emplace_back(layer.index().name(child));
    }
    return names;
  }
  // The name of the record a node was built from.
  static std::string RecordName(const Layer& layer, const LayerNode& node) {
    if (node.record == kNoRecord) return "<none>";
    const CentralDirectory& dir = layer.archive().directory();
    return std::string(dir.name(dir.records()[node.record]));
  }
  // Whether some warning is about `entry` and mentions `reason_part`.
  static bool Warned(const Layer& layer, std::string_view entry, std::string_view reason_part) {
    for (const IndexWarning& w : layer.index().warnings()) {
      if (w.entry == entry && w.reason.find(reason_part) != std::string::npos) return true;
    }
    return false;
  }

  TempDir dir_;
};

using Names = std::vector<std::string>;

// ---- ClassifyRecord: type and mode from the external attributes ----------

ZipRecord UnixRecord(uint32_t st_mode) {
  ZipRecord r;
  r.version_made_by = (3 << 8) | 63;
  r.external_attributes = st_mode << 16;
  return r;
}

TEST(ClassifyRecordTest, UnixPermissionBitsAreKept) {
  struct Case {
    uint32_t st_mode;
    NodeType type;
    uint16_t mode;
  };
  const Case cases[] = {
      {S_IFREG | 0644, NodeType::kFile, 0644},      {S_IFREG | 0600, NodeType::kFile, 0600},
      {S_IFREG | 0777, NodeType::kFile, 0777},      {S_IFREG | 0755, NodeType::kFile, 0755},
      {S_IFREG | 0000, NodeType::kFile, 0000},      {S_IFREG | 0444, NodeType::kFile, 0444},
      {S_IFDIR | 0755, NodeType::kDirectory, 0755}, {S_IFDIR | 0700, NodeType::kDirectory, 0700},
      {S_IFLNK | 0777, NodeType::kSymlink, 0777},   {S_IFLNK | 0755, NodeType::kSymlink, 0755},
      {0644, NodeType::kFile, 0644},  // permission bits with no type: a file
  };
  for (const Case& c : cases) {
    // Directory entries carry their trailing slash, as real ones do.
    EntryKind kind = ClassifyRecord(UnixRecord(c.st_mode), (c.st_mode & S_IFMT) == S_IFDIR);
    EXPECT_TRUE(kind.has_unix_mode) << std::oct << c.st_mode;
    EXPECT_EQ(kind.type, c.type) << std::oct << c.st_mode;
    EXPECT_EQ(kind.mode, c.mode) << std::oct << c.st_mode;
    EXPECT_FALSE(kind.special) << std::oct << c.st_mode;
  }
}

TEST(ClassifyRecordTest, SetuidSetgidAndStickyAreNeverHonoured) {
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFREG | 04755), false).mode, 0755);
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFREG | 02755), false).mode, 0755);
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFREG | 06777), false).mode, 0777);
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFDIR | 01777), false).mode, 0777);
}

TEST(ClassifyRecordTest, FifosDevicesAndSocketsBecomeSpecialFiles) {
  for (uint32_t type : {S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK}) {
    EntryKind kind = ClassifyRecord(UnixRecord(type | 0640), false);
    EXPECT_EQ(kind.type, NodeType::kFile) << std::oct << type;
    EXPECT_TRUE(kind.special) << std::oct << type;
    EXPECT_EQ(kind.mode, 0640) << std::oct << type;
  }
}

// External attributes: a Unix st_mode in the high word, DOS flags below.
uint32_t Attr(uint32_t st_mode, uint32_t dos) { return (st_mode << 16) | dos; }

ZipRecord DosRecord(uint32_t external_attributes) {
  ZipRecord r;
  r.version_made_by = (0 << 8) | 20;  // MS-DOS
  r.external_attributes = external_attributes;
  return r;
}

TEST(ClassifyRecordTest, EntriesWithoutUnixAttributesGetUnzipsDefaultModes) {
  EntryKind file = ClassifyRecord(DosRecord(0), false);
  EXPECT_FALSE(file.has_unix_mode);
  EXPECT_EQ(file.type, NodeType::kFile);
  EXPECT_EQ(file.mode, 0644);

  EntryKind dir = ClassifyRecord(DosRecord(0), true);
  EXPECT_EQ(dir.type, NodeType::kDirectory);
  EXPECT_EQ(dir.mode, 0755);

  // Read-only drops the write bits, as unzip does.
  EXPECT_EQ(ClassifyRecord(DosRecord(0x21), false).mode, 0444);
  EXPECT_EQ(ClassifyRecord(DosRecord(0x11), true).mode, 0555);
}

TEST(ClassifyRecordTest, DosDirectoryBitWithoutSlashIsAnExecutableFile) {
  // unzip writes an empty file, its mode from the directory attribute.
  EntryKind kind = ClassifyRecord(DosRecord(0x10), false);
  EXPECT_EQ(kind.type, NodeType::kFile);
  EXPECT_EQ(kind.mode, 0755);
}

TEST(ClassifyRecordTest, UnixDirectoryTypeWithoutSlashIsAFile) {
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFDIR | 0755), false).type, NodeType::kFile);
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFDIR | 0700), false).mode, 0700);
  EXPECT_EQ(ClassifyRecord(UnixRecord(S_IFDIR | 0755), true).type, NodeType::kDirectory);
}

TEST(ClassifyRecordTest, DosHostHighWordModesAreKeptWhenTheOwnerBitsAgree) {
  struct Case {
    uint32_t attributes;
    uint16_t mode;
  };
  const Case cases[] = {
      {Attr(S_IFREG | 0600, 0x20), 0600}, {Attr(S_IFREG | 0640, 0x20), 0640},
      {Attr(S_IFREG | 0660, 0x20), 0660}, {Attr(S_IFREG | 0664, 0x20), 0664},
      {Attr(S_IFREG | 04600, 0x20), 0600},  // setuid never honoured
      // Owner bits that contradict the DOS flags: unzip's defaults.
      {Attr(S_IFREG | 0755, 0x20), 0644}, {Attr(S_IFREG | 0777, 0x20), 0644},
      {Attr(S_IFREG | 0700, 0x20), 0644}, {Attr(S_IFREG | 0444, 0x20), 0644},
      {Attr(S_IFREG | 0600, 0x21), 0444}, {Attr(S_IFREG | 0444, 0x21), 0444},
  };
  for (const Case& c : cases) {
    EntryKind kind = ClassifyRecord(DosRecord(c.attributes), false);
    EXPECT_EQ(kind.type, NodeType::kFile) << std::hex << c.attributes;
    EXPECT_EQ(kind.mode, c.mode) << std::hex << c.attributes;
  }
}

TEST(ClassifyRecordTest, UnixHostWithZeroAttributesIsMode0000) {
  // Decided as unzip does: never more permissive than unzip.
  ZipRecord bare = UnixRecord(0);
  EXPECT_TRUE(ClassifyRecord(bare, false).has_unix_mode);
  EXPECT_EQ(ClassifyRecord(bare, false).mode, 0000);
  EXPECT_EQ(ClassifyRecord(bare, false).type, NodeType::kFile);
  EXPECT_EQ(ClassifyRecord(bare, true).mode, 0000);
  EXPECT_EQ(ClassifyRecord(bare, true).type, NodeType::kDirectory);
}

TEST(ClassifyRecordTest, MacOsArchiversCountAsUnix) {
  ZipRecord r = UnixRecord(S_IFREG | 0750);
  r.version_made_by = (19 << 8) | 20;  // OS X (Darwin)
  EXPECT_TRUE(ClassifyRecord(r, false).has_unix_mode);
  EXPECT_EQ(ClassifyRecord(r, false).mode, 0750);
}

TEST(ClassifyRecordTest, TrailingSlashMakesADirectory) {
  EntryKind kind = ClassifyRecord(UnixRecord(S_IFREG | 0700), true);
  EXPECT_EQ(kind.type, NodeType::kDirectory);
  EXPECT_EQ(kind.mode, 0700);
}

// ---- The tree of one layer -------------------------------------------------

TEST_F(LayerIndexTest, EmptyArchiveIsAnEmptyRoot) {
  auto layer = Open(ZipBuilder());
  ASSERT_TRUE(layer);
  const LayerIndex& index = layer->index();
  EXPECT_EQ(index.node_count(), 1u);
  EXPECT_EQ(index.node(kRootNode).type, NodeType::kDirectory);
  EXPECT_TRUE(index.children(kRootNode).empty());
  EXPECT_TRUE(index.warnings().empty());
  EXPECT_EQ(index.file_count(), 0u);
  EXPECT_EQ(index.total_file_bytes(), 0u);
}

TEST_F(LayerIndexTest, ImpliedDirectoriesExistWithMode0755) {
  auto layer = Open(ZipBuilder().File("a/b/c.txt", "data").Mode(0600));
  ASSERT_TRUE(layer);
  for (std::string_view dir : {"a", "a/b"}) {
    const LayerNode& n = At(*layer, dir);
    EXPECT_EQ(n.type, NodeType::kDirectory) << dir;
    EXPECT_EQ(n.mode, 0755) << dir;
    EXPECT_FALSE(n.explicit_entry) << dir;
    EXPECT_EQ(n.record, kNoRecord) << dir;
    EXPECT_EQ(n.mtime, layer->archive().file_mtime()) << dir;
  }
  const LayerNode& file = At(*layer, "a/b/c.txt");
  EXPECT_EQ(file.type, NodeType::kFile);
  EXPECT_EQ(file.mode, 0600);
  EXPECT_EQ(file.size, 4u);
  EXPECT_TRUE(file.explicit_entry);
  EXPECT_EQ(List(*layer, ""), Names{"a"});
  EXPECT_EQ(List(*layer, "a"), Names{"b"});
}

TEST_F(LayerIndexTest, ImpliedDirectoriesTakeTheArchiveFileMtime) {
  std::string path = dir_ / "dated.zip";
  ASSERT_TRUE(ZipBuilder().File("x/y", "1").Write(path));
  struct timeval times[2] = {{1500000000, 0}, {1500000000, 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_TRUE(layer.ok());
  EXPECT_EQ(At(**layer, "x").mtime, 1500000000);
}

TEST_F(LayerIndexTest, ChildrenAreSortedByName) {
  ZipBuilder zip;
  for (const char* name : {"zeta", "alpha", "Mid", "b/x", "_u", "caf\xc3\xa9", "cafe"}) {
    zip.File(name, "");
  }
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""),
            (Names{"Mid", "_u", "alpha", "b", "cafe", "caf\xc3\xa9", "zeta"}));
  for (const char* name : {"zeta", "alpha", "Mid", "b", "_u", "caf\xc3\xa9", "cafe"}) {
    EXPECT_NE(layer->index().FindChild(kRootNode, name), kNoNode) << name;
  }
  EXPECT_EQ(layer->index().FindChild(kRootNode, "nope"), kNoNode);
  EXPECT_EQ(layer->index().FindChild(kRootNode, "caf"), kNoNode);
}

TEST_F(LayerIndexTest, FindPathStopsAtNonDirectories) {
  auto layer = Open(ZipBuilder().File("f", "1").Symlink("l", "d").Dir("d").File("d/x", "2"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(layer->index().FindPath(""), kRootNode);
  EXPECT_NE(layer->index().FindPath("d/x"), kNoNode);
  EXPECT_EQ(layer->index().FindPath("f/x"), kNoNode);
  EXPECT_EQ(layer->index().FindPath("l/x"), kNoNode);  // never follows a symlink
  EXPECT_EQ(layer->index().FindPath("d/y"), kNoNode);
  EXPECT_EQ(layer->index().FindPath("d/x/z"), kNoNode);
}

TEST_F(LayerIndexTest, ExplicitDirectoryEntryAfterItsChildrenSetsAttributes) {
  auto layer = Open(ZipBuilder().File("a/x", "1").Dir("a").Mode(0700).Mtime(1600000000));
  ASSERT_TRUE(layer);
  const LayerNode& a = At(*layer, "a");
  EXPECT_EQ(a.type, NodeType::kDirectory);
  EXPECT_EQ(a.mode, 0700);
  EXPECT_EQ(a.mtime, 1600000000);
  EXPECT_TRUE(a.explicit_entry);
  EXPECT_EQ(List(*layer, "a"), Names{"x"});
}

TEST_F(LayerIndexTest, ExplicitDirectoryEntryBeforeItsChildrenKeepsAttributes) {
  auto layer = Open(ZipBuilder().Dir("a").Mode(0750).Mtime(1600000000).File("a/x", "1"));
  ASSERT_TRUE(layer);
  const LayerNode& a = At(*layer, "a");
  EXPECT_EQ(a.mode, 0750);
  EXPECT_EQ(a.mtime, 1600000000);
  EXPECT_TRUE(a.explicit_entry);
}

TEST_F(LayerIndexTest, DuplicateDirectoryEntriesMergeAndTheLaterSetsAttributes) {
  ZipBuilder zip;
  zip.Dir("a").Mode(0700).Mtime(1600000000);
  zip.File("a/x", "1");
  zip.Dir("a").Mode(0711).Mtime(1600000002);
  zip.File("a/y", "2");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "a").mode, 0711);
  EXPECT_EQ(At(*layer, "a").mtime, 1600000002);
  EXPECT_EQ(List(*layer, "a"), (Names{"x", "y"}));
}

TEST_F(LayerIndexTest, DuplicateFileLaterWins) {
  auto layer = Open(ZipBuilder().File("a", "first").Mode(0600).File("a", "second!").Mode(0755));
  ASSERT_TRUE(layer);
  const LayerNode& a = At(*layer, "a");
  EXPECT_EQ(a.type, NodeType::kFile);
  EXPECT_EQ(a.size, 7u);
  EXPECT_EQ(a.mode, 0755);
  EXPECT_EQ(a.record, 1u);
  EXPECT_EQ(List(*layer, ""), Names{"a"});
  EXPECT_EQ(layer->index().file_count(), 1u);
  EXPECT_EQ(layer->index().total_file_bytes(), 7u);
}

// One later-entry-wins case per pair of types, as `unzip -o` would leave
// the path after extracting both (the later replaces the whole path).
struct DuplicateCase {
  const char* label;
  void (*first)(ZipBuilder&);
  void (*second)(ZipBuilder&);
  NodeType type;
  Names children;  // of "a" when it ends a directory
};

void AddFile(ZipBuilder& z) { z.File("a", "file-data"); }
void AddDir(ZipBuilder& z) { z.Dir("a").File("a/inside", "x"); }
void AddEmptyDir(ZipBuilder& z) { z.Dir("a"); }
void AddLink(ZipBuilder& z) { z.Symlink("a", "target"); }
void AddImplied(ZipBuilder& z) { z.File("a/implied", "y"); }

class DuplicateTypesTest : public LayerIndexTest,
                           public ::testing::WithParamInterface<DuplicateCase> {};

TEST_P(DuplicateTypesTest, LaterEntryWins) {
  const DuplicateCase& c = GetParam();
  ZipBuilder zip;
  c.first(zip);
  c.second(zip);
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  const LayerNode& a = At(*layer, "a");
  EXPECT_EQ(a.type, c.type);
  if (c.type == NodeType::kDirectory) {
    EXPECT_EQ(List(*layer, "a"), c.children);
  } else {
    EXPECT_EQ(layer->index().children(layer->index().FindPath("a")).size(), 0u);
    EXPECT_EQ(RecordName(*layer, a), "a");
    EXPECT_EQ(a.record, layer->archive().directory().records().size() - 1);
  }
  EXPECT_EQ(List(*layer, ""), Names{"a"});
}

INSTANTIATE_TEST_SUITE_P(
    AllTypePairs, DuplicateTypesTest,
    ::testing::Values(
        DuplicateCase{"FileThenDir", AddFile, AddEmptyDir, NodeType::kDirectory, {}},
        DuplicateCase{"FileThenDirWithChild", AddFile, AddDir, NodeType::kDirectory, {"inside"}},
        DuplicateCase{"FileThenImpliedDir", AddFile, AddImplied, NodeType::kDirectory,
                      {"implied"}},
        DuplicateCase{"DirThenFile", AddDir, AddFile, NodeType::kFile, {}},
        DuplicateCase{"ImpliedDirThenFile", AddImplied, AddFile, NodeType::kFile, {}},
        DuplicateCase{"FileThenSymlink", AddFile, AddLink, NodeType::kSymlink, {}},
        DuplicateCase{"SymlinkThenFile", AddLink, AddFile, NodeType::kFile, {}},
        DuplicateCase{"DirThenSymlink", AddDir, AddLink, NodeType::kSymlink, {}},
        DuplicateCase{"ImpliedDirThenSymlink", AddImplied, AddLink, NodeType::kSymlink, {}},
        DuplicateCase{"SymlinkThenDir", AddLink, AddDir, NodeType::kDirectory, {"inside"}},
        DuplicateCase{"SymlinkThenImpliedDir", AddLink, AddImplied, NodeType::kDirectory,
                      {"implied"}},
        DuplicateCase{"SymlinkThenSymlink", AddLink, AddLink, NodeType::kSymlink, {}},
        DuplicateCase{"DirThenDir", AddDir, AddImplied, NodeType::kDirectory,
                      {"implied", "inside"}}),
    [](const ::testing::TestParamInfo<DuplicateCase>& p) { return p.param.label; });

TEST_F(LayerIndexTest, FileThenChildMakesItADirectory) {
  auto layer = Open(ZipBuilder().File("a", "was a file").File("a/x", "child"));
  ASSERT_TRUE(layer);
  const LayerNode& a = At(*layer, "a");
  EXPECT_EQ(a.type, NodeType::kDirectory);
  EXPECT_EQ(a.mode, 0755);
  EXPECT_FALSE(a.explicit_entry);
  EXPECT_EQ(List(*layer, "a"), Names{"x"});
  EXPECT_EQ(layer->index().file_count(), 1u);
  EXPECT_EQ(layer->index().total_file_bytes(), 5u);
}

TEST_F(LayerIndexTest, ChildThenFileHidesTheChild) {
  auto layer = Open(ZipBuilder().File("a/x", "child").File("a/y", "child").File("a", "file"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "a").type, NodeType::kFile);
  EXPECT_FALSE(Exists(*layer, "a/x"));
  EXPECT_FALSE(Exists(*layer, "a/y"));
  EXPECT_EQ(layer->index().file_count(), 1u);
  EXPECT_EQ(layer->index().total_file_bytes(), 4u);
}

TEST_F(LayerIndexTest, ReplacementDeepInTheTree) {
  // a/b/c, then a file a/b, then a/b/d: a/b is a directory again, with d only.
  auto layer = Open(ZipBuilder().File("a/b/c", "1").File("a/b", "2").File("a/b/d", "3"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "a/b").type, NodeType::kDirectory);
  EXPECT_EQ(List(*layer, "a/b"), Names{"d"});
  EXPECT_EQ(List(*layer, "a"), Names{"b"});
}

TEST_F(LayerIndexTest, AnEntryBelowASymlinkNeverGoesThroughIt) {
  // "lib" points elsewhere; "lib/x" must not land in the target.
  auto layer = Open(ZipBuilder().Dir("elsewhere").Symlink("lib", "elsewhere").File("lib/x", "1"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "lib").type, NodeType::kDirectory);
  EXPECT_EQ(List(*layer, "lib"), Names{"x"});
  EXPECT_TRUE(List(*layer, "elsewhere").empty());
}

TEST_F(LayerIndexTest, ModesFromUnixAttributes) {
  ZipBuilder zip;
  zip.File("rw", "").Mode(0644);
  zip.File("private", "").Mode(0600);
  zip.File("all", "").Mode(0777);
  zip.File("setuid", "").Mode(04755);
  zip.File("setgid", "").Mode(02750);
  zip.File("none", "").Mode(0000);
  zip.Dir("sticky").Mode(01777);
  zip.Dir("closed").Mode(0700);
  zip.File("dos-file", "").NoUnixAttributes();
  zip.Dir("dos-dir").NoUnixAttributes();
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "rw").mode, 0644);
  EXPECT_EQ(At(*layer, "private").mode, 0600);
  EXPECT_EQ(At(*layer, "all").mode, 0777);
  EXPECT_EQ(At(*layer, "setuid").mode, 0755);
  EXPECT_EQ(At(*layer, "setgid").mode, 0750);
  EXPECT_EQ(At(*layer, "none").mode, 0000);
  EXPECT_EQ(At(*layer, "sticky").mode, 0777);
  EXPECT_EQ(At(*layer, "closed").mode, 0700);
  EXPECT_EQ(At(*layer, "dos-file").mode, 0644);
  EXPECT_EQ(At(*layer, "dos-file").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "dos-dir").mode, 0755);
  EXPECT_EQ(At(*layer, "dos-dir").type, NodeType::kDirectory);
  EXPECT_TRUE(layer->index().warnings().empty());
}

TEST_F(LayerIndexTest, SymlinkWithNoTargetIsAnEmptyFile) {
  ZipBuilder zip;
  zip.Symlink("empty", "");
  zip.Symlink("closed", "").Mode(0700);
  zip.Symlink("real", "target");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "empty").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "empty").mode, 0777);
  EXPECT_EQ(At(*layer, "empty").size, 0u);
  EXPECT_EQ(At(*layer, "closed").mode, 0700);
  EXPECT_EQ(At(*layer, "real").type, NodeType::kSymlink);
}

TEST_F(LayerIndexTest, ZeroLengthEncryptedEntryListsAsAnEmptyFile) {
  // Decided: no byte to decrypt, so an empty file (the kernel never asks
  // to read it); encrypted entries with data list their size and read EIO.
  ASSERT_TRUE(CanWrite(Encryption::kTraditional));
  ZipBuilder zip;
  zip.File("empty-secret", "").Compress(Compression::kStore).Encrypt(Encryption::kTraditional);
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "empty-secret").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "empty-secret").size, 0u);
  EXPECT_TRUE(layer->archive().record(At(*layer, "empty-secret").record).encrypted());
}

TEST_F(LayerIndexTest, DirectoryTypedEntryWithoutSlashIsAFile) {
  ZipBuilder zip;
  zip.File("looks-like-dir", "").RawMode(S_IFDIR | 0755);
  zip.File("inner/x", "1");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "looks-like-dir").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "looks-like-dir").mode, 0755);
}

TEST_F(LayerIndexTest, DosHostEntriesKeepAgreeingHighWordModes) {
  ZipBuilder zip;
  zip.File("a", "1");
  zip.File("b", "2");
  std::string path = dir_ / "dos.zip";
  ASSERT_TRUE(zip.Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(OverwriteBytes(path, entries[i].central_offset + 4, Le16(20)));  // MS-DOS
  }
  ASSERT_TRUE(OverwriteBytes(path, entries[0].central_offset + 38,
                             Le32(((S_IFREG | 0640u) << 16) | 0x20)));
  ASSERT_TRUE(OverwriteBytes(path, entries[1].central_offset + 38,
                             Le32(((S_IFREG | 0755u) << 16) | 0x20)));
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  EXPECT_EQ(At(**layer, "a").mode, 0640);
  EXPECT_EQ(At(**layer, "b").mode, 0644);  // unzip's default, not 0755
}

TEST_F(LayerIndexTest, SizeOf2To63ListsTheCompressedSizeWithAWarning) {
  ZipBuilder zip;
  zip.File("huge", "12345678").Compress(Compression::kStore).ExtraField(kPlaceholderExtraId, kPlaceholderExtra);
  zip.File("ok", "fine");
  std::string path = dir_ / "huge.zip";
  ASSERT_TRUE(zip.Write(path));
  ASSERT_TRUE(ClaimZip64Size(path, 0, uint64_t(1) << 63));
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  EXPECT_EQ(At(**layer, "huge").size, 8u);
  EXPECT_EQ(At(**layer, "ok").size, 4u);
  EXPECT_EQ((*layer)->index().total_file_bytes(), 12u);
  EXPECT_TRUE(Warned(**layer, "huge", "2^63"));
}

TEST_F(LayerIndexTest, CentralDirectoryWarningsAreIndexWarnings) {
  ZipBuilder zip;
  zip.File("a", "1");
  zip.File("b", "2");
  std::string path = dir_ / "count.zip";
  ASSERT_TRUE(zip.Write(path));
  uint64_t size = ReadFile(path).size();
  ASSERT_TRUE(OverwriteBytes(path, size - 22 + 8, Le16(1) + Le16(1)));
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  EXPECT_TRUE(Exists(**layer, "b"));
  EXPECT_TRUE(Warned(**layer, "(central directory)", "counts 1 entries"));
}

TEST_F(LayerIndexTest, FifosAndDevicesAreServedAsRegularFilesWithAWarning) {
  ZipBuilder zip;
  zip.File("fifo", "").RawMode(S_IFIFO | 0644);
  zip.File("chr", "").RawMode(S_IFCHR | 0600);
  zip.File("blk", "").RawMode(S_IFBLK | 0600);
  zip.File("sock", "").RawMode(S_IFSOCK | 0755);
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  for (const char* name : {"fifo", "chr", "blk", "sock"}) {
    EXPECT_EQ(At(*layer, name).type, NodeType::kFile) << name;
    EXPECT_TRUE(Warned(*layer, name, "regular file")) << name;
  }
  EXPECT_EQ(At(*layer, "fifo").mode, 0644);
  EXPECT_EQ(At(*layer, "sock").mode, 0755);
  EXPECT_EQ(layer->index().warnings().size(), 4u);
}

TEST_F(LayerIndexTest, SymlinkNodes) {
  auto layer = Open(ZipBuilder().Symlink("abs", "/opt/lib/libfoo.so.1").Symlink("rel", "../x"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "abs").type, NodeType::kSymlink);
  EXPECT_EQ(At(*layer, "abs").size, 20u);
  EXPECT_EQ(At(*layer, "rel").size, 4u);
  EXPECT_EQ(layer->index().file_count(), 0u);
}

TEST_F(LayerIndexTest, DirectoryEntryWithDosAttributeAndNoSlash) {
  // Attribute 0x10 and no trailing slash: unzip writes an empty file,
  // with the search bits the directory attribute gives.
  auto layer = Open(ZipBuilder().File("dosdir", "").RawMode(S_IFDIR | 0700).NoUnixAttributes());
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "dosdir").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "dosdir").mode, 0755);
}

TEST_F(LayerIndexTest, EntryMtimesAreKept) {
  ZipBuilder zip;
  zip.File("dos", "").Mtime(951827444);
  zip.File("ut", "").Mtime(951827444).ExtendedMtime(1700000001);
  zip.Dir("d").Mtime(1600000000).ExtendedMtime(1600000003);
  zip.Symlink("l", "dos").ExtendedMtime(1600000007);
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "dos").mtime, 951827444);
  EXPECT_EQ(At(*layer, "ut").mtime, 1700000001);
  EXPECT_EQ(At(*layer, "d").mtime, 1600000003);
  EXPECT_EQ(At(*layer, "l").mtime, 1600000007);
}

TEST_F(LayerIndexTest, DotDotNamesAreSkippedWithAWarning) {
  ZipBuilder zip;
  zip.File("../escape", "evil");
  zip.File("a/../../etc/passwd", "evil");
  zip.File("ok", "good");
  zip.File("..", "evil");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"ok"});
  EXPECT_TRUE(Warned(*layer, "../escape", "skipped"));
  EXPECT_TRUE(Warned(*layer, "a/../../etc/passwd", ".."));
  EXPECT_TRUE(Warned(*layer, "..", "skipped"));
  EXPECT_EQ(layer->index().warnings().size(), 3u);
  EXPECT_EQ(layer->index().file_count(), 1u);
}

TEST_F(LayerIndexTest, AbsoluteNamesAreMadeRelativeWithAWarning) {
  auto layer = Open(ZipBuilder().File("/etc/passwd", "x").File("//opt/y", "y"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(At(*layer, "etc/passwd").type, NodeType::kFile);
  EXPECT_EQ(At(*layer, "opt/y").type, NodeType::kFile);
  EXPECT_TRUE(Warned(*layer, "/etc/passwd", "absolute"));
  EXPECT_TRUE(Warned(*layer, "//opt/y", "absolute"));
}

TEST_F(LayerIndexTest, DotSlashAndDoubledSlashesNormalise) {
  auto layer = Open(ZipBuilder().File("./a", "1").File("b//c", "2").File("./d/./e", "3"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), (Names{"a", "b", "d"}));
  EXPECT_TRUE(Exists(*layer, "b/c"));
  EXPECT_TRUE(Exists(*layer, "d/e"));
  EXPECT_TRUE(layer->index().warnings().empty());
}

TEST_F(LayerIndexTest, DotSlashDuplicateOfAPlainNameReplacesIt) {
  auto layer = Open(ZipBuilder().File("a", "plain").File("./a", "dotted!"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"a"});
  EXPECT_EQ(At(*layer, "a").size, 7u);
}

TEST_F(LayerIndexTest, RootEntriesAreIgnored) {
  ZipBuilder zip;
  zip.Dir("./").Mode(0700);
  zip.Dir("/").Mode(0700);
  zip.File("x", "1");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"x"});
  EXPECT_EQ(layer->index().node(kRootNode).mode, 0755);
}

TEST_F(LayerIndexTest, AFileNamingTheRootIsSkipped) {
  auto layer = Open(ZipBuilder().File(".", "x").File("y", "1"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"y"});
  EXPECT_TRUE(Warned(*layer, ".", "root"));
}

TEST_F(LayerIndexTest, NulBytesInNamesAreSkippedWithAPrintableWarning) {
  auto layer = Open(ZipBuilder().File(std::string("a\0b", 3), "x").File("c", "1"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"c"});
  EXPECT_TRUE(Warned(*layer, "a\\x00b", "NUL"));
}

TEST_F(LayerIndexTest, OverlongComponentsAreSkipped) {
  std::string ok(255, 'k');
  std::string bad(256, 'b');
  auto layer = Open(ZipBuilder().File("d/" + ok, "1").File("d/" + bad, "2").File(bad + "/x", "3"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), Names{"d"});
  EXPECT_EQ(List(*layer, "d"), Names{ok});
  EXPECT_TRUE(Warned(*layer, "d/" + bad, "255"));
  EXPECT_TRUE(Warned(*layer, bad + "/x", "255"));
}

TEST_F(LayerIndexTest, Cp437NamesAreConvertedAndUtf8NamesKept) {
  ZipBuilder zip;
  zip.File("caf\x82.txt", "cp437");                      // no flag, not UTF-8
  zip.File("\xe6\x97\xa5\xe6\x9c\xac.txt", "utf8").Utf8Flag();
  zip.File("na\xc3\xafve.txt", "utf8, unflagged");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""),
            (Names{"caf\xc3\xa9.txt", "na\xc3\xafve.txt", "\xe6\x97\xa5\xe6\x9c\xac.txt"}));
  EXPECT_TRUE(layer->index().warnings().empty());
}

TEST_F(LayerIndexTest, DosNamesUseBackslashesAsSeparators) {
  ZipBuilder zip;
  zip.File("win\\sub\\file.txt", "1").NoUnixAttributes();
  zip.File("unix\\name", "2");  // a Unix entry: one name with a backslash
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_TRUE(Exists(*layer, "win/sub/file.txt"));
  EXPECT_TRUE(Exists(*layer, "unix\\name"));
}

TEST_F(LayerIndexTest, TotalsCountOnlyFilesThatSurvive) {
  ZipBuilder zip;
  zip.File("a", std::string(100, 'a'));
  zip.File("a", std::string(10, 'a'));  // replaces 100 bytes
  zip.File("d/x", std::string(20, 'x'));
  zip.File("d", std::string(1, 'd'));   // hides d/x
  zip.File("e/y", std::string(30, 'y'));
  zip.Symlink("l", "a");
  zip.Dir("empty");
  auto layer = Open(zip);
  ASSERT_TRUE(layer);
  EXPECT_EQ(layer->index().file_count(), 3u);
  EXPECT_EQ(layer->index().total_file_bytes(), 10u + 1u + 30u);
}

TEST_F(LayerIndexTest, PrefixStubDoesNotChangeTheTree) {
  std::string path = dir_ / "stub.zip";
  ASSERT_TRUE(ZipBuilder().File("a/b", "1").Symlink("c", "a/b").Write(path));
  ASSERT_TRUE(PrependBytes(path, "#!/bin/sh\nexit 1\n"));
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_TRUE(layer.ok()) << layer.status().ToString();
  EXPECT_EQ(List(**layer, ""), (Names{"a", "c"}));
}

TEST_F(LayerIndexTest, NamesLongerThanPathMaxAreSkippedWithAWarning) {
  std::string deep;
  while (deep.size() <= kMaxPathLength) deep += "d/";
  auto layer = Open(ZipBuilder().File("ok.txt", "1").File(deep + "f", "2"));
  ASSERT_TRUE(layer);
  EXPECT_EQ(List(*layer, ""), (Names{"ok.txt"}));
  ASSERT_EQ(layer->index().warnings().size(), 1u);
  EXPECT_NE(layer->index().warnings()[0].reason.find("longer than 4095"), std::string::npos);
}

TEST_F(LayerIndexTest, NamesImplyingFarMoreDirectoriesThanEntriesRefuseTheLayer) {
  // 100 names, each just under PATH_MAX and 2,047 levels deep, each chain
  // its own: 204,700 implied directories from 100 entries. Before the
  // budget such a zip took the daemon to hundreds of MiB.
  ZipBuilder zip;
  for (int i = 0; i < 100; ++i) {
    std::string name = "r" + std::to_string(i) + "/";
    while (name.size() < kMaxPathLength - 4) name += "d/";
    zip.File(name + "f", "x").Compress(testing_zip::Compression::kStore);
  }
  std::string path = dir_ / "deep.zip";
  ASSERT_TRUE(zip.Write(path));
  Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
  ASSERT_FALSE(layer.ok());
  EXPECT_EQ(layer.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(layer.status().message().find(path), std::string::npos) << layer.status().message();
  EXPECT_NE(layer.status().message().find("implied directories"), std::string::npos);
  // A real layer's shape, many files sharing deep folders, is well within.
  ZipBuilder shared;
  std::string folder = "python/lib/python3.12/site-packages/pkg/sub/deeper/";
  for (int i = 0; i < 500; ++i) shared.File(folder + "m" + std::to_string(i) + ".py", "x");
  EXPECT_TRUE(Open(shared, "shared.zip"));
}

}  // namespace
}  // namespace layerfs
