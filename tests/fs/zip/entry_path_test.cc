#include "fs/zip/entry_path.h"

#include <gtest/gtest.h>

#include <string>

namespace layerfs {
namespace {

// The normalised path of a name that must be accepted.
std::string Normal(std::string_view raw, bool utf8_flag = false, bool dos_made = false) {
  Result<EntryPath> path = NormalizeEntryName(raw, utf8_flag, dos_made);
  EXPECT_TRUE(path.ok()) << "\"" << raw << "\": " << path.status().ToString();
  return path.ok() ? path->path : "<rejected>";
}

// Whether a name is refused (to be skipped with a warning).
bool Rejected(std::string_view raw, bool dos_made = false) {
  Result<EntryPath> path = NormalizeEntryName(raw, false, dos_made);
  if (path.ok()) return false;
  EXPECT_EQ(path.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(path.status().message().empty());
  return true;
}

TEST(EntryPathTest, PlainNamesAreKept) {
  EXPECT_EQ(Normal("a"), "a");
  EXPECT_EQ(Normal("python/lib/python3.12/site-packages/x.py"),
            "python/lib/python3.12/site-packages/x.py");
  EXPECT_EQ(Normal("with space/and-dash_1.txt"), "with space/and-dash_1.txt");
}

TEST(EntryPathTest, TrailingSlashMarksADirectory) {
  Result<EntryPath> dir = NormalizeEntryName("a/b/", false, false);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->path, "a/b");
  EXPECT_TRUE(dir->is_directory);
  EXPECT_FALSE(dir->was_absolute);

  Result<EntryPath> file = NormalizeEntryName("a/b", false, false);
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(file->is_directory);
}

TEST(EntryPathTest, DotAndEmptyComponentsNormalise) {
  EXPECT_EQ(Normal("./a"), "a");
  EXPECT_EQ(Normal("././a/./b"), "a/b");
  EXPECT_EQ(Normal("a//b"), "a/b");
  EXPECT_EQ(Normal("a///b//"), "a/b");
  EXPECT_EQ(Normal("a/."), "a");
}

TEST(EntryPathTest, NamesOfTheRootNormaliseToEmpty) {
  for (std::string_view raw : {".", "./", "/", "//", "./."}) {
    Result<EntryPath> path = NormalizeEntryName(raw, false, false);
    ASSERT_TRUE(path.ok()) << raw;
    EXPECT_EQ(path->path, "") << raw;
  }
}

TEST(EntryPathTest, AbsolutePathsAreMadeRelative) {
  Result<EntryPath> path = NormalizeEntryName("/etc/passwd", false, false);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->path, "etc/passwd");
  EXPECT_TRUE(path->was_absolute);

  Result<EntryPath> doubled = NormalizeEntryName("//opt/x", false, false);
  ASSERT_TRUE(doubled.ok());
  EXPECT_EQ(doubled->path, "opt/x");
  EXPECT_TRUE(doubled->was_absolute);
}

TEST(EntryPathTest, DotDotComponentsAreRejected) {
  EXPECT_TRUE(Rejected(".."));
  EXPECT_TRUE(Rejected("../x"));
  EXPECT_TRUE(Rejected("a/../b"));
  EXPECT_TRUE(Rejected("a/../../etc/passwd"));
  EXPECT_TRUE(Rejected("a/.."));
  EXPECT_TRUE(Rejected("../"));
  EXPECT_TRUE(Rejected("/../x"));
  EXPECT_TRUE(Rejected("./../x"));
}

TEST(EntryPathTest, NamesThatOnlyLookLikeDotDotAreKept) {
  EXPECT_EQ(Normal("..."), "...");
  EXPECT_EQ(Normal("..a"), "..a");
  EXPECT_EQ(Normal("a.."), "a..");
  EXPECT_EQ(Normal(".hidden/..config"), ".hidden/..config");
}

TEST(EntryPathTest, NulBytesAreRejected) {
  EXPECT_TRUE(Rejected(std::string_view("a\0b", 3)));
  EXPECT_TRUE(Rejected(std::string_view("\0", 1)));
  EXPECT_TRUE(Rejected(std::string_view("dir/\0", 5)));
}

TEST(EntryPathTest, ComponentLengthLimitIs255Bytes) {
  std::string ok(255, 'n');
  EXPECT_EQ(Normal("d/" + ok + "/f"), "d/" + ok + "/f");
  EXPECT_TRUE(Rejected("d/" + std::string(256, 'n') + "/f"));
  EXPECT_TRUE(Rejected(std::string(256, 'n')));
  // A long path of short components is fine.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "component/";
  deep += "leaf";
  EXPECT_EQ(Normal(deep), deep);
}

TEST(EntryPathTest, ComponentLimitCountsUtf8Bytes) {
  // 128 two-byte characters: 256 bytes, too long for Linux.
  std::string e_acute_x128;
  for (int i = 0; i < 128; ++i) e_acute_x128 += "\xc3\xa9";
  EXPECT_TRUE(Rejected(e_acute_x128));
}

TEST(EntryPathTest, Cp437NamesAreConvertedToUtf8) {
  // 0x82 is e-acute in CP437; 0x81 u-umlaut; 0xE1 sharp s.
  EXPECT_EQ(Normal("caf\x82.txt"), "caf\xc3\xa9.txt");
  EXPECT_EQ(Normal("\x81" "ber/stra\xe1" "e"), "\xc3\xbc" "ber/stra\xc3\x9f" "e");
}

TEST(EntryPathTest, Utf8NamesAreKept) {
  std::string name = "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt";
  EXPECT_EQ(Normal(name, /*utf8_flag=*/true), name);
  // Valid UTF-8 without the flag is taken as UTF-8 too (what zip tools
  // on Linux write).
  EXPECT_EQ(Normal(name, /*utf8_flag=*/false), name);
}

TEST(EntryPathTest, FlaggedNamesAreNotReinterpreted) {
  // The flag says UTF-8: bytes are taken as they are even when invalid.
  std::string raw = "x\x82y";
  EXPECT_EQ(Normal(raw, /*utf8_flag=*/true), raw);
}

TEST(EntryPathTest, BackslashesSeparateOnlyInDosNames) {
  EXPECT_EQ(Normal("dir\\file.txt", false, /*dos_made=*/true), "dir/file.txt");
  EXPECT_EQ(Normal("dir\\file.txt", false, /*dos_made=*/false), "dir\\file.txt");
  EXPECT_TRUE(Rejected("..\\evil", /*dos_made=*/true));
  EXPECT_FALSE(Rejected("..\\evil", /*dos_made=*/false));  // one odd Unix name

  Result<EntryPath> dir = NormalizeEntryName("a\\b\\", false, true);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->path, "a/b");
  EXPECT_TRUE(dir->is_directory);
}

