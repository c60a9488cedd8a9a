// layerfs as mount(8), fstab and systemd use it, with the real tools:
// `cmake --install` of this build, `mount -t fuse.layerfs` and `mount -T
// FSTAB` through /sbin/mount.fuse (mount.fuse3), and `systemd-analyze
// verify` of the units shipped in scripts/systemd/.
//
// mount(8) runs its helper with PATH cleared, so mount.fuse3's /bin/sh
// finds `layerfs` only in the default directories (/usr/local/bin, ...).
// Rather than install into the machine, each test runs in a private mount
// namespace where a prefix's bin/ holding this build's layerfs is
// bind-mounted on /usr/local/bin: what an install with the default prefix
// gives (InstallTest checks that `cmake --install` lays it out so), and
// nothing leaks out of the namespace.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fs/lambda/layer_store.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using testing_zip::ZipBuilder;

// Installs this build under `prefix`.
CommandResult Install(const std::string& prefix) {
  return Shell("cmake --install " + Quote(LAYERFS_BUILD_DIR) + " --prefix " + Quote(prefix));
}

// Why mount(8) cannot be exercised here ("" when it can).
std::string MountToolsMissing() {
  if (std::string why = FuseUnavailableReason(); !why.empty()) return why;
  if (Shell("command -v unshare && command -v findmnt && command -v mount").exit_code != 0) {
    return "unshare, findmnt or mount is missing";
  }
  if (::access("/sbin/mount.fuse3", X_OK) != 0 && ::access("/sbin/mount.fuse", X_OK) != 0) {
    return "/sbin/mount.fuse3 is missing (Debian package fuse3)";
  }
  return "";
}

// Runs `script` (sh, set -eu) in a private mount namespace in which
// /usr/local/bin holds the layerfs installed under `prefix`.
CommandResult InstalledNamespace(const std::string& prefix, const std::string& script) {
  std::string body = "set -eu\nmount --bind " + Quote(prefix + "/bin") + " /usr/local/bin\n" +
                     script;
  return Shell("unshare -m --propagation private sh -c " + Quote(body));
}

// Lines between "BEGIN name" and "END name" markers in a script's output.
std::string Section(const std::string& output, const std::string& name) {
  size_t begin = output.find("BEGIN " + name + "\n");
  size_t end = output.find("END " + name + "\n");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "<missing>";
  begin += name.size() + 7;
  return output.substr(begin, end - begin);
}

// Two layers: the upper one overrides bin/tool.
std::vector<std::string> BuildLayers(const ScratchDir& tmp) {
  ZipBuilder lower, upper;
  lower.File("bin/tool", "lower tool\n").Mode(0755);
  lower.File("lib/only-lower.txt", "from lower\n");
  upper.File("bin/tool", "upper tool\n").Mode(0755);
  EXPECT_TRUE(lower.Write(tmp / "lower.zip"));
  EXPECT_TRUE(upper.Write(tmp / "upper.zip"));
  return {tmp / "lower.zip", tmp / "upper.zip"};
}

class FstabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = MountToolsMissing(); !why.empty()) {
      GTEST_SKIP() << "SKIP (mount(8) through mount.fuse3 cannot run here): " << why;
    }
    // A copy, not `cmake --install`: parallel tests would race on the
    // build's install_manifest.txt.
    CommandResult installed = Shell("install -D -m 0755 " + Quote(LayerfsBinary()) + " " +
                                    Quote(tmp_ / "prefix/bin/layerfs"));
    ASSERT_EQ(installed.exit_code, 0) << installed.output;
  }

  ScratchDir tmp_;
};

TEST(InstallTest, CmakeInstallPutsTheBinaryAndTheSystemdExamplesInThePrefix) {
  ScratchDir tmp;
  CommandResult installed = Install(tmp / "prefix");
  ASSERT_EQ(installed.exit_code, 0) << installed.output;
  EXPECT_EQ(::access((tmp / "prefix/bin/layerfs").c_str(), X_OK), 0) << installed.output;
  CommandResult version = Shell(Quote(tmp / "prefix/bin/layerfs") + " --version");
  EXPECT_EQ(version.exit_code, 0) << version.output;
  for (const char* example : {"fstab.example", "opt.mount", "layerfs@.service"}) {
    std::string path = tmp / "prefix/share/doc/layerfs/examples/" + example;
    EXPECT_EQ(::access(path.c_str(), R_OK), 0) << path << "\n" << installed.output;
  }
}

