#include "engine/model.h"

#include <gtest/gtest.h>

namespace ketnoi::engine {
namespace {

TEST(Model, ParsesKnownLinkTypesOnly) {
  LinkType t;
  EXPECT_TRUE(ParseLinkType("buys_from", &t));
  EXPECT_EQ(t, LinkType::kBuysFrom);
  EXPECT_FALSE(ParseLinkType("sells_to", &t));
}

}  // namespace
}  // namespace ketnoi::engine
