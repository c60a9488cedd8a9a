// Lambda's rules on a layer stack: each rule, its severity, and the layer
// its finding names.
#include "fs/lambda/stack_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace layerfs {
namespace {

LayerArn Arn(const std::string& name, int64_t version) {
  Result<LayerArn> arn =
      MakeLayerArn("aws", "us-east-1", "000000000000", name, version);
  EXPECT_TRUE(arn.ok()) << arn.status().message();
  return arn.ok() ? *arn : LayerArn();
}

StackLayer Zip(const std::string& path, uint64_t bytes = 1000) {
  return StackLayer{.label = path, .zip_path = path, .unzipped_bytes = bytes};
}

StackLayer Stored(const std::string& name, int64_t version, uint64_t bytes = 1000) {
  LayerArn arn = Arn(name, version);
  return StackLayer{.label = arn.ToString(),
                    .zip_path = "/store/" + name + "/" + std::to_string(version) + ".zip",
                    .arn = arn,
                    .unzipped_bytes = bytes};
}

std::vector<std::string> Checks(const std::vector<Finding>& findings) {
  std::vector<std::string> checks;
  for (const Finding& f : findings) checks.push_back(f.check);
  return checks;
}

TEST(StackRulesTest, FiveDistinctLayersWithinTheLimitsFindNothing) {
  std::vector<StackLayer> layers = {Zip("/l/a.zip"), Zip("/l/b.zip"), Stored("x", 1),
                                    Stored("y", 3), Zip("/l/c.zip")};
  EXPECT_TRUE(CheckStackRules(layers, {"python3.12", "x86_64", 5000}, {}).empty());
}

TEST(StackRulesTest, SixLayersAreAnErrorUnlessTheLimitIsLifted) {
  std::vector<StackLayer> layers;
  for (int i = 0; i < 6; ++i) layers.push_back(Zip("/l/" + std::to_string(i) + ".zip"));
  std::vector<Finding> strict = CheckStackRules(layers, {}, {});
  ASSERT_EQ(strict.size(), 1u);
  EXPECT_EQ(strict[0].check, "layer-limit");
  EXPECT_EQ(strict[0].severity, Severity::kError);
  EXPECT_FALSE(strict[0].layer.has_value());
  EXPECT_NE(strict[0].message.find("--no-limits"), std::string::npos);
  EXPECT_TRUE(HasErrors(strict));

  std::vector<Finding> lifted = CheckStackRules(layers, {}, {.enforce_layer_limit = false});
  ASSERT_EQ(lifted.size(), 1u);
  EXPECT_EQ(lifted[0].severity, Severity::kWarning);
  EXPECT_FALSE(HasErrors(lifted));
}

TEST(StackRulesTest, TheSameLayerInAnyVersionOrTheSameZipIsAnError) {
  std::vector<Finding> versions =
      CheckStackRules({Stored("numpy", 1), Stored("tools", 1), Stored("numpy", 2)}, {}, {});
  ASSERT_EQ(Checks(versions), std::vector<std::string>{"duplicate-layer"});
  EXPECT_EQ(versions[0].severity, Severity::kError);
  EXPECT_EQ(versions[0].layer, 2u);
  EXPECT_NE(versions[0].message.find("layer 3 ("), std::string::npos) << versions[0].message;
  EXPECT_NE(versions[0].message.find("layer 1 ("), std::string::npos) << versions[0].message;

  std::vector<Finding> same = CheckStackRules({Stored("numpy", 4), Stored("numpy", 4)}, {}, {});
  ASSERT_EQ(Checks(same), std::vector<std::string>{"duplicate-layer"});
  EXPECT_NE(same[0].message.find("the same layer version"), std::string::npos);

  std::vector<Finding> zips = CheckStackRules({Zip("/l/a.zip"), Zip("/l/a.zip")}, {}, {});
  ASSERT_EQ(Checks(zips), std::vector<std::string>{"duplicate-layer"});
  EXPECT_NE(zips[0].message.find("the same zip"), std::string::npos);

  // The same layer name in another account is another layer.
  StackLayer other = Stored("numpy", 1);
  other.arn->account = "123456789012";
  other.zip_path = "/store/123456789012/numpy/1.zip";
  EXPECT_TRUE(CheckStackRules({Stored("numpy", 1), other}, {}, {}).empty());
}

TEST(StackRulesTest, OverTheUnzippedLimitIsAWarningCountingTheCode) {
  std::vector<StackLayer> layers = {Zip("/l/a.zip", 200'000'000), Zip("/l/b.zip", 62'144'000)};
  EXPECT_TRUE(CheckStackRules(layers, {}, {}).empty()) << "exactly at the limit";
  std::vector<Finding> with_code = CheckStackRules(layers, {.code_unzipped_bytes = 1}, {});
  ASSERT_EQ(Checks(with_code), std::vector<std::string>{"size-limit"});
  EXPECT_EQ(with_code[0].severity, Severity::kWarning);
  EXPECT_NE(with_code[0].message.find("262144001 bytes"), std::string::npos)
      << with_code[0].message;
  EXPECT_NE(with_code[0].message.find("function code 1 bytes"), std::string::npos);
}

TEST(StackRulesTest, CompatibilityListsThatLeaveOutTheFunctionWarn) {
  StackLayer numpy = Stored("numpy", 1);
  numpy.compatible_runtimes = {"python3.11", "python3.12"};
  numpy.compatible_architectures = {"x86_64"};
  EXPECT_TRUE(CheckStackRules({numpy}, {"python3.12", "x86_64"}, {}).empty());
  EXPECT_TRUE(CheckStackRules({numpy}, {}, {}).empty()) << "unknown function: nothing to say";

  std::vector<Finding> f = CheckStackRules({Zip("/l/a.zip"), numpy}, {"python3.9", "arm64"}, {});
  ASSERT_EQ(Checks(f), (std::vector<std::string>{"incompatible-runtime",
                                                 "incompatible-architecture"}));
  for (const Finding& finding : f) {
    EXPECT_EQ(finding.severity, Severity::kWarning);
    EXPECT_EQ(finding.layer, 1u);
  }
  EXPECT_NE(f[0].message.find("python3.9"), std::string::npos);
  EXPECT_NE(f[1].message.find("arm64"), std::string::npos);

  StackLayer unset = Stored("tools", 1);  // no lists at all: compatible with anything
  EXPECT_TRUE(CheckStackRules({unset}, {"java21", "arm64"}, {}).empty());
}

TEST(StackRulesTest, ADeletedVersionIsANote) {
  StackLayer gone = Stored("numpy", 1);
  gone.deleted = true;
  std::vector<Finding> f = CheckStackRules({Zip("/l/a.zip"), gone}, {}, {});
  ASSERT_EQ(Checks(f), std::vector<std::string>{"deleted-version"});
  EXPECT_EQ(f[0].severity, Severity::kNote);
  EXPECT_EQ(f[0].layer, 1u);
  EXPECT_FALSE(HasErrors(f));
}

}  // namespace
}  // namespace layerfs
