// `layerfs env`: prints, as `export NAME=value` lines for a POSIX shell,
// the search-path variables Lambda sets for a function's runtime
// (fs/lambda/lambda_runtime.h), with /opt replaced by --root, so that a handler
// run locally against a layerfs mount searches the same directories:
//
//   eval "$(layerfs env --function f.json --root /tmp/opt)"
//
// layerfs env (--function F.json | --runtime R) [--root DIR]
//
// Values are single-quoted where the shell would otherwise split or
// expand them (CLASSPATH's "*", a --root with spaces). Exit code 0, 1 when
// the configuration cannot be read or has no runtime, 2 for a usage error.
// No state; runs on the calling thread.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace layerfs {

int RunEnv(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

std::string EnvUsage();

// `value` as one shell word: unchanged when it holds only characters the
// shell leaves alone, else single-quoted.
std::string ShellWord(const std::string& value);

}  // namespace layerfs
