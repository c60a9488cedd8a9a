#include "fs/union/union_view.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;
using namespace testing_union;
using Names = std::vector<std::string>;

class UnionViewTest : public ::testing::Test {
 protected:
  // Writes the layers as layer0.zip, layer1.zip, ... and stacks them in
  // that order (the last one wins).
  std::unique_ptr<UnionView> Stack(const std::vector<ZipBuilder>& layers) {
    return OpenStack(WriteLayers(dir_.path(), layers));
  }

  // Walks `path` with Lookup; nullptr when absent.
  static const UnionNode* Find(const UnionView& view, std::string_view path) {
    return FindNode(view, path);
  }
  static const UnionNode& At(const UnionView& view, std::string_view path) {
    const UnionNode* node = Find(view, path);
    EXPECT_NE(node, nullptr) << "no node at " << path;
    return node != nullptr ? *node : view.root();
  }
  static Names List(const UnionView& view, std::string_view path) {
    const UnionNode* dir = Find(view, path);
    if (dir == nullptr) return {"<missing>"};
    Names names;
    for (const UnionNode& child : view.Children(*dir)) names.emplace_back(child.name());
    return names;
  }
  static std::string Link(const UnionView& view, std::string_view path) {
    Result<std::string> target = view.ReadLink(At(view, path));
    EXPECT_TRUE(target.ok()) << target.status().ToString();
    return target.ok() ? *target : "<error>";
  }
  // Which layer of the stack provides the node.
  static uint32_t LayerOf(const UnionView& view, std::string_view path) {
    return At(view, path).source().layer;
  }

  TempDir dir_;
};

TEST_F(UnionViewTest, OneLayerIsShownAsItIs) {
  auto view = Stack({ZipBuilder().File("a/b", "12345").Mode(0640).Symlink("l", "a/b").Dir("e")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, ""), (Names{"a", "e", "l"}));
  const UnionNode& b = At(*view, "a/b");
  EXPECT_EQ(b.type(), NodeType::kFile);
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(b.mode(), 0640);
  EXPECT_EQ(b.name(), "b");
  EXPECT_EQ(view->PathOf(b), "a/b");
  EXPECT_EQ(At(*view, "l").type(), NodeType::kSymlink);
  EXPECT_EQ(At(*view, "e").type(), NodeType::kDirectory);
  EXPECT_EQ(view->layer_count(), 1u);
}

TEST_F(UnionViewTest, RootIsADirectoryWithInodeOne) {
  auto view = Stack({ZipBuilder().File("f", "").Dir("d1").Dir("d2")});
  ASSERT_TRUE(view);
  const UnionNode& root = view->root();
  EXPECT_EQ(root.ino(), 1u);
  EXPECT_TRUE(root.is_directory());
  EXPECT_EQ(root.mode(), 0755);
  EXPECT_EQ(root.parent(), nullptr);
  EXPECT_EQ(view->LinkCount(root), 4u);
  EXPECT_EQ(view->PathOf(root), "");
}

TEST_F(UnionViewTest, NoLayersIsAnEmptyRoot) {
  UnionView view({});
  EXPECT_TRUE(view.Children(view.root()).empty());
  EXPECT_EQ(view.Lookup(view.root(), "x"), nullptr);
  EXPECT_EQ(view.LinkCount(view.root()), 2u);
}

TEST_F(UnionViewTest, EmptyLayersChangeNothing) {
  auto view = Stack({ZipBuilder(), ZipBuilder().File("x", "1"), ZipBuilder()});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, ""), Names{"x"});
  EXPECT_EQ(LayerOf(*view, "x"), 1u);
}

TEST_F(UnionViewTest, DirectoriesMerge) {
  auto view = Stack({ZipBuilder().File("python/a.py", "a").File("bin/tool", "t"),
                     ZipBuilder().File("python/b.py", "b").File("lib/x.so", "x"),
                     ZipBuilder().File("python/c/d.py", "d")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, ""), (Names{"bin", "lib", "python"}));
  EXPECT_EQ(List(*view, "python"), (Names{"a.py", "b.py", "c"}));
  EXPECT_EQ(LayerOf(*view, "python/a.py"), 0u);
  EXPECT_EQ(LayerOf(*view, "python/b.py"), 1u);
  EXPECT_EQ(LayerOf(*view, "python/c/d.py"), 2u);
}

