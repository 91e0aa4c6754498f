// Helpers shared by the engine test suites.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "engine/reference.h"

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    const ::ketnoi::Status _st = (expr);                      \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                       \
  do {                                                        \
    const ::ketnoi::Status _st = (expr);                      \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

namespace ketnoi::engine::testing_util {

// The repository's reference data (data/), loaded once.
inline const ReferenceData& Ref() {
  static const ReferenceData* ref = [] {
    auto r = ReferenceData::Load(KETNOI_DATA_DIR);
    if (!r.ok()) ADD_FAILURE() << r.status().ToString();
    return r.ok() ? std::move(r).value().release() : nullptr;
  }();
  return *ref;
}

// A fresh, empty directory path unique to the running test.
inline std::string TempPath(const std::string& tag) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path p =
      std::filesystem::path(testing::TempDir()) /
      ("ketnoi_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + tag);
  std::filesystem::remove_all(p);
  return p.string();
}

}  // namespace ketnoi::engine::testing_util
