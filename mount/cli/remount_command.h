// `layerfs remount MOUNTPOINT [LAYER.zip ...] [--function F.json [--store DIR]]`:
// asks the daemon serving MOUNTPOINT to swap its whole layer stack (with no
// layers: to re-read what it mounted, like SIGHUP). Exit 0 once the new
// stack serves; 1 with the daemon's reason when the old one stays; 2 for
// usage errors.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace layerfs {

int RunRemount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace layerfs
