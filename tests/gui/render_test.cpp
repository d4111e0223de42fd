// Every view of every preset drawn headless with the window's own code, as
// `archscope render` does: a PNG with something in it, the numbers behind it,
// SVG for the vector views, and no Vulkan validation message.
#include <set>

#include <gtest/gtest.h>

#include "app/explorer/document.h"
#include "app/explorer/runner.h"
#include "app/explorer/scene_builder.h"
#include "app/render/headless.h"
#include "app/window/svg_export.h"
#include "engine/model/presets.h"

namespace archscope {
namespace {

int distinct_colours(const render::Pixels& p) {
  std::set<uint32_t> seen;
  for (size_t i = 0; i + 3 < p.rgba.size(); i += 4 * 7)
    seen.insert(p.rgba[i] | p.rgba[i + 1] << 8 | p.rgba[i + 2] << 16);
  return static_cast<int>(seen.size());
}

class RenderEveryView : public ::testing::TestWithParam<std::string> {};

TEST_P(RenderEveryView, DrawsEveryViewWithNoValidationMessage) {
  render::HeadlessRenderer renderer({std::nullopt, gpu::Validation::On});
  explorer::Document doc = explorer::preset_document(GetParam());
  if (doc.spec.is_moe()) {
    doc.spec.moe.capacity_mode = CapacityMode::Factor;  // some drops, so every mark is drawn
    doc.spec.moe.capacity_factor = 1.0;
  }
  doc.selected_token = 3;
  explorer::Runner runner;
  const explorer::RunResult run = runner.run(doc);
  const views::Scene scene = explorer::make_scene(doc, &run, 1);
  const views::Theme theme = views::Theme::classroom();
  for (auto& view : views::make_all_views()) {
    SCOPED_TRACE(view->id());
    const render::Pixels px = renderer.render(*view, scene, theme, 1000, 650);
    ASSERT_EQ(px.width, 1000);
    ASSERT_EQ(px.height, 650);
    EXPECT_GT(distinct_colours(px), 12) << "the picture is nearly blank";
    EXPECT_FALSE(view->data(scene).is_null());
    EXPECT_GE(view->table(scene).size(), 1u);
    if (view->vector_export()) {
      const std::string path = ::testing::TempDir() + "/" + GetParam() + "-" + view->id() + ".svg";
      window::write_svg(path, *view, scene, theme, 1000, 650);
      std::remove(path.c_str());
    }
  }
  if (renderer.context().validation_enabled()) {
    const auto messages = renderer.context().validation_messages();
    EXPECT_TRUE(messages.empty()) << messages.front();
  }
}

std::vector<std::string> preset_names_list() {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.push_back(p.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Presets, RenderEveryView, ::testing::ValuesIn(preset_names_list()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace archscope