TEST_F(UnionViewTest, LaterLayerWinsForTheSameFile) {
  auto view = Stack({ZipBuilder().File("f", "from layer zero").Mode(0600).Mtime(1600000000),
                     ZipBuilder().File("f", "one").Mode(0755).Mtime(1600000002)});
  ASSERT_TRUE(view);
  const UnionNode& f = At(*view, "f");
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f.mode(), 0755);
  EXPECT_EQ(f.mtime(), 1600000002);
  EXPECT_EQ(f.source().layer, 1u);
  EXPECT_EQ(view->SourceLayer(f).path(), dir_ / "layer1.zip");
  EXPECT_EQ(List(*view, ""), Names{"f"});
}

TEST_F(UnionViewTest, FiveLayersLastListedWins) {
  std::vector<ZipBuilder> layers(5);
  for (int i = 0; i < 5; ++i) {
    // Name "kN" exists in layers 0..N: layer N must provide it.
    for (int k = i; k < 5; ++k) {
      layers[i].File("k" + std::to_string(k), std::string(size_t(i + 1), 'x'));
    }
  }
  auto view = Stack(layers);
  ASSERT_TRUE(view);
  for (int k = 0; k < 5; ++k) {
    const UnionNode& node = At(*view, "k" + std::to_string(k));
    EXPECT_EQ(node.source().layer, uint32_t(k));
    EXPECT_EQ(node.size(), uint64_t(k + 1));
  }
}

TEST_F(UnionViewTest, FileOverDirectoryHidesTheDirectoryAndEverythingUnderIt) {
  auto view = Stack({ZipBuilder().File("a/x", "1").File("a/b/c", "2").File("keep", "3"),
                     ZipBuilder().File("a", "now a file")});
  ASSERT_TRUE(view);
  const UnionNode& a = At(*view, "a");
  EXPECT_EQ(a.type(), NodeType::kFile);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_TRUE(view->Children(a).empty());
  EXPECT_EQ(view->Lookup(a, "x"), nullptr);
  EXPECT_EQ(Find(*view, "a/b/c"), nullptr);
  EXPECT_EQ(view->LinkCount(a), 1u);
  EXPECT_EQ(List(*view, ""), (Names{"a", "keep"}));
}

TEST_F(UnionViewTest, DirectoryOverFileReplacesIt) {
  auto view = Stack({ZipBuilder().File("a", "a file"), ZipBuilder().File("a/x", "1")});
  ASSERT_TRUE(view);
  const UnionNode& a = At(*view, "a");
  EXPECT_TRUE(a.is_directory());
  EXPECT_EQ(a.mode(), 0755);
  EXPECT_EQ(List(*view, "a"), Names{"x"});
  EXPECT_EQ(a.source().layer, 1u);
}

TEST_F(UnionViewTest, SymlinkOverDirectoryReplacesIt) {
  auto view = Stack({ZipBuilder().File("lib/real.so", "elf"),
                     ZipBuilder().Symlink("lib", "/usr/lib")});
  ASSERT_TRUE(view);
  const UnionNode& lib = At(*view, "lib");
  EXPECT_EQ(lib.type(), NodeType::kSymlink);
  EXPECT_TRUE(view->Children(lib).empty());
  EXPECT_EQ(view->Lookup(lib, "real.so"), nullptr);
  EXPECT_EQ(Link(*view, "lib"), "/usr/lib");
}

TEST_F(UnionViewTest, DirectoryOverSymlinkReplacesIt) {
  auto view = Stack({ZipBuilder().Dir("target").File("target/t", "1").Symlink("lib", "target"),
                     ZipBuilder().File("lib/own", "2")});
  ASSERT_TRUE(view);
  EXPECT_TRUE(At(*view, "lib").is_directory());
  EXPECT_EQ(List(*view, "lib"), Names{"own"});
  EXPECT_EQ(List(*view, "target"), Names{"t"});
}

