// The one errno map: every ErrorCode has its errno, and every failure to
// produce data reads as EIO.
#include "mount/reply.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace layerfs {
namespace {

TEST(ReplyTest, EveryCodeMapsToItsErrno) {
  EXPECT_EQ(ErrnoFor(Status::Ok()), 0);
  EXPECT_EQ(ErrnoFor(Status::NotFound("x")), ENOENT);
  EXPECT_EQ(ErrnoFor(Status::NotADirectory("x")), ENOTDIR);
  EXPECT_EQ(ErrnoFor(Status::InvalidArgument("x")), EINVAL);
  EXPECT_EQ(ErrnoFor(Status::AlreadyExists("x")), EEXIST);
  EXPECT_EQ(ErrnoFor(Status::Corrupt("x")), EIO);
  EXPECT_EQ(ErrnoFor(Status::Unsupported("x")), EIO);
  EXPECT_EQ(ErrnoFor(Status::IoError("x")), EIO);
  // Context never changes the errno.
  EXPECT_EQ(ErrnoFor(Status::NotFound("x").WithContext("layer.zip: ")), ENOENT);
  EXPECT_EQ(kErrorCodeCount, 8u) << "a new ErrorCode needs its errno above";
}

}  // namespace
}  // namespace layerfs
