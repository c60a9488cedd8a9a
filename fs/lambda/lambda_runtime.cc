#include "fs/lambda/lambda_runtime.h"

#include <algorithm>

namespace layerfs {

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "3.12": digits, one dot, digits.
bool IsMajorMinor(std::string_view s) {
  size_t dot = s.find('.');
  return dot != std::string_view::npos && AllDigits(s.substr(0, dot)) &&
         AllDigits(s.substr(dot + 1));
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ":") + p;
  return out;
}

}  // namespace

RuntimeId ParseRuntime(std::string_view runtime) {
  RuntimeId id;
  id.name = std::string(runtime);
  auto rest_after = [&](std::string_view prefix) { return runtime.substr(prefix.size()); };
  if (runtime.starts_with("python")) {
    std::string_view v = rest_after("python");
    if (IsMajorMinor(v)) id = {RuntimeFamily::kPython, id.name, std::string(v)};
  } else if (runtime.starts_with("nodejs")) {
    std::string_view v = rest_after("nodejs");
    if (v.empty()) {
      id.family = RuntimeFamily::kNodejs;  // the original "nodejs" runtime
    } else if (v.ends_with(".x") && AllDigits(v.substr(0, v.size() - 2))) {
      id = {RuntimeFamily::kNodejs, id.name, std::string(v.substr(0, v.size() - 2))};
    } else if (IsMajorMinor(v)) {  // nodejs4.3, nodejs6.10
      id = {RuntimeFamily::kNodejs, id.name, std::string(v.substr(0, v.find('.')))};
    }
  } else if (runtime.starts_with("java")) {
    std::string_view v = rest_after("java");
    if (v.ends_with(".al2")) v.remove_suffix(4);
    if (AllDigits(v)) id = {RuntimeFamily::kJava, id.name, std::string(v)};
  } else if (runtime.starts_with("ruby")) {
    std::string_view v = rest_after("ruby");
    if (IsMajorMinor(v)) id = {RuntimeFamily::kRuby, id.name, std::string(v)};
  } else if (runtime.starts_with("dotnet")) {
    std::string_view v = rest_after("dotnet");
    if (v.starts_with("core")) v.remove_prefix(4);
    if (AllDigits(v) || IsMajorMinor(v)) {
      id = {RuntimeFamily::kDotnet, id.name, std::string(v)};
    }
  } else if (runtime == "provided" || runtime.starts_with("provided.") || runtime == "go1.x") {
    // go1.x ran a binary much like a custom runtime; it has no layer paths.
    id.family = RuntimeFamily::kProvided;
  }
  return id;
}

std::string_view FamilyName(RuntimeFamily family) {
  switch (family) {
    case RuntimeFamily::kPython: return "python";
    case RuntimeFamily::kNodejs: return "nodejs";
    case RuntimeFamily::kJava: return "java";
    case RuntimeFamily::kRuby: return "ruby";
    case RuntimeFamily::kDotnet: return "dotnet";
    case RuntimeFamily::kProvided: return "provided";
    case RuntimeFamily::kUnknown: break;
  }
  return "unknown";
}

std::string_view FamilyLayerDir(RuntimeFamily family) {
  switch (family) {
    case RuntimeFamily::kPython: return "python";
    case RuntimeFamily::kNodejs: return "nodejs";
    case RuntimeFamily::kJava: return "java";
    case RuntimeFamily::kRuby: return "ruby";
    default: return "";
  }
}

std::string VersionedLayerDir(const RuntimeId& runtime) {
  if (runtime.version.empty()) return "";
  switch (runtime.family) {
    case RuntimeFamily::kPython:
      return "python/lib/python" + runtime.version + "/site-packages";
    case RuntimeFamily::kNodejs:
      return "nodejs/node" + runtime.version + "/node_modules";
    case RuntimeFamily::kRuby:
      return "ruby/gems/" + runtime.version + ".0";
    default:
      return "";
  }
}

std::vector<EnvironmentVariable> LambdaSearchPaths(const RuntimeId& runtime,
                                                   std::string_view opt_root) {
  const std::string opt(opt_root);
  std::vector<EnvironmentVariable> env = {
      {"PATH", "/usr/local/bin:/usr/bin/:/bin:" + opt + "/bin"},
      {"LD_LIBRARY_PATH",
       "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:" +
           opt + "/lib"},
  };
  const std::string versioned = VersionedLayerDir(runtime);
  switch (runtime.family) {
    case RuntimeFamily::kPython: {
      // Lambda sets PYTHONPATH=/var/runtime and its bootstrap puts the /opt
      // directories ahead of it on sys.path; one variable in that order
      // gives a local interpreter the same search.
      std::vector<std::string> parts;
      if (!versioned.empty()) parts.push_back(opt + "/" + versioned);
      parts.push_back(opt + "/python");
      parts.push_back("/var/runtime");
      env.push_back({"PYTHONPATH", Join(parts)});
      break;
    }
    case RuntimeFamily::kNodejs: {
      std::vector<std::string> parts;
      if (!versioned.empty()) parts.push_back(opt + "/" + versioned);
      parts.push_back(opt + "/nodejs/node_modules");
      parts.push_back("/var/runtime/node_modules");
      parts.push_back("/var/runtime");
      parts.push_back("/var/task");
      env.push_back({"NODE_PATH", Join(parts)});
      break;
    }
    case RuntimeFamily::kRuby: {
      std::string gems = runtime.version + ".0";
      env.push_back({"GEM_PATH", Join({"/var/task/vendor/bundle/ruby/" + gems,
                                       opt + "/ruby/gems/" + gems, "/var/runtime",
                                       "/var/runtime/ruby/" + gems})});
      env.push_back({"RUBYLIB", Join({"/var/task", "/var/runtime/lib", opt + "/ruby/lib"})});
      break;
    }
    case RuntimeFamily::kJava:
      // The JVM expands "dir/*" to every jar in dir.
      env.push_back({"CLASSPATH", Join({"/var/task", "/var/task/lib/*", opt + "/java/lib/*"})});
      break;
    default:
      break;
  }
  return env;
}

}  // namespace layerfs
