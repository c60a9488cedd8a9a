// Runtime names and the search paths Lambda sets for them.
#include "fs/lambda/lambda_runtime.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace layerfs {
namespace {

std::map<std::string, std::string> Env(const std::string& runtime, const std::string& root) {
  std::map<std::string, std::string> env;
  for (const EnvironmentVariable& v : LambdaSearchPaths(ParseRuntime(runtime), root)) {
    EXPECT_TRUE(env.emplace(v.name, v.value).second) << "twice: " << v.name;
  }
  return env;
}

TEST(LambdaRuntimeTest, ParsesEveryManagedRuntimeFamilyAndVersion) {
  struct Case {
    const char* name;
    RuntimeFamily family;
    const char* version;
  };
  for (const Case& c : {Case{"python3.12", RuntimeFamily::kPython, "3.12"},
                        Case{"python3.9", RuntimeFamily::kPython, "3.9"},
                        Case{"nodejs20.x", RuntimeFamily::kNodejs, "20"},
                        Case{"nodejs6.10", RuntimeFamily::kNodejs, "6"},
                        Case{"java21", RuntimeFamily::kJava, "21"},
                        Case{"java8.al2", RuntimeFamily::kJava, "8"},
                        Case{"ruby3.3", RuntimeFamily::kRuby, "3.3"},
                        Case{"dotnet8", RuntimeFamily::kDotnet, "8"},
                        Case{"dotnetcore3.1", RuntimeFamily::kDotnet, "3.1"},
                        Case{"provided.al2023", RuntimeFamily::kProvided, ""},
                        Case{"provided", RuntimeFamily::kProvided, ""},
                        Case{"cobol42", RuntimeFamily::kUnknown, ""},
                        Case{"python3", RuntimeFamily::kUnknown, ""},
                        Case{"", RuntimeFamily::kUnknown, ""}}) {
    RuntimeId id = ParseRuntime(c.name);
    EXPECT_EQ(id.family, c.family) << c.name;
    EXPECT_EQ(id.version, c.version) << c.name;
    EXPECT_EQ(id.name, c.name);
  }
}

TEST(LambdaRuntimeTest, VersionedLayerDirsAreTheDocumentedOnes) {
  EXPECT_EQ(VersionedLayerDir(ParseRuntime("python3.12")), "python/lib/python3.12/site-packages");
  EXPECT_EQ(VersionedLayerDir(ParseRuntime("nodejs18.x")), "nodejs/node18/node_modules");
  EXPECT_EQ(VersionedLayerDir(ParseRuntime("ruby3.2")), "ruby/gems/3.2.0");
  EXPECT_EQ(VersionedLayerDir(ParseRuntime("java17")), "");
  EXPECT_EQ(VersionedLayerDir(ParseRuntime("provided.al2")), "");
}

TEST(LambdaRuntimeTest, EveryRuntimeGetsLambdasPathAndLibraryPath) {
  for (const char* runtime : {"python3.12", "nodejs20.x", "java21", "provided.al2023", "x"}) {
    auto env = Env(runtime, "/opt");
    EXPECT_EQ(env["PATH"], "/usr/local/bin:/usr/bin/:/bin:/opt/bin") << runtime;
    EXPECT_EQ(env["LD_LIBRARY_PATH"],
              "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:"
              "/var/task/lib:/opt/lib")
        << runtime;
  }
  EXPECT_EQ(Env("provided.al2023", "/opt").size(), 2u);
}

TEST(LambdaRuntimeTest, LanguagePathsFollowTheRuntimeVersionAndTheRoot) {
  EXPECT_EQ(Env("python3.11", "/opt")["PYTHONPATH"],
            "/opt/python/lib/python3.11/site-packages:/opt/python:/var/runtime");
  EXPECT_EQ(Env("nodejs20.x", "/opt")["NODE_PATH"],
            "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:"
            "/var/runtime:/var/task");
  auto ruby = Env("ruby3.3", "/opt");
  EXPECT_EQ(ruby["GEM_PATH"],
            "/var/task/vendor/bundle/ruby/3.3.0:/opt/ruby/gems/3.3.0:/var/runtime:"
            "/var/runtime/ruby/3.3.0");
  EXPECT_EQ(ruby["RUBYLIB"], "/var/task:/var/runtime/lib:/opt/ruby/lib");
  EXPECT_EQ(Env("java21", "/opt")["CLASSPATH"], "/var/task:/var/task/lib/*:/opt/java/lib/*");

  auto moved = Env("python3.12", "/tmp/my opt");
  EXPECT_EQ(moved["PATH"], "/usr/local/bin:/usr/bin/:/bin:/tmp/my opt/bin");
  EXPECT_TRUE(moved["LD_LIBRARY_PATH"].ends_with(":/tmp/my opt/lib"));
  EXPECT_EQ(moved["PYTHONPATH"],
            "/tmp/my opt/python/lib/python3.12/site-packages:/tmp/my opt/python:/var/runtime");
}

}  // namespace
}  // namespace layerfs
