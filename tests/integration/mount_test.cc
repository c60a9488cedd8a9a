// Mounts real layer zips (made by Info-ZIP's zip, as users make them) with
// the built layerfs binary and checks the tree through POSIX calls against
// `unzip -o` of the same layers and against the documented rules.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

// Five layers shaped like real ones: Python packages, a Node module tree,
// bin/ and lib/ with .so version symlinks, and overrides of earlier files.
std::vector<std::string> BuildFiveLayers(const ScratchDir& tmp) {
  std::string sp = "python/lib/python3.12/site-packages";
  std::string l1 = tmp / "src1", l2 = tmp / "src2", l3 = tmp / "src3", l4 = tmp / "src4",
              l5 = tmp / "src5";
  for (int i = 0; i < 40; ++i) {
    WriteFile(l1 + "/" + sp + "/boto/mod" + std::to_string(i) + ".py",
              "# module " + std::to_string(i) + "\n" + Noise(500 + i * 37, i), 0644,
              1600000000 + i);
  }
  WriteFile(l1 + "/" + sp + "/boto/data/endpoints.json", Noise(300000, 7), 0644, 1650000000);
  WriteFile(l1 + "/" + sp + "/boto/secret.cfg", "key", 0600);
  MakeDir(l1 + "/" + sp + "/boto/data", 0755, 1660000000);
  WriteFile(l2 + "/" + sp + "/numpy/core.so", Noise(3 << 20, 9), 0755, 1610000000);
  WriteFile(l2 + "/" + sp + "/numpy/__init__.py", "import numpy.core\n", 0644, 1610000001);
  WriteFile(l2 + "/" + sp + "/boto/mod3.py", "# numpy layer overrides mod3\n", 0644, 1690000000);
  WriteFile(l3 + "/nodejs/node_modules/lodash/index.js", Noise(70000, 11), 0644, 1620000000);
  WriteFile(l3 + "/nodejs/node_modules/lodash/package.json", "{\"name\":\"lodash\"}", 0644);
  WriteFile(l3 + "/nodejs/node_modules/.bin/empty", "", 0755);
  WriteFile(l4 + "/bin/tool", "#!/bin/sh\necho tool\n", 0755, 1630000000);
  WriteFile(l4 + "/lib/libfoo.so.1.2.3", Noise(200000, 13), 0755, 1630000001);
  MakeSymlink("libfoo.so.1.2.3", l4 + "/lib/libfoo.so.1");
  MakeSymlink("libfoo.so.1", l4 + "/lib/libfoo.so");
  MakeSymlink("/opt/bin/tool", l4 + "/bin/tool-abs");
  MakeDir(l4 + "/extensions", 0700, 1630000002);
  WriteFile(l5 + "/" + sp + "/boto/mod5.py", "# override layer\n", 0644, 1700000500);
  WriteFile(l5 + "/nodejs/node_modules/lodash/index.js", "module.exports = {};\n", 0644);
  WriteFile(l5 + "/bin/tool", "#!/bin/sh\necho newer tool\n", 0750, 1700000600);
  MakeSymlink("libfoo.so.1.2.3", l5 + "/lib/libfoo.so");  // symlink over symlink
  std::vector<std::string> zips;
  for (const std::string& src : {l1, l2, l3, l4, l5}) {
    std::string zip = src + ".zip";
    Shell("cd " + Quote(src) + " && TZ=UTC zip -qry " + Quote(zip) + " .");
    zips.push_back(zip);
  }
  return zips;
}

TEST(MountTest, FiveLayerStackMatchesUnzipExtraction) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<std::string> zips = BuildFiveLayers(tmp);
  ASSERT_TRUE(UnzipInto(zips, tmp / "extracted"));
  Mount mount(zips, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  auto merged = [&](const std::string& rel) {
    int layers = 0;
    for (int i = 1; i <= 5; ++i) {
      struct stat st;
      if (::lstat((tmp / ("src" + std::to_string(i)) + "/" + rel).c_str(), &st) == 0) ++layers;
    }
    return layers > 1;
  };
  TreeDiff diff = CompareTrees(tmp / "extracted", mount.path(), merged);
  EXPECT_GT(diff.entries_compared, 60u);
  for (const std::string& d : diff.differences) ADD_FAILURE() << d;
}

