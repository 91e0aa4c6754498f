#include "indexer/normalize.h"

#include <gtest/gtest.h>

namespace ketnoi::indexer {
namespace {

TEST(Normalize, FoldsDiacriticsAndDStroke) {
  EXPECT_EQ(Fold("Máy sấy chè Đà Nẵng"), "may say che da nang");
}

TEST(Normalize, RejectsInvalidUtf8) {
  EXPECT_TRUE(IsValidUtf8("chè"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
}

}  // namespace
}  // namespace ketnoi::indexer
