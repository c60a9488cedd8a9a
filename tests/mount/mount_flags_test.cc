// CheckMountFlagsIn: the ready check reads the kernel's mount table, not a
// statvfs that would reach the daemon. The topmost mount at the path
// decides, escaped paths match, and a mount missing ro, nosuid or nodev is
// refused.
#include "mount/mount_flags.h"

#include <gtest/gtest.h>

#include <string>

namespace layerfs {
namespace {

constexpr const char* kTable =
    "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "40 22 0:35 / /opt ro,nosuid,nodev,relatime shared:20 - fuse.layerfs a.zip "
    "ro,user_id=0,group_id=0,allow_other\n"
    "41 22 0:36 / /mnt/with\\040space ro,nosuid,nodev - fuse.layerfs b.zip ro\n"
    "42 22 0:37 / /mnt/writable rw,nosuid,nodev - fuse.layerfs c.zip rw\n"
    "43 22 0:38 / /mnt/suid ro,nodev - fuse.layerfs d.zip ro\n"
    "44 22 0:39 / /mnt/stacked ro,nosuid,nodev - fuse.layerfs e.zip ro\n"
    "45 44 0:40 / /mnt/stacked rw,nosuid,nodev - fuse.layerfs f.zip rw\n"
    "46 22 0:41 / /mnt/devices ro,nosuid - fuse.layerfs g.zip ro\n";

TEST(MountFlagsTest, AReadOnlyNosuidNodevMountPasses) {
  EXPECT_TRUE(CheckMountFlagsIn(kTable, "/opt").ok());
}

TEST(MountFlagsTest, EscapedMountpointsMatch) {
  EXPECT_TRUE(CheckMountFlagsIn(kTable, "/mnt/with space").ok());
  EXPECT_EQ(CheckMountFlagsIn(kTable, "/mnt/with\\040space").code(), ErrorCode::kNotFound);
}

TEST(MountFlagsTest, EachMissingFlagIsRefused) {
  for (const char* mountpoint : {"/mnt/writable", "/mnt/suid", "/mnt/devices"}) {
    Status s = CheckMountFlagsIn(kTable, mountpoint);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << mountpoint;
    EXPECT_NE(s.message().find(mountpoint), std::string::npos) << s.ToString();
  }
}

TEST(MountFlagsTest, TheTopmostMountDecides) {
  EXPECT_EQ(CheckMountFlagsIn(kTable, "/mnt/stacked").code(), ErrorCode::kInvalidArgument);
}

TEST(MountFlagsTest, NoMountThereIsNotFound) {
  EXPECT_EQ(CheckMountFlagsIn(kTable, "/mnt").code(), ErrorCode::kNotFound);
  EXPECT_EQ(CheckMountFlagsIn("", "/opt").code(), ErrorCode::kNotFound);
  EXPECT_EQ(CheckMountFlagsIn("garbage\n\n1 2\n", "/opt").code(), ErrorCode::kNotFound);
}

// The real table of this process: / is mounted, and is not ro,nosuid,nodev
// in any test environment that can write its build directory.
TEST(MountFlagsTest, ReadsThisProcessTable) {
  EXPECT_EQ(CheckMountFlags("/").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CheckMountFlags("/no/such/dir").code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace layerfs
