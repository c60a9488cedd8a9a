// Lambda runtime identifiers ("python3.12", "nodejs20.x", "java21",
// "ruby3.3", "provided.al2023", ...) and what each implies for /opt: the
// layer directories the runtime searches and the environment variables
// Lambda sets so that it finds them.
//
// The search paths follow AWS's documentation ("Layer paths for each Lambda
// runtime" and "Defined runtime environment variables"); where AWS lists a
// variable without its full value (PYTHONPATH, CLASSPATH), README.md says
// what layerfs writes and why.
//
// Plain values and pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace layerfs {

enum class RuntimeFamily { kUnknown, kPython, kNodejs, kJava, kRuby, kDotnet, kProvided };

struct RuntimeId {
  RuntimeFamily family = RuntimeFamily::kUnknown;
  std::string name;  // as given: "python3.12"
  // The language version as the runtime's layer paths spell it: "3.12" for
  // python3.12, "20" for nodejs20.x, "3.3" for ruby3.3, "21" for java21,
  // "8" for dotnet8; empty when the name carries none ("provided.al2").
  std::string version;
};

// Never fails: an unrecognised name is RuntimeFamily::kUnknown.
RuntimeId ParseRuntime(std::string_view runtime);

// "python", "nodejs", "java", "ruby", "dotnet", "provided", "unknown".
std::string_view FamilyName(RuntimeFamily family);

// The top-level layer directory a family reads ("python", "nodejs",
// "java", "ruby"); empty for the others.
std::string_view FamilyLayerDir(RuntimeFamily family);

// The layer directory only this runtime version searches, relative to
// /opt: "python/lib/python3.12/site-packages", "nodejs/node20/node_modules",
// "ruby/gems/3.3.0"; empty when the runtime has none.
std::string VersionedLayerDir(const RuntimeId& runtime);

struct EnvironmentVariable {
  std::string name;
  std::string value;
  bool operator==(const EnvironmentVariable&) const = default;
};

// The search-path variables Lambda sets for `runtime`, with its /opt
// written as `opt_root` (no trailing slash; "/opt" on Lambda): PATH and
// LD_LIBRARY_PATH for every runtime, then PYTHONPATH, NODE_PATH,
// GEM_PATH and RUBYLIB, or CLASSPATH by family.
std::vector<EnvironmentVariable> LambdaSearchPaths(const RuntimeId& runtime,
                                                   std::string_view opt_root);

}  // namespace layerfs