TEST_F(UnionViewTest, SymlinkOverFileAndFileOverSymlink) {
  auto view = Stack({ZipBuilder().File("s", "file").Symlink("f", "elsewhere"),
                     ZipBuilder().Symlink("s", "new-target").File("f", "real")});
  ASSERT_TRUE(view);
  EXPECT_EQ(At(*view, "s").type(), NodeType::kSymlink);
  EXPECT_EQ(Link(*view, "s"), "new-target");
  EXPECT_EQ(At(*view, "f").type(), NodeType::kFile);
  EXPECT_EQ(At(*view, "f").size(), 4u);
}

TEST_F(UnionViewTest, FileBetweenTwoDirectoriesCutsTheLowerOneOff) {
  // Layer 1 (bottom) has a dir, layer 2 a file, layer 3 a dir again:
  // extracting in order leaves only layer 3's children.
  auto view = Stack({ZipBuilder().File("a/one", "1").File("a/shared", "1"),
                     ZipBuilder().File("a", "file"),
                     ZipBuilder().File("a/three", "3").File("a/shared", "33")});
  ASSERT_TRUE(view);
  EXPECT_TRUE(At(*view, "a").is_directory());
  EXPECT_EQ(List(*view, "a"), (Names{"shared", "three"}));
  EXPECT_EQ(Find(*view, "a/one"), nullptr);
  EXPECT_EQ(LayerOf(*view, "a/shared"), 2u);
}

TEST_F(UnionViewTest, SymlinkBetweenTwoDirectoriesCutsTheLowerOneOff) {
  auto view = Stack({ZipBuilder().File("a/one", "1"), ZipBuilder().Symlink("a", "x"),
                     ZipBuilder().File("a/three", "3")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, "a"), Names{"three"});
}

TEST_F(UnionViewTest, DirectoriesAboveTheCutStillMerge) {
  auto view = Stack({ZipBuilder().File("a/zero", "0"), ZipBuilder().File("a", "file"),
                     ZipBuilder().File("a/two", "2"), ZipBuilder().File("a/three", "3")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, "a"), (Names{"three", "two"}));
}

TEST_F(UnionViewTest, ConflictsDeepInTheTree) {
  auto view = Stack({ZipBuilder().File("p/q/r/s", "1").File("p/q/t", "2").File("p/u", "3"),
                     ZipBuilder().File("p/q", "file"),
                     ZipBuilder().File("p/v/w", "4")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, "p"), (Names{"q", "u", "v"}));
  EXPECT_EQ(At(*view, "p/q").type(), NodeType::kFile);
  EXPECT_EQ(Find(*view, "p/q/t"), nullptr);
  EXPECT_EQ(List(*view, "p/v"), Names{"w"});
}

TEST_F(UnionViewTest, LowerFileUnderAnUpperDirectoryIsHidden) {
  // A file in a lower layer at a path whose parent is a file in an upper
  // layer is gone, even though no entry names it again.
  auto view = Stack({ZipBuilder().File("x/y/z", "deep"), ZipBuilder().File("x/y", "blocker")});
  ASSERT_TRUE(view);
  EXPECT_EQ(Find(*view, "x/y/z"), nullptr);
}

TEST_F(UnionViewTest, ImpliedDirectoriesExist) {
  auto view = Stack({ZipBuilder().File("a/b/c/d.txt", "1"), ZipBuilder().File("a/e/f", "2")});
  ASSERT_TRUE(view);
  for (std::string_view dir : {"a", "a/b", "a/b/c", "a/e"}) {
    const UnionNode& n = At(*view, dir);
    EXPECT_TRUE(n.is_directory()) << dir;
    EXPECT_EQ(n.mode(), 0755) << dir;
  }
  EXPECT_EQ(List(*view, "a"), (Names{"b", "e"}));
}

