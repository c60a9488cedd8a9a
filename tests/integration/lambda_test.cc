// The Lambda model end to end with the built binary: layers published into
// a temporary store, mounted from every shape of function configuration
// and from ARNs on the command line, stacks Lambda would refuse refused,
// every `layerfs inspect` finding on crafted layers, and `layerfs env`
// driving a real interpreter over a mount.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using Json = nlohmann::json;
using testing_zip::Compression;
using testing_zip::ZipBuilder;

std::string Cat(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// An ELF header for `machine` (little-endian), padded to 64 bytes.
std::string Elf(uint16_t machine) {
  std::string s(64, '\0');
  s[0] = 0x7f, s[1] = 'E', s[2] = 'L', s[3] = 'F', s[4] = 2, s[5] = 1, s[6] = 1;
  s[18] = char(machine & 0xff);
  s[19] = char(machine >> 8);
  return s;
}

class LambdaTest : public ::testing::Test {
 protected:
  std::string Bin() const { return Quote(LayerfsBinary()); }
  std::string StoreFlag() const { return " --store " + Quote(store_); }

  // Runs `command` keeping only its stdout (Shell() merges stderr in);
  // stderr goes to `err_file`.
  static CommandResult StdoutOf(const std::string& command, const std::string& err_file) {
    return Shell("{ " + command + " 2>" + Quote(err_file) + "; }");
  }

  std::string Write(const ZipBuilder& zip, const std::string& name) {
    std::string path = tmp_ / name;
    EXPECT_TRUE(zip.Write(path));
    return path;
  }

  // Publishes through the binary; returns the LayerVersionArn.
  std::string Publish(const std::string& name, const std::string& zip,
                      const std::string& flags = "") {
    CommandResult r = StdoutOf(Bin() + " publish " + Quote(name) + " " + Quote(zip) +
                               StoreFlag() + " " + flags, tmp_ / "publish.err");
    EXPECT_EQ(r.exit_code, 0) << r.output << Cat(tmp_ / "publish.err");
    Json j = Json::parse(r.output, nullptr, false);
    if (j.is_discarded() || !j.contains("LayerVersionArn")) {
      ADD_FAILURE() << "publish printed: " << r.output;
      return "";
    }
    EXPECT_TRUE(j["Content"]["CodeSha256"].is_string());
    return j["LayerVersionArn"].get<std::string>();
  }

  // A base layer and an override layer published; their version ARNs.
  void PublishBaseAndOverride() {
    ZipBuilder base, patch;
    base.File("python/lib/python3.12/site-packages/base.py", "X = 'base'\n");
    base.File("python/lib/python3.12/site-packages/only_base.py", "Y = 1\n");
    base.File("bin/tool", "#!/bin/sh\necho base\n").Mode(0755);
    base.Symlink("lib/libz.so", "libz.so.1");
    patch.File("python/lib/python3.12/site-packages/base.py", "X = 'patched'\n");
    base_arn_ = Publish("base", Write(base, "base.zip"), "--compatible-runtime python3.12");
    patch_arn_ = Publish("patch", Write(patch, "patch.zip"));
  }

  void ExpectBaseAndOverride(const std::string& mnt) {
    const std::string sp = mnt + "/python/lib/python3.12/site-packages/";
    EXPECT_EQ(Cat(sp + "base.py"), "X = 'patched'\n");
    EXPECT_EQ(Cat(sp + "only_base.py"), "Y = 1\n");
    struct stat st;
    ASSERT_EQ(::stat((mnt + "/bin/tool").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    ASSERT_EQ(::lstat((mnt + "/lib/libz.so").c_str(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
  }

  // `inspect --json ARGS`, parsed; exit code in `code`.
  Json Inspect(const std::string& args, int* code = nullptr) {
    CommandResult r =
        StdoutOf(Bin() + " inspect --json " + args + StoreFlag(), tmp_ / "inspect.err");
    if (code != nullptr) *code = r.exit_code;
    Json j = Json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output << Cat(tmp_ / "inspect.err");
    return j;
  }

  static std::set<std::string> Checks(const Json& report) {
    std::set<std::string> checks;
    for (const Json& f : report["findings"]) checks.insert(f["check"].get<std::string>());
    return checks;
  }
  // "check@path" for every finding of one layer.
  static std::set<std::string> LayerFindings(const Json& report, size_t layer) {
    std::set<std::string> found;
    for (const Json& f : report["findings"]) {
      if (f["layer"] == layer) found.insert(f["check"].get<std::string>() + "@" +
                                            f["path"].get<std::string>());
    }
    return found;
  }

  ScratchDir tmp_;
  std::string store_ = tmp_ / "store";
  std::string base_arn_, patch_arn_;
};

TEST_F(LambdaTest, MountsFromEveryShapeOfFunctionConfiguration) {
  LAYERFS_REQUIRE_FUSE();
  PublishBaseAndOverride();
  ASSERT_FALSE(base_arn_.empty());
  const std::string layers = "[\"" + base_arn_ + "\", \"" + patch_arn_ + "\"]";
  const std::string objects = "[{\"Arn\": \"" + base_arn_ + "\", \"CodeSize\": 1}, {\"Arn\": \"" +
                              patch_arn_ + "\", \"CodeSize\": 1}]";
  const std::string request = "{\"FunctionName\": \"f\", \"Runtime\": \"python3.12\", "
                              "\"Handler\": \"app.handler\", \"Code\": {\"ZipFile\": \"x\"}, "
                              "\"Layers\": " + layers + "}";
  const std::string response = "{\"FunctionName\": \"f\", \"Runtime\": \"python3.12\", "
                               "\"Architectures\": [\"x86_64\"], \"Layers\": " + objects + "}";
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"create_function_request", request},
      {"get_function_configuration", response},
      {"get_function", "{\"Configuration\": " + response + ", \"Code\": {\"Location\": \"x\"}}"},
      {"cloudformation_resource",
       "{\"Type\": \"AWS::Lambda::Function\", \"Properties\": " + request + "}"},
  };
  for (const auto& [name, json] : shapes) {
    SCOPED_TRACE(name);
    std::string config = tmp_ / (name + ".json");
    Put(config, json);
    Mount mount({}, tmp_ / ("mnt-" + name), "--function " + Quote(config) + StoreFlag());
    ASSERT_TRUE(mount.ok()) << mount.result().output;
    ASSERT_TRUE(IsMounted(mount.path()));
    ExpectBaseAndOverride(mount.path());
  }
}

TEST_F(LambdaTest, MountsArnsGivenInPlaceOfZips) {
  LAYERFS_REQUIRE_FUSE();
  PublishBaseAndOverride();
  Mount mount({base_arn_, tmp_ / "patch.zip"}, tmp_ / "mnt", StoreFlag());
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ExpectBaseAndOverride(mount.path());
}

TEST_F(LambdaTest, RefusesUnknownArnsSixLayersAndDuplicatesMountingNothing) {
  LAYERFS_REQUIRE_FUSE();
  PublishBaseAndOverride();
  std::string unknown = base_arn_.substr(0, base_arn_.rfind(':')) + ":7";
  {
    Mount mount({tmp_ / "patch.zip", unknown}, tmp_ / "mnt1", StoreFlag());
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_NE(mount.result().output.find(unknown), std::string::npos) << mount.result().output;
    EXPECT_FALSE(IsMounted(mount.path()));
  }
  {
    std::string malformed = "arn:aws:lambda:us-east-1:42:layer:base:1";
    Mount mount({malformed}, tmp_ / "mnt2", StoreFlag());
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_NE(mount.result().output.find(malformed), std::string::npos) << mount.result().output;
    EXPECT_FALSE(IsMounted(mount.path()));
  }
  {
    Put(tmp_ / "unknown.json", "{\"Layers\": [\"" + unknown + "\"]}");
    Mount mount({}, tmp_ / "mnt3", "--function " + Quote(tmp_ / "unknown.json") + StoreFlag());
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_NE(mount.result().output.find(unknown), std::string::npos) << mount.result().output;
    EXPECT_FALSE(IsMounted(mount.path()));
  }
  std::vector<std::string> six;
  for (int i = 0; i < 6; ++i) {
    ZipBuilder zip;
    zip.File("layer" + std::to_string(i), "x");
    six.push_back(Write(zip, "six" + std::to_string(i) + ".zip"));
  }
  {
    Mount mount(six, tmp_ / "mnt4");
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_NE(mount.result().output.find("--no-limits"), std::string::npos);
    EXPECT_FALSE(IsMounted(mount.path()));
  }
  {
    Mount mount(six, tmp_ / "mnt5", "--no-limits");
    ASSERT_TRUE(mount.ok()) << mount.result().output;
    EXPECT_EQ(Cat(mount.path() + "/layer5"), "x");
  }
  {
    std::string newer = Publish("base", tmp_ / "base.zip");  // base:2
    Mount mount({base_arn_, tmp_ / "patch.zip", newer}, tmp_ / "mnt6", StoreFlag());
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_NE(mount.result().output.find("attached twice"), std::string::npos);
    EXPECT_FALSE(IsMounted(mount.path()));
  }
  {
    Mount mount({six[0], six[1], six[0]}, tmp_ / "mnt7");
    EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
    EXPECT_FALSE(IsMounted(mount.path()));
  }
}

TEST_F(LambdaTest, PublishRefusesUnreadableFilesUnlessAllowed) {
  ZipBuilder zip;
  zip.File("python/secret.cfg", "key").Mode(0600);
  std::string path = Write(zip, "secret.zip");
  CommandResult refused = Shell(Bin() + " publish secret " + Quote(path) + StoreFlag());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("python/secret.cfg (mode 0600)"), std::string::npos)
      << refused.output;
  EXPECT_NE(Publish("secret", path, "--allow-unreadable"), "");
  ZipBuilder unsafe;
  unsafe.File("../outside", "x");
  CommandResult bad = Shell(Bin() + " publish unsafe " + Quote(Write(unsafe, "unsafe.zip")) +
                            StoreFlag());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("../outside"), std::string::npos) << bad.output;
}

TEST_F(LambdaTest, InspectReportsEveryFindingOnCraftedLayers) {
  // Layer 1: a Python layer built for the wrong version and machine, with
  // a private file and an extension others cannot run.
  ZipBuilder wrong;
  wrong.File("python/lib/python3.9/site-packages/old.py", "old\n");
  wrong.File("python/lib/python3.12/site-packages/shared.py", "from wrong\n");
  wrong.File("python/secret.cfg", "key").Mode(0600);
  wrong.File("lib/libfast.so", Elf(183)).Compress(Compression::kStore);
  wrong.File("lib/libok.so", Elf(62));
  wrong.File("extensions/telemetry", "#!/bin/sh\n").Mode(0750);
  wrong.Dir("data/");
  wrong.File("data/table.csv", "a,b\n");
  wrong.File("nodejs/node_modules/x.js", "x");
  // Layer 2: a custom runtime whose bootstrap lost its exec bits, and a
  // file where layer 1 has a directory.
  ZipBuilder runtime;
  runtime.File("bootstrap", "#!/bin/sh\n").Mode(0644);
  runtime.File("data", "now a file\n");
  runtime.File("python/lib/python3.12/site-packages/shared.py", "from runtime\n");
  std::string wrong_arn = Publish("wrong", Write(wrong, "wrong.zip"),
                                  "--allow-unreadable --compatible-runtime python3.11 "
                                  "--compatible-architecture arm64");
  std::string runtime_arn = Publish("runtime", Write(runtime, "runtime.zip"));
  ASSERT_EQ(Shell(Bin() + " layers delete " + Quote(runtime_arn) + StoreFlag()).exit_code, 0);
  Put(tmp_ / "f.json", "{\"FunctionName\": \"f\", \"Runtime\": \"python3.12\", \"Layers\": [\"" +
                           wrong_arn + "\", \"" + runtime_arn + "\"]}");
  // Function code of 300 MB in a sparse file: over the unzipped limit.
  Shell("mkdir -p " + Quote(tmp_ / "code") + " && truncate -s 300M " + Quote(tmp_ / "code/big"));

  int code = -1;
  Json r = Inspect("--function " + Quote(tmp_ / "f.json") + " --code " + Quote(tmp_ / "code"),
                   &code);
  EXPECT_EQ(code, 0) << "warnings only";
  EXPECT_EQ(r["function"]["runtime"], "python3.12");
  EXPECT_EQ(r["function"]["architecture"], "x86_64");
  ASSERT_EQ(r["layers"].size(), 2u);
  EXPECT_EQ(r["layers"][0]["arn"], wrong_arn);
  EXPECT_EQ(r["layers"][1]["deleted"], true);
  EXPECT_EQ(r["layers"][0]["entries"], 9);
  EXPECT_EQ(r["layers"][0]["files"], 8);
  EXPECT_EQ(r["layers"][0]["runtime_paths"],
            Json({"python/", "python/lib/python3.12/site-packages/",
                  "python/lib/python3.9/site-packages/", "nodejs/node_modules/", "lib/",
                  "extensions/"}));
  EXPECT_EQ(r["layers"][1]["runtime_paths"],
            Json({"python/", "python/lib/python3.12/site-packages/", "bootstrap"}));
  EXPECT_GT(r["unzipped_bytes"].get<uint64_t>(), 300u << 20);

  EXPECT_EQ(Checks(r), (std::set<std::string>{
                           "size-limit", "incompatible-runtime", "incompatible-architecture",
                           "deleted-version", "runtime-mismatch", "not-world-readable",
                           "elf-architecture", "not-executable"}));
  EXPECT_EQ(LayerFindings(r, 0),
            (std::set<std::string>{"incompatible-runtime@", "incompatible-architecture@",
                                   "runtime-mismatch@python/lib/python3.9",
                                   "runtime-mismatch@nodejs",
                                   "not-world-readable@python/secret.cfg",
                                   "not-world-readable@extensions/telemetry",
                                   "elf-architecture@lib/libfast.so",
                                   "not-executable@extensions/telemetry"}));
  EXPECT_EQ(LayerFindings(r, 1),
            (std::set<std::string>{"deleted-version@", "not-executable@bootstrap"}));

  std::set<std::string> shadowed;
  for (const Json& s : r["shadowed"]) {
    shadowed.insert(s["path"].get<std::string>() + (s["type_clash"] == true ? " clash" : ""));
    EXPECT_EQ(s["winner"]["layer"], 1);
    EXPECT_EQ(s["hidden"][0]["layer"], 0);
  }
  EXPECT_EQ(shadowed, (std::set<std::string>{"data clash",
                                             "python/lib/python3.12/site-packages/shared.py"}));

  // The same stack for an arm64 function: the x86_64 library is the odd one.
  Put(tmp_ / "arm.json", "{\"Runtime\": \"python3.12\", \"Architectures\": [\"arm64\"], "
                         "\"Layers\": [\"" + wrong_arn + "\"]}");
  Json arm = Inspect("--function " + Quote(tmp_ / "arm.json"));
  std::set<std::string> elf;
  for (const Json& f : arm["findings"]) {
    if (f["check"] == "elf-architecture") elf.insert(f["path"].get<std::string>());
  }
  EXPECT_EQ(elf, std::set<std::string>{"lib/libok.so"});

  // The text form says the same for a person.
  CommandResult text = Shell(Bin() + " inspect --function " + Quote(tmp_ / "f.json") +
                             StoreFlag());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  for (const char* expected :
       {"layer 1: arn:", "[deleted version]", "shadowed paths: 2",
        "data: layer 2 (file) wins, hides layer 1 (directory)  [file/directory clash]",
        "warning: not-executable: layer 2",
        "provides:  python/, python/lib/python3.12/site-packages/, bootstrap"}) {
    EXPECT_NE(text.output.find(expected), std::string::npos) << expected << "\n" << text.output;
  }
}

TEST_F(LambdaTest, InspectFindsLimitDuplicateAndUnsafeNamesOnZipsAndArns) {
  PublishBaseAndOverride();
  ZipBuilder unsafe;
  unsafe.File("../escape", "x");
  unsafe.File("ok", "y");
  std::string unsafe_zip = Write(unsafe, "unsafe.zip");
  std::vector<std::string> fillers;
  for (int i = 0; i < 3; ++i) {
    ZipBuilder z;
    z.File("f" + std::to_string(i), "x");
    fillers.push_back(Quote(Write(z, "filler" + std::to_string(i) + ".zip")));
  }
  std::string base2 = Publish("base", tmp_ / "base.zip");
  int code = -1;
  Json r = Inspect(Quote(base_arn_) + " " + Quote(unsafe_zip) + " " + fillers[0] + " " +
                       fillers[1] + " " + fillers[2] + " " + Quote(base2),
                   &code);
  EXPECT_EQ(code, 1) << "errors: six layers, base twice";
  std::set<std::string> errors;
  for (const Json& f : r["findings"]) {
    if (f["severity"] == "error") errors.insert(f["check"].get<std::string>());
  }
  EXPECT_EQ(errors, (std::set<std::string>{"layer-limit", "duplicate-layer"}));
  EXPECT_EQ(LayerFindings(r, 1), std::set<std::string>{"index-warning@../escape"});
  EXPECT_EQ(r["layers"][1]["label"], unsafe_zip);

  Json lifted = Inspect("--no-limits " + fillers[0] + " " + fillers[1] + " " + fillers[2] + " " +
                            fillers[0] + " " + fillers[1] + " " + fillers[2],
                        &code);
  EXPECT_EQ(code, 1) << "duplicates are errors even without limits";
  EXPECT_EQ(lifted["findings"][0]["check"], "layer-limit");
  EXPECT_EQ(lifted["findings"][0]["severity"], "warning");

  CommandResult unknown = Shell(Bin() + " inspect " + Quote(base_arn_ + "0") + StoreFlag());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find(base_arn_ + "0"), std::string::npos) << unknown.output;
  EXPECT_EQ(Shell(Bin() + " inspect --architecture sparc x.zip").exit_code, 2);
}

TEST_F(LambdaTest, EnvPointsAnInterpreterAtTheMountedLayers) {
  LAYERFS_REQUIRE_FUSE();
  if (Shell("command -v python3").exit_code != 0) GTEST_SKIP() << "SKIP: no python3";
  PublishBaseAndOverride();
  Put(tmp_ / "f.json", "{\"Runtime\": \"python3.12\", \"Layers\": [\"" + base_arn_ + "\", \"" +
                           patch_arn_ + "\"]}");
  Mount mount({}, tmp_ / "opt", "--function " + Quote(tmp_ / "f.json") + StoreFlag());
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  CommandResult run = Shell("eval \"$(" + Bin() + " env --function " + Quote(tmp_ / "f.json") +
                            " --root " + Quote(mount.path()) +
                            ")\" && python3 -c 'import base; print(base.X)' && tool");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "patched\nbase\n");
}

}  // namespace
}  // namespace layerfs::test
