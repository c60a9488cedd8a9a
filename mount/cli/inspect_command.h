// `layerfs inspect`: prints the report of fs/lambda/stack_report.h for a stack of
// layer zips and ARNs, or for a function configuration's layers, as text
// for a person or, with --json, as one JSON object for scripts.
//
// layerfs inspect [--json] [--store DIR] [--runtime R] [--architecture A]
//     [--code ZIP_OR_DIR] [--no-limits] (LAYER.zip|LAYER_VERSION_ARN)...
// layerfs inspect [same options] --function F.json
//
// The function's runtime and architecture come from --function, unless
// --runtime/--architecture override them; the architecture defaults to
// x86_64, as on Lambda. Exit code: 0 when the report has no error, 1 when
// it has one (more than 5 layers, a layer twice) or a layer cannot be
// resolved or opened, 2 for a usage error. Runs on the calling thread;
// no state.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace layerfs {

int RunInspect(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

std::string InspectUsage();

}  // namespace layerfs