TEST_F(FstabTest, MountTypeFuseLayerfsMountsTheStackAndUmountEndsTheDaemon) {
  std::vector<std::string> zips = BuildLayers(tmp_);
  std::string mnt = tmp_ / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  CommandResult r = InstalledNamespace(tmp_ / "prefix", R"(
mnt=)" + Quote(mnt) + R"(
mount -t fuse.layerfs )" + Quote(zips[0] + ":" + zips[1]) + R"( "$mnt" -o allow_other,cache_size=32M
echo BEGIN findmnt; findmnt -no FSTYPE,SOURCE "$mnt"; findmnt -no OPTIONS "$mnt" | tr , '\n' | sort; echo END findmnt
echo BEGIN tree; cat "$mnt/bin/tool" "$mnt/lib/only-lower.txt"; echo END tree
stats=$(layerfs stats --json "$mnt")
echo BEGIN capacity; echo "$stats" | sed -n 's/.*"cache":{[^}]*"capacity":\([0-9]*\).*/\1/p'; echo END capacity
pid=$(echo "$stats" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
umount "$mnt"
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo BEGIN after; findmnt "$mnt" >/dev/null && echo still-mounted || echo unmounted
kill -0 "$pid" 2>/dev/null && echo daemon-alive || echo daemon-gone; echo END after
)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string found = Section(r.output, "findmnt");
  EXPECT_EQ(found.substr(0, found.find('\n')), "fuse.layerfs " + zips[0] + ":" + zips[1]);
  for (const char* opt : {"\nro\n", "\nnosuid\n", "\nnodev\n", "\nallow_other\n"}) {
    EXPECT_NE(found.find(opt), std::string::npos) << opt << " in\n" << found;
  }
  EXPECT_EQ(Section(r.output, "tree"), "upper tool\nfrom lower\n");
  // cache_size=32M reached the daemon: three quarters of it hold data.
  EXPECT_EQ(Section(r.output, "capacity"), std::to_string((32u << 20) / 4 * 3) + "\n");
  EXPECT_EQ(Section(r.output, "after"), "unmounted\ndaemon-gone\n");
  EXPECT_FALSE(IsMounted(mnt)) << "the namespace's mount leaked out";
}

TEST_F(FstabTest, FstabLinesOfZipsAndOfAFunctionMountAndMountAllIsIdempotent) {
  std::vector<std::string> zips = BuildLayers(tmp_);
  // A layer store holding both zips, and a function that uses them.
  Result<LayerStore> store = LayerStore::Open(tmp_ / "store", ZipValidator());
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::string layers_json;
  for (const char* name : {"lower", "upper"}) {
    PublishRequest request;
    request.layer_name = name;
    request.zip_path = tmp_ / (std::string(name) + ".zip");
    Result<StoredLayerVersion> stored = store->Publish(request);
    ASSERT_TRUE(stored.ok()) << stored.status().message();
    layers_json += (layers_json.empty() ? "\"" : ", \"") + stored->version.arn.ToString() + "\"";
  }
  WriteFile(tmp_ / "function.json",
            "{\"FunctionName\": \"f\", \"Runtime\": \"python3.12\", \"Layers\": [" + layers_json +
                "]}");
  std::string zips_mnt = tmp_ / "zips-mnt", function_mnt = tmp_ / "function-mnt";
  ::mkdir(zips_mnt.c_str(), 0755);
  ::mkdir(function_mnt.c_str(), 0755);
  // Options for mount(8) and systemd ride along, as in real fstabs.
  WriteFile(tmp_ / "fstab",
            "# test fstab\n" + zips[0] + ":" + zips[1] + "  " + zips_mnt +
                "  fuse.layerfs  allow_other,nofail,_netdev,x-systemd.requires-mounts-for=" +
                tmp_.path() + ",x-systemd.device-timeout=10s,comment=x  0  0\n" +
                "layerfs  " + function_mnt + "  fuse.layerfs  function=" + tmp_ / "function.json" +
                ",store=" + tmp_ / "store" + ",allow_other,nofail  0  0\n");
  std::string fstab = Quote(tmp_ / "fstab");
  // From /, as at boot: mount(8) canonicalizes a SOURCE that names an
  // existing path, and the test's directory holds a file named layerfs.
  CommandResult r = InstalledNamespace(tmp_ / "prefix", R"(
cd /
zips=)" + Quote(zips_mnt) + R"(
fn=)" + Quote(function_mnt) + R"(
mount -T )" + fstab + R"( "$zips"
mount -T )" + fstab + R"( "$fn"
mount -a -T )" + fstab + R"(
mount -a -T )" + fstab + R"(
echo BEGIN count; findmnt -n "$zips" | wc -l; findmnt -n "$fn" | wc -l; echo END count
echo BEGIN sources; findmnt -no SOURCE "$zips"; findmnt -no SOURCE "$fn"; echo END sources
echo BEGIN tree; cat "$zips/bin/tool" "$fn/bin/tool" "$fn/lib/only-lower.txt"; echo END tree
umount "$zips"; umount "$fn"
)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // mount -a recognises both lines as mounted (the mount table's source
  // is the fstab's first field): neither is mounted twice.
  EXPECT_EQ(Section(r.output, "count"), "1\n1\n") << r.output;
  EXPECT_EQ(Section(r.output, "sources"), zips[0] + ":" + zips[1] + "\nlayerfs\n");
  EXPECT_EQ(Section(r.output, "tree"), "upper tool\nupper tool\nfrom lower\n");
}

TEST_F(FstabTest, ShippedSystemdUnitsPassSystemdAnalyzeVerify) {
  if (Shell("command -v systemd-analyze").exit_code != 0) {
    GTEST_SKIP() << "SKIP (systemd-analyze not installed; apt-get install systemd): the "
                    "units in scripts/systemd/ are NOT verified";
  }
  // The template is verified as an instance, as systemd would load it.
  std::string units = tmp_ / "units";
  std::string examples = std::string(LAYERFS_SOURCE_DIR) + "/scripts/systemd/";
  CommandResult copied = Shell("mkdir -p " + Quote(units) + " && cp " +
                               Quote(examples + "opt.mount") + " " + Quote(units) + " && cp " +
                               Quote(examples + "layerfs@.service") + " " +
                               Quote(units + "/layerfs@opt.service"));
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  for (const char* unit : {"opt.mount", "layerfs@opt.service"}) {
    CommandResult r = InstalledNamespace(
        tmp_ / "prefix", "cd " + Quote(units) + " && systemd-analyze verify ./" + unit);
    EXPECT_EQ(r.exit_code, 0) << unit << ":\n" << r.output;
    // verify exits 0 on settings it ignores: any remark about a unit fails.
    EXPECT_EQ(r.output, "") << unit << ":\n" << r.output;
  }
}

}  // namespace
}  // namespace layerfs::test