TEST(MountTest, LaterLayerReplacesWholePathWhateverTheTypes) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  // Layer 1: a/ is a dir with a/x; b is a file; c/ is a dir; d/ has d/old.
  WriteFile(tmp / "s1/a/x", "x1");
  WriteFile(tmp / "s1/b", "file b");
  WriteFile(tmp / "s1/c/inside", "c1");
  WriteFile(tmp / "s1/d/old", "old");
  // Layer 2: file over dir a; dir over file b; symlink over dir c; file d.
  WriteFile(tmp / "s2/a", "now a file");
  WriteFile(tmp / "s2/b/y", "b is a dir now");
  MakeSymlink("target-of-c", tmp / "s2/c");
  WriteFile(tmp / "s2/d", "d is a file in layer 2");
  // Layer 3: d becomes a directory again: layer 1's d/old stays hidden.
  WriteFile(tmp / "s3/d/new", "new");
  for (int i = 1; i <= 3; ++i) {
    std::string s = tmp / ("s" + std::to_string(i));
    Shell("cd " + Quote(s) + " && zip -qry " + Quote(s + ".zip") + " .");
  }
  Mount mount({tmp / "s1.zip", tmp / "s2.zip", tmp / "s3.zip"}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  struct stat st;
  std::string m = mount.path();
  ASSERT_EQ(::lstat((m + "/a").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(ReadAll(m + "/a"), "now a file");
  EXPECT_NE(::lstat((m + "/a/x").c_str(), &st), 0);
  ASSERT_EQ(::lstat((m + "/b").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(ReadAll(m + "/b/y"), "b is a dir now");
  ASSERT_EQ(::lstat((m + "/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(::lstat((m + "/c/inside").c_str(), &st), 0);
  ASSERT_EQ(::lstat((m + "/d").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(ReadAll(m + "/d/new"), "new");
  EXPECT_NE(::lstat((m + "/d/old").c_str(), &st), 0) << "layer 1 content under a replaced path";
}

TEST(MountTest, OtherUsersReadWorldReadableFilesOnly) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  WriteFile(tmp / "s/public.txt", "everyone", 0644);
  WriteFile(tmp / "s/private.txt", "root only", 0600);
  Shell("cd " + Quote(tmp / "s") + " && zip -qry " + Quote(tmp / "l.zip") + " .");
  Mount mount({tmp / "l.zip"}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  Shell("chmod 755 " + Quote(tmp.path()));
  std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups cat ";
  CommandResult pub = Shell(as_nobody + Quote(tmp / "mnt/public.txt"));
  EXPECT_EQ(pub.exit_code, 0) << pub.output;
  EXPECT_EQ(pub.output, "everyone");
  CommandResult priv = Shell(as_nobody + Quote(tmp / "mnt/private.txt"));
  EXPECT_NE(priv.exit_code, 0);
  EXPECT_NE(priv.output.find("Permission denied"), std::string::npos) << priv.output;
}

TEST(MountTest, WritesFailWithErofsAndStatfsIsSane) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  WriteFile(tmp / "s/f.txt", "data");
  Shell("cd " + Quote(tmp / "s") + " && zip -qry " + Quote(tmp / "l.zip") + " .");
  Mount mount({tmp / "l.zip"}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  std::string m = mount.path();
  errno = 0;
  EXPECT_EQ(::open((m + "/f.txt").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::mkdir((m + "/new").c_str(), 0755), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::open((m + "/created").c_str(), O_CREAT | O_WRONLY, 0644), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(::unlink((m + "/f.txt").c_str()), -1);
  EXPECT_EQ(errno, EROFS);
  struct statvfs vfs;
  ASSERT_EQ(::statvfs(m.c_str(), &vfs), 0);
  EXPECT_EQ(vfs.f_namemax, 255u);
  EXPECT_TRUE(vfs.f_flag & ST_RDONLY);
  EXPECT_EQ(vfs.f_files, 1u);
  char layer[4096];
  ssize_t n = ::getxattr((m + "/f.txt").c_str(), "user.layerfs.layer", layer, sizeof layer);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(layer, size_t(n)), tmp / "l.zip");
}

TEST(MountTest, ForegroundDaemonUnmountsOnSigterm) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  WriteFile(tmp / "s/f.txt", "data");
  Shell("cd " + Quote(tmp / "s") + " && zip -qry " + Quote(tmp / "l.zip") + " .");
  std::string mnt = tmp / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    std::string fd = std::to_string(ready[1]);
    std::string zip = tmp / "l.zip";
    ::execl(LayerfsBinary().c_str(), "layerfs", "mount", "-f", "--ready-fd", fd.c_str(),
            zip.c_str(), mnt.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  char buf[16] = {};
  ASSERT_GT(::read(ready[0], buf, sizeof buf), 0) << "daemon never reported ready";
  ::close(ready[0]);
  EXPECT_EQ(std::string(buf), "ready\n");
  EXPECT_TRUE(IsMounted(mnt));
  EXPECT_EQ(ReadAll(mnt + "/f.txt"), "data");
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_FALSE(IsMounted(mnt));
}

TEST(MountTest, BadInputExitsNonZeroNamingTheFileAndMountsNothing) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  WriteFile(tmp / "s/f.txt", "data");
  Shell("cd " + Quote(tmp / "s") + " && zip -qry " + Quote(tmp / "good.zip") + " .");
  WriteFile(tmp / "notzip.zip", "this is plain text, not an archive\n");
  std::string mnt = tmp / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  struct Case {
    std::vector<std::string> args;
    std::string must_mention;
  };
  std::vector<Case> cases = {
      {{tmp / "good.zip", tmp / "missing.zip", mnt}, "missing.zip"},
      {{tmp / "notzip.zip", mnt}, "notzip.zip"},
      {{tmp / "good.zip", tmp / "no-such-dir"}, "no-such-dir"},
      {{tmp / "good.zip", tmp / "notzip.zip"}, "notzip.zip"},  // mountpoint not a dir
  };
  for (const Case& c : cases) {
    std::string cmd = Quote(LayerfsBinary()) + " mount";
    for (const std::string& a : c.args) cmd += " " + Quote(a);
    CommandResult r = Shell(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find(c.must_mention), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(IsMounted(mnt));
  }
  CommandResult usage = Shell(Quote(LayerfsBinary()) + " mount --no-such-flag x y");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

}  // namespace
}  // namespace layerfs::test
