#include "fs/read/sibling_prefetch.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using namespace testing_zip;
using namespace testing_union;
using Names = std::vector<std::string>;

Names NamesOf(const std::vector<const UnionNode*>& nodes) {
  Names names;
  for (const UnionNode* node : nodes) names.emplace_back(node->name());
  return names;
}

class SiblingPrefetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ZipBuilder zip;
    zip.File("d/a", "a").File("d/b", "bb").File("d/c", "").File("d/e", std::string(100, 'e'));
    zip.Dir("d/f").File("d/f/inner", "i").Symlink("d/g", "a").File("d/h", "hhh");
    zip.File("d/i", "i").File("other/x", "x");
    view_ = OpenStack(WriteLayers(dir_.path(), {zip}));
    ASSERT_NE(view_, nullptr);
  }
  const UnionNode& At(std::string_view path) { return *FindNode(*view_, path); }
  // As a readdirplus of d/ and other/ would.
  void ListAll(SiblingPrefetch& plan) {
    plan.Listed(At("d"));
    plan.Listed(At("other"));
  }

  TempDir dir_;
  std::unique_ptr<UnionView> view_;
};

TEST_F(SiblingPrefetchTest, PlansTheRegularFilesListedAfterTheOneRead) {
  SiblingPrefetch plan({.files = 16, .bytes = 1 << 20, .max_file_size = 1 << 20});
  ListAll(plan);
  // Not the empty file, the symlink, nor the directory the kernel was not
  // handed; at d/'s end, on after d in the root's listing, as find goes.
  EXPECT_EQ(NamesOf(plan.Plan(At("d/a"))), (Names{"b", "e", "h", "i", "x"}));
  // Planned once only, and the file read counts as planned.
  EXPECT_EQ(NamesOf(plan.Plan(At("d/b"))), Names{});
  EXPECT_EQ(NamesOf(plan.Plan(At("other/x"))), Names{});
}

TEST_F(SiblingPrefetchTest, PlansNothingInADirectoryTheKernelWasNotHanded) {
  SiblingPrefetch plan({});
  plan.Listed(At("other"));
  EXPECT_EQ(NamesOf(plan.Plan(At("d/a"))), Names{});
  plan.Listed(At("d"));
  EXPECT_EQ(NamesOf(plan.Plan(At("d/b"))), (Names{"e", "h", "i", "x"}));
}

TEST_F(SiblingPrefetchTest, StopsAtItsBoundsAndSkipsLargeFiles) {
  SiblingPrefetch by_count({.files = 2, .bytes = 1 << 20, .max_file_size = 1 << 20});
  ListAll(by_count);
  EXPECT_EQ(NamesOf(by_count.Plan(At("d/a"))), (Names{"b", "e"}));
  EXPECT_EQ(NamesOf(by_count.Plan(At("d/e"))), (Names{"h", "i"}));

  SiblingPrefetch by_bytes({.files = 16, .bytes = 50, .max_file_size = 1 << 20});
  ListAll(by_bytes);
  EXPECT_EQ(NamesOf(by_bytes.Plan(At("d/a"))), (Names{"b"}));  // e's 100 bytes would pass 50

  SiblingPrefetch small_only({.files = 16, .bytes = 1 << 20, .max_file_size = 10});
  ListAll(small_only);
  EXPECT_EQ(NamesOf(small_only.Plan(At("d/a"))), (Names{"b", "h", "i", "x"}));
}

TEST_F(SiblingPrefetchTest, LeavesOutWhatTheFilterRefuses) {
  SiblingPrefetch plan({}, [](const UnionNode& node) { return node.name() != "e"; });
  ListAll(plan);
  EXPECT_EQ(NamesOf(plan.Plan(At("d/a"))), (Names{"b", "h", "i", "x"}));
}

TEST_F(SiblingPrefetchTest, EntersListedSubdirectoriesWhereTheyAreListed) {
  SiblingPrefetch plan({});
  ListAll(plan);
  plan.Listed(At("d/f"));
  EXPECT_EQ(NamesOf(plan.Plan(At("d/a"))), (Names{"b", "e", "inner", "h", "i", "x"}));
}

TEST_F(SiblingPrefetchTest, LooksAtNoMoreEntriesThanItsBound) {
  SiblingPrefetch plan({.max_visits = 3});
  ListAll(plan);
  EXPECT_EQ(NamesOf(plan.Plan(At("d/a"))), (Names{"b", "e"}));  // b, c, e looked at
}

// w/f00..w/f19, one byte each, and w/f05big (too large to push) after f05.
class WindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ZipBuilder zip;
    for (int i = 0; i < 20; ++i) {
      zip.File("w/f" + std::string(i < 10 ? "0" : "") + std::to_string(i), "x");
      if (i == 5) zip.File("w/f05big", std::string(100, 'b'));
    }
    view_ = OpenStack(WriteLayers(dir_.path(), {zip}));
    ASSERT_NE(view_, nullptr);
    plan_.Listed(*FindNode(*view_, "w"));
  }
  Names Plan(const std::string& name) {
    return NamesOf(plan_.Plan(*FindNode(*view_, "w/" + name)));
  }

  TempDir dir_;
  std::unique_ptr<UnionView> view_;
  SiblingPrefetch plan_{{.files = 2, .bytes = 1 << 20, .max_file_size = 10, .max_growth = 4}};
};

TEST_F(WindowTest, AWalkerThatKeepsUpGrowsItsWindow) {
  EXPECT_EQ(Plan("f00"), (Names{"f01", "f02"}));
  EXPECT_EQ(Plan("f03"), (Names{"f04", "f05", "f06", "f07"}));
  // The large file is read in the middle of the window: it changes nothing.
  EXPECT_EQ(Plan("f05big"), Names{});
  EXPECT_EQ(Plan("f08"), (Names{"f09", "f10", "f11", "f12", "f13", "f14", "f15", "f16"}));
  EXPECT_EQ(Plan("f17"), (Names{"f18", "f19"}));  // at most 4 times the first
}

TEST_F(WindowTest, AReadElsewhereStartsTheWindowOver) {
  EXPECT_EQ(Plan("f00"), (Names{"f01", "f02"}));
  EXPECT_EQ(Plan("f10"), (Names{"f11", "f12"}));
  EXPECT_EQ(Plan("f13"), (Names{"f14", "f15", "f16", "f17"}));
}

TEST_F(SiblingPrefetchTest, AnotherViewStartsAfresh) {
  SiblingPrefetch plan({});
  ListAll(plan);
  EXPECT_EQ(NamesOf(plan.Plan(At("d/h"))), (Names{"i", "x"}));
  EXPECT_EQ(NamesOf(plan.Plan(At("d/h"))), Names{});
  Result<std::unique_ptr<UnionView>> again = UnionView::Open({dir_.path() + "/layer0.zip"}, 1000);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  const UnionNode& h = *FindNode(**again, "d/h");
  EXPECT_EQ(NamesOf(plan.Plan(h)), Names{}) << "d/ of the new view was not listed yet";
  plan.Listed(*h.parent());
  EXPECT_EQ(NamesOf(plan.Plan(*FindNode(**again, "d/e"))), (Names{"i"}))
      << "h was read, so it counts as planned; i was planned only in the old view";
}

}  // namespace
}  // namespace layerfs
