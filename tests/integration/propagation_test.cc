// The sidecar arrangement, with mount namespaces standing in for
// containers: layerfs mounts inside its own namespace under a directory
// that is a shared mount (the sidecar's /opt volume with Bidirectional /
// rshared propagation), and the mount shows up on the host and in a
// handler namespace that receives propagation (HostToContainer / rslave),
// made before the mount existed. A namespace with private propagation is
// the control: it must not see the mount. SIGTERM to the sidecar takes
// the mount away everywhere.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using namespace std::chrono_literals;

bool WaitForFile(const std::string& path, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  struct stat st;
  while (::stat(path.c_str(), &st) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A shell loop that waits (30 s at most) for a flag file.
std::string AwaitFlag(const std::string& flag) {
  return "i=0; while [ ! -e " + Quote(flag) + " ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; ";
}

TEST(PropagationTest, SidecarMountReachesHostAndHandlerNamespaces) {
  LAYERFS_REQUIRE_FUSE();
  if (Shell("command -v unshare && command -v findmnt").exit_code != 0) {
    GTEST_SKIP() << "SKIP (no unshare/findmnt): cannot build mount namespaces here";
  }
  ScratchDir tmp;
  testing_zip::ZipBuilder zip;
  zip.File("python/handler_dep.py", "VALUE = 42\n");
  ASSERT_TRUE(zip.Write(tmp / "layer.zip"));

  // The volume both containers share: a shared mount, as a kubelet makes a
  // Bidirectional mount (or docker `-v /srv/opt:/opt:rshared`).
  const std::string shared = tmp / "shared";
  const std::string opt = shared + "/opt";
  ::mkdir(shared.c_str(), 0755);
  CommandResult made = Shell("mount --bind " + Quote(shared) + " " + Quote(shared) +
                             " && mount --make-shared " + Quote(shared));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  ::mkdir(opt.c_str(), 0755);
  EXPECT_EQ(Trim(Shell("findmnt -no PROPAGATION " + Quote(shared)).output), "shared");

  // The handler's container and a control, both made before the mount.
  const std::string handler_script =
      "touch " + Quote(tmp / "h.ready") + "; " + AwaitFlag(tmp / "go") + "cat " +
      Quote(opt + "/python/handler_dep.py") + "; findmnt -no FSTYPE " + Quote(opt) + "; touch " +
      Quote(tmp / "h.seen") + "; " + AwaitFlag(tmp / "go2") + "findmnt " + Quote(opt) +
      " >/dev/null && echo still-mounted || echo gone; touch " + Quote(tmp / "h.done");
  const std::string control_script =
      "touch " + Quote(tmp / "c.ready") + "; " + AwaitFlag(tmp / "go") + "findmnt " + Quote(opt) +
      " >/dev/null && echo mounted || echo not-mounted; touch " + Quote(tmp / "c.done");
  Shell("(unshare -m --propagation slave sh -c " + Quote(handler_script) + " > " +
        Quote(tmp / "handler.out") + " 2>&1 &)");
  Shell("(unshare -m --propagation private sh -c " + Quote(control_script) + " > " +
        Quote(tmp / "control.out") + " 2>&1 &)");
  ASSERT_TRUE(WaitForFile(tmp / "h.ready", 30s));
  ASSERT_TRUE(WaitForFile(tmp / "c.ready", 30s));

  // The sidecar: layerfs in a namespace of its own, in the foreground.
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  Child sidecar({"unshare", "-m", "--propagation", "shared", "--", LayerfsBinary(), "mount",
                 "-f", "--ready-fd", std::to_string(ready[1]), tmp / "layer.zip", opt},
                {}, ready[1]);
  ::close(ready[1]);
  pollfd ready_poll{ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&ready_poll, 1, 30000), 1) << "sidecar not ready within 30 s";
  char buf[16] = {};
  ASSERT_GT(::read(ready[0], buf, sizeof buf), 0) << "sidecar never reported ready";
  ::close(ready[0]);

  // The host sees it...
  EXPECT_TRUE(IsMounted(opt));
  EXPECT_EQ(ReadAll(opt + "/python/handler_dep.py"), "VALUE = 42\n");
  EXPECT_EQ(Trim(Shell("findmnt -no FSTYPE " + Quote(opt)).output), "fuse.layerfs");
  // ...and so does any namespace made from now on.
  CommandResult later = Shell("unshare -m cat " + Quote(opt + "/python/handler_dep.py"));
  EXPECT_EQ(later.output, "VALUE = 42\n");

  Shell("touch " + Quote(tmp / "go"));
  ASSERT_TRUE(WaitForFile(tmp / "h.seen", 30s));
  ASSERT_TRUE(WaitForFile(tmp / "c.done", 30s));
  EXPECT_EQ(ReadAll(tmp / "handler.out"), "VALUE = 42\nfuse.layerfs\n")
      << "the handler namespace (rslave) must receive the sidecar's mount";
  EXPECT_EQ(ReadAll(tmp / "control.out"), "not-mounted\n")
      << "a private namespace must not: else this test proves nothing";

  // Stopping the sidecar unmounts everywhere.
  ASSERT_EQ(::kill(sidecar.pid(), SIGTERM), 0);
  int status = sidecar.Wait(30s);
  EXPECT_NE(status, -1) << "sidecar did not exit within 30 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_FALSE(IsMounted(opt));
  Shell("touch " + Quote(tmp / "go2"));
  ASSERT_TRUE(WaitForFile(tmp / "h.done", 30s));
  EXPECT_EQ(ReadAll(tmp / "handler.out"), "VALUE = 42\nfuse.layerfs\ngone\n");
}

}  // namespace
}  // namespace layerfs::test
