#include <gtest/gtest.h>
TEST(HfConfig, Builds) {}