TEST_F(UnionViewTest, LinkCountIsTwoPlusSubdirectories) {
  auto view = Stack({ZipBuilder().File("d/f1", "").Dir("d/s1").File("d/s2/x", ""),
                     ZipBuilder().Dir("d/s3").Symlink("d/l", "s1").File("d/s1/y", "")});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->LinkCount(At(*view, "d")), 2u + 3u);
  EXPECT_EQ(view->LinkCount(At(*view, "d/s1")), 2u);
  EXPECT_EQ(view->LinkCount(At(*view, "d/f1")), 1u);
  EXPECT_EQ(view->LinkCount(At(*view, "d/l")), 1u);
  EXPECT_EQ(view->LinkCount(view->root()), 3u);
}

// unzip -o leaves an existing directory's mode and mtime alone, so a
// merged directory takes them from the lowest layer that has it (after
// any file that cut the merge).
TEST_F(UnionViewTest, DirectoryAttributesComeFromTheLayerThatCreatesIt) {
  auto view = Stack({ZipBuilder().Dir("a").Mode(0700).Mtime(1600000000).File("a/x", ""),
                     ZipBuilder().Dir("a").Mode(0750).Mtime(1600000002).File("a/y", ""),
                     ZipBuilder().File("a/z", "")});  // only implies "a"
  ASSERT_TRUE(view);
  const UnionNode& a = At(*view, "a");
  EXPECT_EQ(a.mode(), 0700);
  EXPECT_EQ(a.mtime(), 1600000000);
  EXPECT_EQ(a.source().layer, 0u);
  EXPECT_EQ(List(*view, "a"), (Names{"x", "y", "z"}));
}

TEST_F(UnionViewTest, ImpliedDirectoryBelowAnExplicitOneKeeps0755) {
  auto view = Stack({ZipBuilder().File("a/x", ""),
                     ZipBuilder().Dir("a").Mode(0700).Mtime(1600000000)});
  ASSERT_TRUE(view);
  const UnionNode& a = At(*view, "a");
  EXPECT_EQ(a.mode(), 0755);
  EXPECT_EQ(a.mtime(), view->layer(0).archive().file_mtime());
  EXPECT_EQ(a.source().layer, 0u);
}

TEST_F(UnionViewTest, ExplicitDirectoryInALowerLayerBeatsImpliedAbove) {
  auto view = Stack({ZipBuilder().Dir("a").Mode(0711).Mtime(1600000000),
                     ZipBuilder().File("a/y", "")});
  ASSERT_TRUE(view);
  EXPECT_EQ(At(*view, "a").mode(), 0711);
  EXPECT_EQ(At(*view, "a").mtime(), 1600000000);
}

TEST_F(UnionViewTest, DirectoryBelowAFileDoesNotSetAttributes) {
  // Layer 0's directory was replaced by layer 1's file; layer 2 creates
  // the directory again.
  auto view = Stack({ZipBuilder().Dir("a").Mode(0700).Mtime(1600000000),
                     ZipBuilder().File("a", "f"),
                     ZipBuilder().Dir("a").Mode(0750).Mtime(1600000002).File("a/y", ""),
                     ZipBuilder().Dir("a").Mode(0711).Mtime(1600000004)});
  ASSERT_TRUE(view);
  EXPECT_EQ(At(*view, "a").mode(), 0750);
  EXPECT_EQ(At(*view, "a").mtime(), 1600000002);
  EXPECT_EQ(At(*view, "a").source().layer, 2u);
}

