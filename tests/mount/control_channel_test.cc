// The control channel's peer check: a connection from a process of another
// user is refused, one from our own user (or root) accepted. The other
// user is a child that drops to `nobody` before it connects.
#include "mount/control_channel.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "fs/base/unique_fd.h"
#include "tests/support/test_files.h"

namespace layerfs {
namespace {

// Connects to `path` from a child process running as `uid`; returns the
// accepted end.
UniqueFd AcceptFrom(int listener, const std::string& path, uid_t uid) {
  pid_t child = ::fork();
  if (child == 0) {
    if (uid != ::geteuid() && (::setgid(uid) != 0 || ::setuid(uid) != 0)) _exit(3);
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) _exit(4);
    char c;
    (void)::read(s, &c, 1);  // wait for the parent to look at us
    _exit(0);
  }
  UniqueFd accepted(::accept(listener, nullptr, nullptr));
  return accepted;
}

TEST(ControlChannelTest, OnlyOurUserOrRootMayTalkToTheDaemon) {
  if (::geteuid() != 0) GTEST_SKIP() << "SKIP: needs root to act as another user";
  testing_files::TempDir tmp;
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  std::string path = tmp / "s.sock";
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0777), 0);
  ASSERT_EQ(::listen(listener.get(), 2), 0);

  UniqueFd stranger = AcceptFrom(listener.get(), path, 65534);
  ASSERT_TRUE(stranger.valid());
  Status refused = CheckPeer(stranger.get());
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("uid 65534"), std::string::npos) << refused.message();
  stranger.Reset();

  UniqueFd ours = AcceptFrom(listener.get(), path, ::geteuid());
  ASSERT_TRUE(ours.valid());
  EXPECT_TRUE(CheckPeer(ours.get()).ok());
  ours.Reset();
  int status;
  while (::wait(&status) > 0) EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace layerfs
