// StackRequest (mount/stack_request.h): what `layerfs remount` sends the
// daemon keeps every layer as named (an ARN stays an ARN, for the daemon to
// resolve and renew), makes paths absolute for a daemon with another
// working directory, and survives the wire unchanged.
#include "mount/stack_request.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace layerfs {
namespace {

const std::string kArn = "arn:aws:lambda:eu-west-3:123456789012:layer:deps:3";

TEST(StackRequestTest, PathsBecomeAbsoluteArnsAndUrlsStayAsNamed) {
  const std::string cwd = std::filesystem::current_path().string();
  Result<StackRequest> r = MakeAbsolute(
      {.layers = {"a.zip", kArn, "https://h/l.zip?X-Amz-Signature=1", "s3://b/k.zip", "/abs.zip"},
       .store_dir = "store"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->layers, (std::vector<std::string>{cwd + "/a.zip", kArn,
                                                 "https://h/l.zip?X-Amz-Signature=1",
                                                 "s3://b/k.zip", "/abs.zip"}));
  EXPECT_EQ(r->store_dir, cwd + "/store");
  Result<StackRequest> f = MakeAbsolute({.function_config = "f.json"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->function_config, cwd + "/f.json");
  EXPECT_EQ(f->store_dir, "");  // the daemon's own store
}

TEST(StackRequestTest, ANameWithANewlineIsRefusedNamingIt) {
  Result<StackRequest> r = MakeAbsolute({.layers = {"a\nb.zip"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a\\nb.zip"), std::string::npos) << r.status().message();
}

TEST(StackRequestTest, TheWireFormRoundTrips) {
  for (const StackRequest& request :
       {StackRequest{}, StackRequest{.layers = {"/a b.zip", kArn}, .store_dir = "/s t"},
        StackRequest{.function_config = "/f.json", .store_dir = "/s"}}) {
    const std::string wire = EncodeStackRequest(request);
    EXPECT_TRUE(wire.ends_with("\n")) << wire;
    Result<StackRequest> back = DecodeStackRequest(wire);
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, request) << wire;
  }
  EXPECT_TRUE(DecodeStackRequest("\n")->empty());
}

TEST(StackRequestTest, ABadRequestIsAnErrorNotAStack) {
  Result<StackRequest> unknown = DecodeStackRequest("/old/form.zip\n\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown request line '/old/form.zip'"),
            std::string::npos)
      << unknown.status().message();
  EXPECT_FALSE(DecodeStackRequest("layer /a.zip\nfunction /f.json\n\n").ok());
}

}  // namespace
}  // namespace layerfs
