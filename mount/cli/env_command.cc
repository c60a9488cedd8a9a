#include "mount/cli/env_command.h"

#include <filesystem>

#include "fs/lambda/function_config.h"
#include "fs/lambda/lambda_runtime.h"
#include "mount/cli/arg_parser.h"
#include "mount/cli/exit_codes.h"

namespace layerfs {

namespace {

int Usage(std::ostream& err, const std::string& what) {
  err << "layerfs env: " << what << "\n\n" << EnvUsage();
  return kExitUsage;
}

}  // namespace

std::string EnvUsage() {
  return "usage: layerfs env (--function F.json | --runtime R) [--root DIR]\n"
         "\n"
         "Prints `export NAME=value` lines with the search paths Lambda sets for the\n"
         "runtime (PATH, LD_LIBRARY_PATH, and PYTHONPATH, NODE_PATH, GEM_PATH and\n"
         "RUBYLIB, or CLASSPATH), with /opt written as DIR (default /opt):\n"
         "  eval \"$(layerfs env --function f.json --root /tmp/opt)\"\n";
}

std::string ShellWord(const std::string& value) {
  bool plain = !value.empty();
  for (char c : value) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("/._:-,+=@%").find(c) != std::string_view::npos;
    plain = plain && safe;
  }
  if (plain) return value;
  std::string quoted = "'";
  for (char c : value) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

int RunEnv(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string function, runtime, root = "/opt";
  bool help = false;
  Result<ParsedArgs> parsed = ParseArgs(args, {{.name = "--function", .value = "a value", .apply = Text(function)},
                                               {.name = "--runtime", .value = "a value", .apply = Text(runtime)},
                                               {.name = "--root", .value = "a value", .apply = Text(root)},
                                               HelpOption(help)});
  if (!parsed.ok()) return Usage(err, parsed.status().message());
  if (help) {
    out << EnvUsage();
    return kExitOk;
  }
  if (!parsed->positional.empty()) {
    return Usage(err, "unexpected argument " + parsed->positional[0]);
  }
  if (function.empty() == runtime.empty()) {
    return Usage(err, "give exactly one of --function F.json and --runtime R");
  }
  // Absolute, so the exported paths hold wherever the handler runs from.
  std::error_code ec;
  if (root[0] != '/') root = std::filesystem::absolute(root, ec).string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") root = "";  // "/" + "/bin", not "//bin"
  if (!function.empty()) {
    Result<FunctionConfig> config = LoadFunctionConfig(function);
    if (!config.ok()) {
      err << "layerfs env: " << config.status().message() << "\n";
      return kExitFailed;
    }
    if (config->runtime.empty()) {
      err << "layerfs env: " << function
          << ": no Runtime (a container image function?); give --runtime\n";
      return kExitFailed;
    }
    runtime = config->runtime;
  }
  RuntimeId id = ParseRuntime(runtime);
  if (id.family == RuntimeFamily::kUnknown) {
    err << "layerfs env: warning: unknown runtime " << runtime
        << "; printing the variables every runtime gets\n";
  }
  for (const EnvironmentVariable& v : LambdaSearchPaths(id, root)) {
    out << "export " << v.name << "=" << ShellWord(v.value) << "\n";
  }
  return kExitOk;
}

}  // namespace layerfs