TEST_F(UnionViewTest, ModesPassThrough) {
  ZipBuilder zip;
  zip.File("0644", "").Mode(0644);
  zip.File("0600", "").Mode(0600);
  zip.File("0777", "").Mode(0777);
  zip.File("04755", "").Mode(04755);
  zip.File("0000", "").Mode(0000);
  zip.File("dos", "").NoUnixAttributes();
  zip.Dir("dosdir").NoUnixAttributes();
  zip.File("fifo", "").RawMode(S_IFIFO | 0644);
  zip.File("dev", "").RawMode(S_IFCHR | 0666);
  auto view = Stack({zip});
  ASSERT_TRUE(view);
  EXPECT_EQ(At(*view, "0644").mode(), 0644);
  EXPECT_EQ(At(*view, "0600").mode(), 0600);
  EXPECT_EQ(At(*view, "0777").mode(), 0777);
  EXPECT_EQ(At(*view, "04755").mode(), 0755);
  EXPECT_EQ(At(*view, "0000").mode(), 0000);
  EXPECT_EQ(At(*view, "dos").mode(), 0644);
  EXPECT_EQ(At(*view, "dosdir").mode(), 0755);
  EXPECT_TRUE(At(*view, "dosdir").is_directory());
  EXPECT_EQ(At(*view, "fifo").type(), NodeType::kFile);
  EXPECT_EQ(At(*view, "dev").type(), NodeType::kFile);
  EXPECT_EQ(At(*view, "dev").mode(), 0666);
}

TEST_F(UnionViewTest, TimestampsAreExact) {
  auto view = Stack({ZipBuilder()
                         .File("dos", "").Mtime(951827444)
                         .File("ut", "").Mtime(951827444).ExtendedMtime(1700000001)
                         .Symlink("link", "dos").ExtendedMtime(1700000003)
                         .Dir("d").ExtendedMtime(1700000005)});
  ASSERT_TRUE(view);
  EXPECT_EQ(At(*view, "dos").mtime(), 951827444);
  EXPECT_EQ(At(*view, "ut").mtime(), 1700000001);
  EXPECT_EQ(At(*view, "link").mtime(), 1700000003);
  EXPECT_EQ(At(*view, "d").mtime(), 1700000005);
}

TEST_F(UnionViewTest, ReadLinkReturnsTheExactTarget) {
  std::string long_target(1000, 'x');
  auto view = Stack({ZipBuilder()
                         .Symlink("abs", "/opt/lib/libfoo.so.1")
                         .Symlink("rel", "../lib/python3.12/site-packages")
                         .Symlink("dangling", "does/not/exist")
                         .Symlink("odd", "  spaces and caf\xc3\xa9 ")
                         .Symlink("self", "self")
                         .Symlink("long", long_target).Compress(Compression::kDeflate)});
  ASSERT_TRUE(view);
  EXPECT_EQ(Link(*view, "abs"), "/opt/lib/libfoo.so.1");
  EXPECT_EQ(Link(*view, "rel"), "../lib/python3.12/site-packages");
  EXPECT_EQ(Link(*view, "dangling"), "does/not/exist");
  EXPECT_EQ(Link(*view, "odd"), "  spaces and caf\xc3\xa9 ");
  EXPECT_EQ(Link(*view, "self"), "self");
  EXPECT_EQ(Link(*view, "long"), long_target);
  EXPECT_EQ(At(*view, "abs").size(), 20u);
}

