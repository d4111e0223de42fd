// The GUI tests' main: one QApplication on the offscreen platform (no display
// needed), Vulkan validation on, then GoogleTest.
#include <cstdlib>

#include <QApplication>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
  setenv("ARCHSCOPE_VALIDATION", "1", 0);
  QApplication::setOrganizationName("ArchscopeTests");
  QApplication::setApplicationName("ArchscopeTests");
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
