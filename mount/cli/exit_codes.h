// The exit codes of every layerfs command, in one place so that a script
// can tell a usage mistake from a failed operation whatever it ran.
#pragma once

namespace layerfs {

constexpr int kExitOk = 0;      // did what was asked
constexpr int kExitFailed = 1;  // the operation failed (a file, a mount, a store)
constexpr int kExitUsage = 2;   // the command line was wrong; nothing was done

}  // namespace layerfs
