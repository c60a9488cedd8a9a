// Printable and WithoutControlBytes: one line whatever the bytes, and
// Printable reversible (backslashes doubled), UTF-8 untouched.
#include "fs/base/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace layerfs {
namespace {

TEST(PrintableTest, ControlBytesAndBackslashesAreEscaped) {
  EXPECT_EQ(Printable("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(Printable(std::string("x\0y\x1b\x7f", 5)), "x\\x00y\\x1b\\x7f");
  EXPECT_EQ(Printable("back\\slash"), "back\\\\slash");
  EXPECT_EQ(Printable("caf\xc3\xa9/\xe2\x9c\x93"), "caf\xc3\xa9/\xe2\x9c\x93");
  std::string all;
  for (int c = 0; c < 256; ++c) all += char(c);
  EXPECT_EQ(Printable(all).find('\n'), std::string::npos);
}

TEST(PrintableTest, ALastPassLeavesEscapedNamesAlone) {
  const std::string name = Printable("evil\nname");
  EXPECT_EQ(WithoutControlBytes("entry " + name + "\nforged"), "entry evil\\nname\\nforged");
}

TEST(PrintableTest, HexOfGivesTwoLowercaseDigitsAByte) {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(HexOf(bytes), "000fa5ff");
  EXPECT_EQ(HexOf({}), "");
}

}  // namespace
}  // namespace layerfs
