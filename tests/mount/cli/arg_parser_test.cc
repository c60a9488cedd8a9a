// The one command-line grammar (mount/cli/arg_parser.h): every form it
// takes and every error it words, on tables like the commands' own.
#include "mount/cli/arg_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace layerfs {
namespace {

using Args = std::vector<std::string>;

struct Fields {
  bool json = false;
  bool help = false;
  std::string store;
  std::string log_file;
  std::string list;
  std::vector<std::string> runtimes;
  uint64_t size = 0;
};

std::vector<ArgOption> Table(Fields& f) {
  return {{.name = "--json", .short_name = "-j", .apply = Flag(f.json)},
          {.name = "--store", .value = "a directory", .apply = Text(f.store)},
          {.name = "--log-file", .value = "a file", .apply = Text(f.log_file),
           .allow_empty = true},
          {.name = "-o", .value = "a list", .apply = Text(f.list)},
          {.name = "--runtime", .value = "a runtime", .apply = Append(f.runtimes)},
          {.name = "--size", .value = "a size like 64M", .apply = Size(f.size)},
          {.name = "--account", .value = "an account", .once = true},
          HelpOption(f.help)};
}

Result<ParsedArgs> Parse(const Args& args, Fields& f) { return ParseArgs(args, Table(f)); }

std::string ErrorOf(const Args& args) {
  Fields f;
  Result<ParsedArgs> parsed = Parse(args, f);
  return parsed.ok() ? "(accepted)" : parsed.status().message();
}

TEST(ArgParserTest, TakesValuesSpacedOrJoined) {
  Fields f;
  Result<ParsedArgs> parsed =
      Parse({"--store", "/s", "--log-file=/l", "-oro,allow_other", "--size=2M"}, f);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(f.store, "/s");
  EXPECT_EQ(f.log_file, "/l");
  EXPECT_EQ(f.list, "ro,allow_other");
  EXPECT_EQ(f.size, 2u << 20);
  EXPECT_TRUE(parsed->positional.empty());

  Fields spaced;
  ASSERT_TRUE(Parse({"-o", "ro", "--store=a=b"}, spaced).ok());
  EXPECT_EQ(spaced.list, "ro");
  EXPECT_EQ(spaced.store, "a=b");  // only the first '=' splits
}

TEST(ArgParserTest, AValueIsTheNextArgumentWhateverItLooksLike) {
  Fields f;
  Result<ParsedArgs> parsed = Parse({"--store", "--json", "--log-file", "--"}, f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(f.store, "--json");
  EXPECT_FALSE(f.json);
  EXPECT_EQ(f.log_file, "--");
}

TEST(ArgParserTest, KeepsPositionalsInOrderAmongOptions) {
  Fields f;
  Result<ParsedArgs> parsed = Parse({"a", "--json", "", "-", "b", "-j"}, f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->positional, (Args{"a", "", "-", "b"}));
  EXPECT_TRUE(f.json);
}

TEST(ArgParserTest, DoubleDashEndsTheOptions) {
  Fields f;
  Result<ParsedArgs> parsed = Parse({"--json", "--", "--store", "x", "--", "-j"}, f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->positional, (Args{"--store", "x", "--", "-j"}));
  EXPECT_TRUE(f.store.empty());
}

TEST(ArgParserTest, RepeatsApplyInOrderUnlessOnce) {
  Fields f;
  Result<ParsedArgs> parsed = Parse(
      {"--store", "a", "--runtime", "r1", "--store=b", "--runtime=r2", "--account", "1"}, f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(f.store, "b");
  EXPECT_EQ(f.runtimes, (Args{"r1", "r2"}));
  EXPECT_EQ(parsed->All("--store"), (Args{"a", "b"}));
  EXPECT_EQ(parsed->Get("--account"), "1");
  EXPECT_TRUE(parsed->Has("--runtime"));
  EXPECT_FALSE(parsed->Has("--json"));
  EXPECT_EQ(ErrorOf({"--account", "1", "--account=2"}), "--account given more than once");
}

TEST(ArgParserTest, WordsEachErrorOneWay) {
  EXPECT_EQ(ErrorOf({"--bogus"}), "unknown option --bogus");
  // The value is left out: it may be a secret.
  EXPECT_EQ(ErrorOf({"--bogus=hunter2"}), "unknown option --bogus");
  EXPECT_EQ(ErrorOf({"-x"}), "unknown option -x");
  EXPECT_EQ(ErrorOf({"-jx"}), "unknown option -jx");  // no bundled short flags
  EXPECT_EQ(ErrorOf({"--store"}), "--store needs a directory");
  EXPECT_EQ(ErrorOf({"--store="}), "--store needs a directory");
  EXPECT_EQ(ErrorOf({"--store", ""}), "--store needs a directory");
  EXPECT_EQ(ErrorOf({"-o"}), "-o needs a list");
  EXPECT_EQ(ErrorOf({"--size", "lots"}), "--size needs a size like 64M");
  EXPECT_EQ(ErrorOf({"--json=1"}), "--json does not take a value");
  EXPECT_EQ(ErrorOf({"--log-file", ""}), "(accepted)");
}

TEST(ArgParserTest, HelpEndsTheParse) {
  Fields f;
  Result<ParsedArgs> parsed = Parse({"x", "-h", "--bogus"}, f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(f.help);
  EXPECT_EQ(parsed->positional, (Args{"x"}));
  EXPECT_EQ(ErrorOf({"--bogus", "--help"}), "unknown option --bogus");
}

TEST(ArgParserTest, AnApplierErrorIsReportedAsIs) {
  bool seen = false;
  std::vector<ArgOption> table = {
      {.name = "--check", .value = "a word", .apply = [&](const std::string& v) {
         seen = true;
         return v == "ok" ? Status::Ok() : Status::InvalidArgument("--check: " + v + " is bad");
       }}};
  EXPECT_TRUE(ParseArgs({"--check=ok"}, table).ok());
  EXPECT_TRUE(seen);
  EXPECT_EQ(ParseArgs({"--check", "no"}, table).status().message(), "--check: no is bad");
}

TEST(ArgParserTest, NumbersAndSizes) {
  EXPECT_EQ(ParseSize("64M"), 64u << 20);
  EXPECT_EQ(ParseSize("1g"), 1u << 30);
  EXPECT_EQ(ParseSize("65536"), 65536u);
  EXPECT_FALSE(ParseSize("").has_value());
  EXPECT_FALSE(ParseSize("M").has_value());
  EXPECT_FALSE(ParseSize("-1").has_value());
  EXPECT_FALSE(ParseSize("99999999999999999999").has_value());
  EXPECT_FALSE(ParseSize("17179869184G").has_value());  // 2^64 overflows
  EXPECT_FALSE(ParseNumber(" 1").has_value());

  uint64_t n = 0;
  std::vector<ArgOption> table = {
      {.name = "--n", .value = "1 to 9", .apply = Number(1, 9, [&](uint64_t v) { n = v; })}};
  EXPECT_TRUE(ParseArgs({"--n=9"}, table).ok());
  EXPECT_EQ(n, 9u);
  EXPECT_EQ(ParseArgs({"--n=0"}, table).status().message(), "--n needs 1 to 9");
  EXPECT_EQ(ParseArgs({"--n=10"}, table).status().message(), "--n needs 1 to 9");
}

}  // namespace
}  // namespace layerfs
