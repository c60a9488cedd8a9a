// `layerfs remount MOUNTPOINT [LAYER ...] [--function F.json] [--store DIR]`:
// asks the daemon serving MOUNTPOINT to swap its whole layer stack (with no
// layers: to re-read what it mounted, like SIGHUP). A LAYER is what
// `layerfs mount` takes (a zip, a URL, a layer version ARN); the daemon
// resolves it as the mount did (mount/stack_request.h), so an ARN's URL is
// renewed when it expires. Exit 0 once the new stack serves; 1 with the
// daemon's reason (e.g. an ARN neither the store nor Lambda has) when the
// old one stays; 2 for usage errors.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace layerfs {

int RunRemount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace layerfs
