#include "mount/cli/store_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include "fs/lambda/json_text.h"
#include "fs/lambda/layer_arn.h"
#include "fs/lambda/layer_version.h"
#include "fs/lambda/stack_resolver.h"
#include "mount/cli/arg_parser.h"
#include "mount/cli/exit_codes.h"

namespace layerfs {

namespace {

Result<std::string> StoreDir(const ParsedArgs& args) {
  if (args.Has("--store")) {
    std::string dir = args.Get("--store");
    if (dir.empty())
      return Status::InvalidArgument("--store needs a directory");
    return dir;
  }
  return ResolveStoreDir("");
}

int Usage(std::ostream& err, std::string_view command, const std::string& what,
          const std::string& usage) {
  err << "layerfs " << command << ": " << what << "\n\n" << usage;
  return kExitUsage;
}

int Failed(std::ostream& err, std::string_view command, const Status& status) {
  err << "layerfs " << command << ": " << status.message() << "\n";
  return kExitFailed;
}

// Prints rows as left-aligned columns two spaces apart.
void PrintTable(std::ostream& out,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

std::vector<LayerVersion> Metadata(const std::vector<StoredLayerVersion>& v) {
  std::vector<LayerVersion> out;
  for (const StoredLayerVersion& s : v) out.push_back(s.version);
  return out;
}

int PublishFromAws(const ParsedArgs& args, std::ostream& out, std::ostream& err,
                   const ZipValidator& validate) {
  for (std::string_view option :
       {"--description", "--compatible-runtime", "--compatible-architecture",
        "--license", "--region", "--account"}) {
    if (args.Has(option)) {
      return Usage(err, "publish",
                   std::string(option) +
                       " cannot be combined with --from-get-layer-version, "
                       "which takes the metadata from AWS",
                   PublishUsage());
    }
  }
  if (args.positional.size() > 1) {
    return Usage(err, "publish",
                 "--from-get-layer-version JSON takes one ZIP, or none to keep "
                 "the version remote at its Content.Location",
                 PublishUsage());
  }
  Result<std::string> dir = StoreDir(args);
  if (!dir.ok())
    return Usage(err, "publish", dir.status().message(), PublishUsage());

  std::string json_path = args.Get("--from-get-layer-version");
  Result<std::string> text = ReadJsonFile(json_path, "layer version JSON");
  if (!text.ok()) return Failed(err, "publish", text.status());
  Result<LayerVersion> from_aws = ParseLayerVersionJson(*text, json_path);
  if (!from_aws.ok()) return Failed(err, "publish", from_aws.status());
  Result<LayerStore> store = LayerStore::Open(*dir, validate);
  if (!store.ok()) return Failed(err, "publish", store.status());
  // No zip: the version lives where Content.Location says.
  std::string location;
  if (args.positional.empty()) {
    Result<std::string> given = ParseLayerVersionLocation(*text, json_path);
    if (!given.ok()) return Failed(err, "publish", given.status());
    if (given->empty()) {
      return Usage(err, "publish",
                   json_path + " has no Content.Location: give the ZIP",
                   PublishUsage());
    }
    location = *given;
  }
  Result<StoredLayerVersion> stored =
      location.empty() ? store->Import(*from_aws, args.positional[0])
                       : store->ImportRemote(*from_aws, location);
  if (!stored.ok()) return Failed(err, "publish", stored.status());
  out << LayerVersionToJson(stored->version, stored->zip_path) << "\n";
  return kExitOk;
}

int PublishLocal(const ParsedArgs& args, std::ostream& out, std::ostream& err,
                 const ZipValidator& validate) {
  if (args.positional.size() != 2) {
    return Usage(err, "publish", "expected NAME and ZIP", PublishUsage());
  }
  PublishRequest request;
  request.layer_name = args.positional[0];
  request.zip_path = args.positional[1];
  request.description = args.Get("--description");
  request.compatible_runtimes = args.All("--compatible-runtime");
  request.compatible_architectures = args.All("--compatible-architecture");
  request.license_info = args.Get("--license");
  request.region = args.Get("--region");
  request.account = args.Get("--account");

  // Check what the user typed before touching the store, so that a typo is
  // a usage error. The region and account stand in for the store's when
  // not given; only their syntax matters here.
  std::string region = request.region.empty() ? "us-east-1" : request.region;
  Result<LayerArn> arn =
      MakeLayerArn(PartitionForRegion(region), region,
                   request.account.empty() ? "000000000000" : request.account,
                   request.layer_name, 1);
  if (!arn.ok())
    return Usage(err, "publish", arn.status().message(), PublishUsage());
  LayerVersion fields;
  fields.arn = *arn;
  fields.description = request.description;
  fields.compatible_runtimes = request.compatible_runtimes;
  fields.compatible_architectures = request.compatible_architectures;
  fields.license_info = request.license_info;
  if (Status s = ValidateLayerVersionFields(fields); !s.ok()) {
    return Usage(err, "publish", s.message(), PublishUsage());
  }
  Result<std::string> dir = StoreDir(args);
  if (!dir.ok())
    return Usage(err, "publish", dir.status().message(), PublishUsage());

  Result<LayerStore> store = LayerStore::Open(*dir, validate);
  if (!store.ok()) return Failed(err, "publish", store.status());
  Result<StoredLayerVersion> stored = store->Publish(request);
  if (!stored.ok()) return Failed(err, "publish", stored.status());
  out << LayerVersionToJson(stored->version, stored->zip_path) << "\n";
  return kExitOk;
}

}  // namespace

std::string PublishUsage() {
  return "usage: layerfs publish NAME ZIP [--description D]\n"
         "           [--compatible-runtime R]... [--compatible-architecture "
         "A]...\n"
         "           [--license L] [--region R] [--account A] [--store DIR]\n"
         "       layerfs publish --from-get-layer-version JSON [ZIP] [--store "
         "DIR]\n"
         "\n"
         "Copies ZIP into the layer store as the next version of layer NAME "
         "and\n"
         "prints the PublishLayerVersion response. With "
         "--from-get-layer-version,\n"
         "stores a zip downloaded from AWS under its real ARN, taking the "
         "metadata\n"
         "from the saved output of `aws lambda get-layer-version` and "
         "checking\n"
         "CodeSha256 and CodeSize. Without ZIP, the version stays remote: "
         "the store\n"
         "keeps its Content.Location (an https:// or s3:// URL) and mounts "
         "read\n"
         "the zip from there, lazily.\n"
         "\n"
         "The store is --store DIR, else $LAYERFS_STORE, else "
         "/var/lib/layerfs\n"
         "for root, else ~/.local/share/layerfs.\n";
}

std::string LayersUsage() {
  return "usage: layerfs layers list [--json] [--store DIR]\n"
         "       layerfs layers versions NAME|LAYER_ARN [--json] [--store "
         "DIR]\n"
         "       layerfs layers get LAYER_VERSION_ARN [--store DIR]\n"
         "       layerfs layers delete LAYER_VERSION_ARN [--store DIR]\n"
         "\n"
         "list shows the newest version of each layer, versions every version "
         "of\n"
         "one layer (newest first); deleted versions are hidden. --json "
         "prints\n"
         "the ListLayers / ListLayerVersions response. get prints the\n"
         "GetLayerVersion response, deleted or not. delete hides a version "
         "from\n"
         "listings; configurations that pin it still resolve, as on AWS.\n";
}

int RunPublish(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err, const ZipValidator& validate,
               const std::vector<ArgOption>& extra_options, std::string_view extra_help) {
  bool help = false;
  std::vector<ArgOption> table = {{.name = "--description", .value = "a value", .allow_empty = true, .once = true},
                       {.name = "--compatible-runtime", .value = "a value", .allow_empty = true},
                       {.name = "--compatible-architecture", .value = "a value", .allow_empty = true},
                       {.name = "--license", .value = "a value", .allow_empty = true, .once = true},
                       {.name = "--region", .value = "a value", .allow_empty = true, .once = true},
                       {.name = "--account", .value = "a value", .allow_empty = true, .once = true},
                       {.name = "--store", .value = "a value", .allow_empty = true, .once = true},
                       {.name = "--from-get-layer-version", .value = "a value", .allow_empty = true,
                        .once = true},
                       HelpOption(help)};
  table.insert(table.end(), extra_options.begin(), extra_options.end());
  Result<ParsedArgs> parsed = ParseArgs(args, table);
  if (!parsed.ok()) {
    return Usage(err, "publish", parsed.status().message(), PublishUsage());
  }
  if (help) {
    out << PublishUsage() << extra_help;
    return kExitOk;
  }
  if (!validate) {
    err << "layerfs publish: no archive check is configured; refusing to "
           "store a zip unchecked\n";
    return kExitFailed;
  }
  if (parsed->Has("--from-get-layer-version")) {
    return PublishFromAws(*parsed, out, err, validate);
  }
  return PublishLocal(*parsed, out, err, validate);
}

namespace {

// What every `layers` subcommand works with once the arguments are read.
struct LayersContext {
  const LayerStore& store;
  bool json;
  std::ostream& out;
  std::ostream& err;
};

int ListLayers(const LayersContext& c) {
  Result<std::vector<StoredLayerVersion>> latest = c.store.List();
  if (!latest.ok()) return Failed(c.err, "layers", latest.status());
  if (c.json) {
    c.out << ListLayersJson(Metadata(*latest)) << "\n";
  } else if (latest->empty()) {
    c.err << "(no layers in the layer store " << c.store.dir() << ")\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "VERSION", "CREATED", "LAYER VERSION ARN", "DESCRIPTION"}};
    for (const StoredLayerVersion& s : *latest) {
      const LayerVersion& v = s.version;
      rows.push_back({v.arn.name, std::to_string(v.arn.version), v.created_date,
                      v.arn.ToString(), v.description});
    }
    PrintTable(c.out, rows);
  }
  return kExitOk;
}

int ListVersions(const LayersContext& c, const std::string& layer) {
  Result<std::vector<StoredLayerVersion>> versions = c.store.Versions(layer);
  if (!versions.ok()) return Failed(c.err, "layers", versions.status());
  if (c.json) {
    c.out << ListLayerVersionsJson(Metadata(*versions)) << "\n";
  } else if (versions->empty()) {
    c.err << "(every version of " << layer << " is deleted)\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"VERSION", "CREATED", "LAYER VERSION ARN", "DESCRIPTION"}};
    for (const StoredLayerVersion& s : *versions) {
      const LayerVersion& v = s.version;
      rows.push_back(
          {std::to_string(v.arn.version), v.created_date, v.arn.ToString(), v.description});
    }
    PrintTable(c.out, rows);
  }
  return kExitOk;
}

int GetVersion(const LayersContext& c, const LayerArn& arn) {
  Result<StoredLayerVersion> stored = c.store.Get(arn);
  if (!stored.ok()) return Failed(c.err, "layers", stored.status());
  c.out << LayerVersionToJson(stored->version, stored->zip_path) << "\n";
  if (stored->deleted) {
    c.err << "layerfs layers: note: " << arn.ToString()
          << " is deleted; it still resolves for configurations that pin it\n";
  }
  return kExitOk;
}

int DeleteVersion(const LayersContext& c, const LayerArn& arn) {
  Status deleted = c.store.Delete(arn);
  if (!deleted.ok()) return Failed(c.err, "layers", deleted);
  return kExitOk;
}

// The subcommand's word count and its complaint when given another.
std::optional<std::string> ArgumentProblem(const std::vector<std::string>& pos) {
  const std::string& verb = pos[0];
  if (verb != "list" && verb != "versions" && verb != "get" && verb != "delete") {
    return "unknown command " + verb;
  }
  const size_t want = verb == "list" ? 1 : 2;
  if (pos.size() == want) return std::nullopt;
  return verb + (want == 1            ? " takes no arguments"
                 : verb == "versions" ? " takes one layer name or ARN"
                                      : " takes one layer version ARN");
}

}  // namespace

int RunLayers(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool help = false;
  Result<ParsedArgs> parsed = ParseArgs(
      args, {{.name = "--store", .value = "a value", .allow_empty = true, .once = true},
             {.name = "--json", .once = true},
             HelpOption(help)});
  if (!parsed.ok()) return Usage(err, "layers", parsed.status().message(), LayersUsage());
  if (help) {
    out << LayersUsage();
    return kExitOk;
  }
  const std::vector<std::string>& pos = parsed->positional;
  if (pos.empty()) {
    return Usage(err, "layers", "expected list, versions, get or delete", LayersUsage());
  }
  if (std::optional<std::string> problem = ArgumentProblem(pos)) {
    return Usage(err, "layers", *problem, LayersUsage());
  }
  std::optional<LayerArn> version_arn;
  if (pos[0] == "get" || pos[0] == "delete") {
    Result<LayerArn> arn = ParseLayerVersionArn(pos[1]);
    if (!arn.ok()) return Usage(err, "layers", arn.status().message(), LayersUsage());
    version_arn = *arn;
  }
  Result<std::string> dir = StoreDir(*parsed);
  if (!dir.ok()) return Usage(err, "layers", dir.status().message(), LayersUsage());
  Result<LayerStore> store = LayerStore::Open(*dir, ZipValidator());
  if (!store.ok()) return Failed(err, "layers", store.status());
  const LayersContext context{*store, parsed->Has("--json"), out, err};
  if (pos[0] == "list") return ListLayers(context);
  if (pos[0] == "versions") return ListVersions(context, pos[1]);
  if (pos[0] == "get") return GetVersion(context, *version_arn);
  return DeleteVersion(context, *version_arn);
}

}  // namespace layerfs