TEST(EntryPathTest, NoResultBreaksTheSafetyRules) {
  // Whatever the input, an accepted path has no empty, "." or ".." part,
  // no leading slash, no NUL and no part over 255 bytes.
  const std::string parts[] = {"", ".", "..", "a", "/", "//", "\\", "b.", std::string(1, '\0'),
                               std::string(255, 'x'), std::string(256, 'y')};
  for (const std::string& p1 : parts) {
    for (const std::string& p2 : parts) {
      for (const std::string& p3 : parts) {
        for (bool dos : {false, true}) {
          std::string raw = p1 + "/" + p2 + p3;
          Result<EntryPath> path = NormalizeEntryName(raw, false, dos);
          if (!path.ok()) continue;
          std::string_view rest = path->path;
          if (rest.empty()) continue;
          EXPECT_NE(rest.front(), '/');
          EXPECT_NE(rest.back(), '/');
          EXPECT_EQ(rest.find('\0'), std::string_view::npos);
          while (!rest.empty()) {
            size_t slash = rest.find('/');
            std::string_view part = rest.substr(0, slash);
            EXPECT_FALSE(part.empty());
            EXPECT_NE(part, ".");
            EXPECT_NE(part, "..");
            EXPECT_LE(part.size(), kMaxNameLength);
            rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
          }
        }
      }
    }
  }
}

TEST(EntryPathTest, IsValidUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9"));              // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));          // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));      // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\x82"));                 // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xc3"));                 // truncated
  EXPECT_FALSE(IsValidUtf8("a\xe2\x82"));            // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));         // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));     // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

TEST(EntryPathTest, Cp437ToUtf8MapsEveryByte) {
  EXPECT_EQ(Cp437ToUtf8("plain"), "plain");
  EXPECT_EQ(Cp437ToUtf8("\x80"), "\xc3\x87");      // C-cedilla
  EXPECT_EQ(Cp437ToUtf8("\x9e"), "\xe2\x82\xa7");  // peseta sign U+20A7
  EXPECT_EQ(Cp437ToUtf8("\xb0"), "\xe2\x96\x91");  // light shade U+2591
  EXPECT_EQ(Cp437ToUtf8("\xff"), "\xc2\xa0");      // no-break space
  for (int c = 0x80; c <= 0xff; ++c) {
    std::string out = Cp437ToUtf8(std::string(1, char(c)));
    EXPECT_TRUE(IsValidUtf8(out)) << c;
    EXPECT_GE(out.size(), 2u) << c;
    EXPECT_EQ(out.find('/'), std::string::npos) << c;
  }
}

TEST(EntryPathTest, SplitParent) {
  EXPECT_EQ(SplitParent("a/b/c"), (std::pair<std::string_view, std::string_view>{"a/b", "c"}));
  EXPECT_EQ(SplitParent("a"), (std::pair<std::string_view, std::string_view>{"", "a"}));
  EXPECT_EQ(SplitParent(""), (std::pair<std::string_view, std::string_view>{"", ""}));
}

}  // namespace
}  // namespace layerfs
