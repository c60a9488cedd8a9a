// Every command reads its arguments through the one parser
// (mount/cli/arg_parser.h): the forms that used to differ between commands
// (`remount --function=F`, `stats -- MOUNTPOINT`, `unmount -- MOUNTPOINT`)
// now work, and the errors read the same whichever command printed them.
// Runs the real commands through RunCli on string streams.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "mount/cli/cli.h"
#include "mount/cli/exit_codes.h"

namespace layerfs {
namespace {

using Args = std::vector<std::string>;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> unmounted;  // what the daemon was asked to unmount
};

CliRun RunArgs(const Args& args) {
  CliRun run;
  DaemonEntry daemon{
      .mount = [](const MountOptions&, const StackOpener&, std::shared_ptr<RemoteContext>) {
        ADD_FAILURE() << "nothing here should reach the daemon";
        return kExitFailed;
      },
      .unmount = [&run](const std::string& mountpoint, bool) {
        run.unmounted.push_back(mountpoint);
        return kExitOk;
      }};
  std::ostringstream out, err;
  run.code = RunCli(args, daemon, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

constexpr char kMissingConfig[] = "/nonexistent-layerfs-test/f.json";

TEST(CommandFormsTest, RemountTakesFunctionJoinedOrSpaced) {
  CliRun joined = RunArgs({"remount", "/mnt", std::string("--function=") + kMissingConfig});
  CliRun spaced = RunArgs({"remount", "/mnt", "--function", kMissingConfig});
  // Both reach the configuration (which is missing): a failure, not a
  // usage error.
  EXPECT_EQ(joined.code, kExitFailed) << joined.err;
  EXPECT_NE(joined.err.find(kMissingConfig), std::string::npos) << joined.err;
  EXPECT_EQ(joined.err, spaced.err);
  EXPECT_EQ(joined.code, spaced.code);
}

TEST(CommandFormsTest, StatsTakesDoubleDash) {
  CliRun run = RunArgs({"stats", "--", "/nonexistent-layerfs-test"});
  EXPECT_EQ(run.code, kExitFailed) << run.err;
  EXPECT_NE(run.err.find("/nonexistent-layerfs-test"), std::string::npos) << run.err;
  // After "--", "--json" is the mountpoint.
  CliRun dashed = RunArgs({"stats", "--", "--json"});
  EXPECT_EQ(dashed.code, kExitFailed) << dashed.err;
}

TEST(CommandFormsTest, UnmountTakesDoubleDashAndLazy) {
  CliRun run = RunArgs({"unmount", "-z", "--", "-odd-name"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.unmounted, (Args{"-odd-name"}));
  EXPECT_EQ(RunArgs({"unmount", "--lazy=1", "/m"}).code, kExitUsage);
}

TEST(CommandFormsTest, UnknownOptionReadsTheSameInEveryCommand) {
  for (const char* command :
       {"mount", "unmount", "remount", "stats", "inspect", "env", "publish", "layers"}) {
    CliRun run = RunArgs({command, "--bogus=secret", "x", "y"});
    EXPECT_EQ(run.code, kExitUsage) << command;
    EXPECT_NE(run.err.find("unknown option --bogus"), std::string::npos) << command << ": "
                                                                          << run.err;
    EXPECT_EQ(run.err.find("secret"), std::string::npos) << command << ": " << run.err;
  }
}

TEST(CommandFormsTest, MissingValueReadsTheSameInEveryCommand) {
  const std::vector<Args> runs = {{"mount", "a.zip", "/m", "--store"},
                                  {"remount", "/m", "--store"},
                                  {"inspect", "a.zip", "--store"},
                                  {"publish", "n", "a.zip", "--store"},
                                  {"layers", "list", "--store"}};
  for (const Args& args : runs) {
    CliRun run = RunArgs(args);
    EXPECT_EQ(run.code, kExitUsage) << args[0];
    EXPECT_NE(run.err.find("--store needs a"), std::string::npos) << args[0] << ": " << run.err;
  }
  CliRun env = RunArgs({"env", "--runtime"});
  EXPECT_EQ(env.code, kExitUsage);
  EXPECT_NE(env.err.find("--runtime needs a value"), std::string::npos) << env.err;
}

TEST(CommandFormsTest, FlagsRefuseAValueEverywhere) {
  for (const Args& args : {Args{"mount", "--foreground=1", "a.zip", "/m"},
                           Args{"stats", "--json=1", "/m"}, Args{"inspect", "--json=1", "a.zip"},
                           Args{"layers", "list", "--json=yes"}}) {
    CliRun run = RunArgs(args);
    EXPECT_EQ(run.code, kExitUsage) << args[0];
    EXPECT_NE(run.err.find("does not take a value"), std::string::npos) << args[0] << ": "
                                                                         << run.err;
  }
}

TEST(CommandFormsTest, HelpAndVersionGoToOut) {
  for (const Args& args : {Args{"--help"}, Args{"stats", "--help"}, Args{"env", "-h"},
                           Args{"layers", "--help"}, Args{"publish", "-h"}, Args{"--version"}}) {
    CliRun run = RunArgs(args);
    EXPECT_EQ(run.code, kExitOk) << args.back();
    EXPECT_FALSE(run.out.empty()) << args.back();
    EXPECT_TRUE(run.err.empty()) << args.back() << ": " << run.err;
  }
  EXPECT_NE(RunArgs({"publish", "--help"}).out.find("--allow-unreadable"), std::string::npos);
}

TEST(CommandFormsTest, MountOptionListKeysMeanTheirFlags) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"--cache-size", "cache_size"}, {"--spill-size", "spill_size"},
      {"--spill-dir", "spill_dir"},   {"--log-level", "log_level"},
      {"--log-file", "log_file"},     {"--access-log", "access_log"},
      {"--store", "store"}};
  for (const auto& [flag, key] : pairs) {
    const std::string value = key == "log_level" ? "debug" : key.ends_with("size") ? "3M" : "/x";
    Result<MountOptions> by_flag = ParseMountArgs({flag, value, "a.zip", "/m"});
    Result<MountOptions> by_list = ParseMountArgs({"-o", key + "=" + value, "a.zip", "/m"});
    ASSERT_TRUE(by_flag.ok()) << flag << ": " << by_flag.status().message();
    ASSERT_TRUE(by_list.ok()) << key << ": " << by_list.status().message();
    EXPECT_EQ(by_flag->cache_size, by_list->cache_size) << key;
    EXPECT_EQ(by_flag->spill_size, by_list->spill_size) << key;
    EXPECT_EQ(by_flag->spill_dir, by_list->spill_dir) << key;
    EXPECT_EQ(by_flag->log_level, by_list->log_level) << key;
    EXPECT_EQ(by_flag->log_file, by_list->log_file) << key;
    EXPECT_EQ(by_flag->access_log, by_list->access_log) << key;
    EXPECT_EQ(by_flag->store_dir, by_list->store_dir) << key;
    EXPECT_TRUE(by_list->fuse_options.empty()) << key;
    // In a list a key always needs its value.
    Result<MountOptions> bare = ParseMountArgs({"-o", key + "=", "a.zip", "/m"});
    ASSERT_FALSE(bare.ok()) << key;
    EXPECT_NE(bare.status().message().find("option " + key + "= needs"), std::string::npos)
        << bare.status().message();
  }
  // A flag-only option is not a list key: it goes on to the kernel.
  Result<MountOptions> other = ParseMountArgs({"-o", "remote_timeout=5", "a.zip", "/m"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->fuse_options, (Args{"remote_timeout=5"}));
}

TEST(CommandFormsTest, UsageErrorsPointToHelp) {
  CliRun run = RunArgs({"frobnicate"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_EQ(run.err, "layerfs: unknown command 'frobnicate'\nTry 'layerfs --help'.\n");
  EXPECT_EQ(RunArgs({}).code, kExitUsage);
}

}  // namespace
}  // namespace layerfs