TEST_F(UnionViewTest, ReadLinkOfANonSymlinkFails) {
  auto view = Stack({ZipBuilder().File("f", "x").Dir("d")});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->ReadLink(At(*view, "f")).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(view->ReadLink(At(*view, "d")).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(UnionViewTest, ReadLinkRefusesTargetsLongerThanAPath) {
  auto view = Stack({ZipBuilder()
                         .Symlink("max", std::string(4095, 'm'))
                         .Symlink("over", std::string(4096, 'o'))});
  ASSERT_TRUE(view);
  EXPECT_EQ(Link(*view, "max").size(), 4095u);
  EXPECT_EQ(view->ReadLink(At(*view, "over")).status().code(), ErrorCode::kCorrupt);
}

TEST_F(UnionViewTest, SymlinksAreNeverFollowed) {
  auto view = Stack({ZipBuilder().File("real/x", "1").Symlink("link", "real")});
  ASSERT_TRUE(view);
  EXPECT_EQ(Find(*view, "link/x"), nullptr);
  EXPECT_TRUE(view->Children(At(*view, "link")).empty());
}

TEST_F(UnionViewTest, LookupMisses) {
  auto view = Stack({ZipBuilder().File("f", "x").Dir("d")});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->Lookup(view->root(), "missing"), nullptr);
  EXPECT_EQ(view->Lookup(view->root(), ""), nullptr);
  EXPECT_EQ(view->Lookup(At(*view, "f"), "anything"), nullptr);
  EXPECT_EQ(view->Lookup(At(*view, "d"), "anything"), nullptr);
}

TEST_F(UnionViewTest, ChildrenAreSortedAcrossLayers) {
  auto view = Stack({ZipBuilder().File("m", "").File("z", "").File("\xc3\xa9", ""),
                     ZipBuilder().File("a", "").File("n", "").File("B", "")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, ""), (Names{"B", "a", "m", "n", "z", "\xc3\xa9"}));
}

TEST_F(UnionViewTest, NodesAreStableAndInodesUnique) {
  auto view = Stack({ZipBuilder().File("a/x", "").File("a/y", "").File("b", ""),
                     ZipBuilder().File("a/z", "").Dir("c")});
  ASSERT_TRUE(view);
  const UnionNode* x1 = Find(*view, "a/x");
  const UnionNode* x2 = Find(*view, "a/x");
  ASSERT_NE(x1, nullptr);
  EXPECT_EQ(x1, x2);
  EXPECT_EQ(x1->parent(), Find(*view, "a"));
  std::set<uint64_t> inos = {view->root().ino()};
  size_t count = 1;
  for (std::string_view path : {"a", "a/x", "a/y", "a/z", "b", "c"}) {
    inos.insert(At(*view, path).ino());
    ++count;
  }
  EXPECT_EQ(inos.size(), count);
  EXPECT_EQ(At(*view, "a/x").ino(), x1->ino());
}

TEST_F(UnionViewTest, RecordOfNamesTheWinningEntry) {
  auto view = Stack({ZipBuilder().File("f", "old"),
                     ZipBuilder().File("pad", "").File("f", "newer")});
  ASSERT_TRUE(view);
  const UnionNode& f = At(*view, "f");
  const Archive& archive = view->SourceLayer(f).archive();
  EXPECT_EQ(archive.directory().name(archive.record(view->RecordOf(f))), "f");
  EXPECT_EQ(view->RecordOf(f), 1u);
  EXPECT_EQ(&view->SourceLayer(f), &view->layer(1));
}

TEST_F(UnionViewTest, HostileNamesNeverLeaveTheTree) {
  auto view = Stack({ZipBuilder()
                         .File("../up", "x")
                         .File("/abs/f", "y")
                         .File("./dot", "z")
                         .File("a//b", "w")
                         .File(std::string("n\0l", 3), "v")});
  ASSERT_TRUE(view);
  EXPECT_EQ(List(*view, ""), (Names{"a", "abs", "dot"}));
  EXPECT_EQ(List(*view, "a"), Names{"b"});
  EXPECT_EQ(List(*view, "abs"), Names{"f"});
  EXPECT_EQ(view->layer(0).index().warnings().size(), 3u);  // .., absolute, NUL
}

TEST_F(UnionViewTest, TotalsForStatfs) {
  auto view = Stack({ZipBuilder().File("a", std::string(10, 'a')).File("d/b", "bb"),
                     ZipBuilder().File("c", std::string(5, 'c')).Symlink("l", "c")});
  ASSERT_TRUE(view);
  EXPECT_EQ(view->file_count(), 3u);
  EXPECT_EQ(view->total_file_bytes(), 17u);
  // What unzip -o leaves: an overridden file once, at its upper size;
  // nothing of a directory a file replaced.
  auto overridden = Stack({ZipBuilder().File("a", std::string(10, 'a')).File("d/b", "bb"),
                           ZipBuilder().File("a", std::string(4, 'A')).File("d", "file")});
  ASSERT_TRUE(overridden);
  EXPECT_EQ(overridden->file_count(), 2u);
  EXPECT_EQ(overridden->total_file_bytes(), 8u);
}

TEST_F(UnionViewTest, OpenFailsNamingTheBadLayer) {
  std::string good = dir_ / "good.zip";
  ASSERT_TRUE(ZipBuilder().File("x", "1").Write(good));
  std::string bad = dir_ / "bad.zip";
  WriteFile(bad, "this is not a zip file at all, just text padding it out");
  std::string missing = dir_ / "missing.zip";

  Result<std::unique_ptr<UnionView>> v1 = UnionView::Open({good, bad});
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(v1.status().message().find(bad), std::string::npos) << v1.status().message();

  Result<std::unique_ptr<UnionView>> v2 = UnionView::Open({good, missing});
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(v2.status().message().find(missing), std::string::npos) << v2.status().message();
}

TEST_F(UnionViewTest, ConcurrentLookupsAgree) {
  std::vector<ZipBuilder> layers(3);
  for (int l = 0; l < 3; ++l) {
    for (int d = 0; d < 20; ++d) {
      for (int f = 0; f < 10; ++f) {
        layers[l].File("d" + std::to_string(d) + "/f" + std::to_string(f + l * 5), "x");
      }
    }
  }
  auto view = Stack(layers);
  ASSERT_TRUE(view);
  struct Seen {
    const UnionNode* dir;
    const UnionNode* file;
    size_t children;
  };
  // Every thread lists every directory, starting at a different one, so
  // first listings race.
  std::vector<std::vector<Seen>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&view, &seen, t] {
      for (int d = 0; d < 20; ++d) {
        const UnionNode* dir = view->Lookup(view->root(), "d" + std::to_string((d + t * 5) % 20));
        if (dir == nullptr) {
          seen[t].push_back({nullptr, nullptr, 0});
          continue;
        }
        seen[t].push_back({dir, view->Lookup(*dir, "f7"), view->Children(*dir).size()});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) {
    for (const Seen& s : seen[t]) {
      ASSERT_NE(s.dir, nullptr);
      EXPECT_EQ(s.dir, view->Lookup(view->root(), s.dir->name()));
      EXPECT_EQ(s.file, view->Lookup(*s.dir, "f7"));
      EXPECT_NE(s.file, nullptr);
      EXPECT_EQ(s.children, 20u);  // f0..f19 from the three layers
    }
  }
}

// The daemon merges the whole tree in the background while requests
// look things up: both must see the same listings, and a stop set before
// the merge starts leaves everything to lazy merging.
TEST_F(UnionViewTest, MergeAllRacesWithLookupsAndStops) {
  std::vector<ZipBuilder> layers(3);
  for (int l = 0; l < 3; ++l) {
    for (int d = 0; d < 20; ++d) {
      for (int f = 0; f < 5; ++f) {
        layers[l].File("d" + std::to_string(d) + "/s" + std::to_string(f % 2) + "/f" +
                           std::to_string(f + l),
                       "x");
      }
    }
  }
  auto stopped = Stack(layers);
  ASSERT_TRUE(stopped);
  std::atomic<bool> stop{true};
  stopped->MergeAll(stop);
  EXPECT_EQ(List(*stopped, "d3/s0"), (Names{"f0", "f1", "f2", "f3", "f4", "f5", "f6"}));

  auto view = Stack(layers);
  ASSERT_TRUE(view);
  std::atomic<bool> go{false};
  std::thread merger([&] { view->MergeAll(go); });
  std::vector<std::thread> lookers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    lookers.emplace_back([&, t] {
      for (int d = 19; d >= 0; --d) {
        std::string dir = "d" + std::to_string((d + t * 5) % 20);
        if (List(*view, dir + "/s1") != Names{"f1", "f2", "f3", "f4", "f5"}) ++wrong;
        if (view->LinkCount(At(*view, dir)) != 4) ++wrong;
      }
    });
  }
  merger.join();
  for (std::thread& t : lookers) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(List(*view, ""), List(*stopped, ""));
}

}  // namespace
}  // namespace layerfs
