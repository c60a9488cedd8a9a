// `layerfs env`: export lines for a function's runtime, /opt moved to --root.
#include "mount/cli/env_command.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;

struct EnvRun {
  int code;
  std::string out, err;
};

EnvRun Env(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunEnv(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(EnvCommandTest, PrintsTheRuntimesSearchPathsFromAFunctionConfiguration) {
  TempDir tmp;
  WriteFile(tmp / "f.json", R"({"FunctionName": "f", "Runtime": "nodejs20.x", "Layers": []})");
  EnvRun r = Env({"--function", tmp / "f.json", "--root", "/mnt/opt/"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "export PATH=/usr/local/bin:/usr/bin/:/bin:/mnt/opt/bin\n"
            "export LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:"
            "/var/runtime/lib:/var/task:/var/task/lib:/mnt/opt/lib\n"
            "export NODE_PATH=/mnt/opt/nodejs/node20/node_modules:/mnt/opt/nodejs/node_modules:"
            "/var/runtime/node_modules:/var/runtime:/var/task\n");
}

TEST(EnvCommandTest, DefaultsToOptAndQuotesWhatTheShellWouldExpand) {
  EnvRun java = Env({"--runtime", "java21"});
  ASSERT_EQ(java.code, 0);
  EXPECT_NE(java.out.find("export CLASSPATH='/var/task:/var/task/lib/*:/opt/java/lib/*'\n"),
            std::string::npos)
      << java.out;
  EnvRun spaced = Env({"--runtime=python3.12", "--root=/tmp/my opt"});
  EXPECT_NE(spaced.out.find("export PATH='/usr/local/bin:/usr/bin/:/bin:/tmp/my opt/bin'"),
            std::string::npos)
      << spaced.out;
  EXPECT_EQ(ShellWord("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellWord("/a/b:c"), "/a/b:c");
}

TEST(EnvCommandTest, ARelativeRootIsMadeAbsolute) {
  EnvRun r = Env({"--runtime", "provided.al2023", "--root", "mnt"});
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out.find("/bin:mnt/bin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/mnt/bin\n"), std::string::npos) << r.out;
}

TEST(EnvCommandTest, UsageAndConfigurationErrors) {
  EXPECT_EQ(Env({}).code, 2);
  EXPECT_EQ(Env({"--runtime", "python3.12", "--function", "f.json"}).code, 2);
  EXPECT_EQ(Env({"--bogus"}).code, 2);
  EXPECT_EQ(Env({"--function", "/no/such/file.json"}).code, 1);
  TempDir tmp;
  WriteFile(tmp / "image.json", R"({"FunctionName": "img", "PackageType": "Image"})");
  EnvRun image = Env({"--function", tmp / "image.json"});
  EXPECT_EQ(image.code, 1);
  EXPECT_NE(image.err.find("no Runtime"), std::string::npos) << image.err;
}

}  // namespace
}  // namespace layerfs
