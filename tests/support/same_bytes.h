// SameBytes: compares the bytes a test read with the bytes it expected
// and, when they differ, says where and how, instead of printing both
// (they are often megabytes of binary). For EXPECT_TRUE / ASSERT_TRUE.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

namespace layerfs::testing_bytes {

inline ::testing::AssertionResult SameBytes(std::string_view actual, std::string_view expected) {
  size_t common = std::min(actual.size(), expected.size());
  size_t at = 0;
  while (at < common && actual[at] == expected[at]) ++at;
  if (at == common && actual.size() == expected.size()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "got " << actual.size() << " bytes, expected " << expected.size();
  if (at < common) {
    char detail[128];
    std::snprintf(detail, sizeof detail, "; first difference at byte %zu: 0x%02x, expected 0x%02x",
                  at, unsigned(static_cast<unsigned char>(actual[at])),
                  unsigned(static_cast<unsigned char>(expected[at])));
    failure << detail;
  } else {
    failure << "; equal up to the shorter length";
  }
  return failure;
}

}  // namespace layerfs::testing_bytes
