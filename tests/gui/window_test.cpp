// The window driven through its own API, as a teacher would use it: the
// default model with every view filled, every family, the capacity slider
// changing what the load view draws, a click on a token, a bad model folder,
// an invalid builder edit, exports, and no Vulkan validation message.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <QImage>
#include <QTest>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/explorer/runner.h"
#include "app/window/builder_dock.h"
#include "app/window/main_window.h"
#include "app/window/routing_dock.h"
#include "engine/backends/backend.h"
#include "engine/model/presets.h"
#include "engine/run/trace_request.h"

namespace archscope::window {
namespace {

namespace fs = std::filesystem;

class WindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WindowOptions options;
    options.use_settings = false;
    window_ = std::make_unique<MainWindow>(options);
    window_->resize(1600, 1000);
    window_->show();
    ASSERT_TRUE(window_->settle()) << "the first frame never finished";
  }
  void TearDown() override {
    if (const gpu::Context* ctx = window_->hub().context()) {
      const auto messages = ctx->validation_messages();
      EXPECT_TRUE(messages.empty()) << messages.size() << " validation message(s), the first: "
                                    << (messages.empty() ? "" : messages.front());
    }
    window_.reset();
  }
  Controller& controller() { return window_->controller(); }
  nlohmann::json view_data(const std::string& id) {
    return window_->surface(id)->view().data(*controller().scene());
  }
  fs::path temp_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() / ("archscope-gui-" + name + "-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }
  std::unique_ptr<MainWindow> window_;
};

// A picture with more than one colour in it: the view drew something.
int distinct_colours(const QImage& img) {
  std::set<QRgb> seen;
  for (int y = 0; y < img.height(); y += 3)
    for (int x = 0; x < img.width(); x += 3) seen.insert(img.pixel(x, y));
  return static_cast<int>(seen.size());
}

TEST_F(WindowTest, OpensOnTheClassroomMoeWithEveryViewFilled) {
  const auto scene = controller().scene();
  ASSERT_TRUE(scene->trace);
  EXPECT_TRUE(scene->spec.is_moe());
  EXPECT_EQ(scene->spec.name, default_preset().name);
  EXPECT_GT(scene->tokens.size(), 8u);
  window_->layout_all_views();
  ASSERT_TRUE(window_->settle());
  for (ViewSurface* s : window_->surfaces()) {
    EXPECT_EQ(s->drawn_version(), controller().scene()->version) << s->view().id();
    EXPECT_GT(distinct_colours(s->image()), 20) << s->view().id() << " looks empty";
  }
  EXPECT_FALSE(view_data("router")["choices"].empty());
  EXPECT_EQ(view_data("load")["layers"].size(), 4u);
}

TEST_F(WindowTest, RunsEveryPresetOfEveryFamily) {
  for (const Preset& p : presets()) {
    SCOPED_TRACE(p.name);
    ASSERT_TRUE(controller().open_preset(p.name));
    ASSERT_TRUE(window_->settle()) << "no frame for " << p.name;
    const auto scene = controller().scene();
    ASSERT_TRUE(scene->trace);
    EXPECT_EQ(scene->trace->spec.name, p.classroom.name);
    EXPECT_TRUE(window_->banner_text().isEmpty()) << window_->banner_text().toStdString();
    EXPECT_EQ(window_->surface("attention")->drawn_version(), scene->version);
  }
}

TEST_F(WindowTest, CapacitySliderChangesDropsAndTheLoadPixels) {
  ASSERT_TRUE(controller().open_preset("mixtral"));
  ASSERT_TRUE(controller().set_dropless());
  ASSERT_TRUE(window_->settle());
  // Sum of dropped pairs over the load view's layers (the json is kept alive for the loop).
  auto dropped_pairs = [this] {
    const nlohmann::json data = view_data("load");
    int n = 0;
    for (const auto& l : data["layers"]) n += l["dropped_pairs"].get<int>();
    return n;
  };
  EXPECT_EQ(dropped_pairs(), 0);
  const QImage before = window_->surface("load")->image();

  // Move the slider as a user would: the dock turns it into a capacity factor.
  QSlider* slider = window_->routing_dock().capacity_slider();
  slider->setValue(static_cast<int>(0.5 * kCapacityStepsPerUnit));
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(controller().document().spec.moe.capacity_mode, CapacityMode::Factor);
  EXPECT_DOUBLE_EQ(controller().document().spec.moe.capacity_factor, 0.5);
  const nlohmann::json load = view_data("load");
  // The k-aware default counts both choices of every token: ceil(0.5 * 16 * 2 / 8).
  for (const auto& l : load["layers"]) EXPECT_EQ(l["capacity"].get<int>(), 2);
  EXPECT_GT(dropped_pairs(), 0);
  const QImage after = window_->surface("load")->image();
  ASSERT_EQ(before.size(), after.size());
  EXPECT_NE(before, after);
  // The overflow colour appears only once something is dropped.
  auto count = [](const QImage& img, QColor c) {
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
      for (int x = 0; x < img.width(); ++x) n += QColor(img.pixel(x, y)) == c;
    return n;
  };
  const views::Colour drop = views::Theme::classroom().drop;
  const QColor drop_colour = QColor::fromRgbF(drop.r, drop.g, drop.b);
  EXPECT_LT(count(before, drop_colour), 50);
  EXPECT_GT(count(after, drop_colour), 500);

  // Back up to 4: nothing is dropped at this length.
  slider->setValue(static_cast<int>(4.0 * kCapacityStepsPerUnit));
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(dropped_pairs(), 0);
}

TEST_F(WindowTest, ClickingATokenSelectsItInEveryView) {
  ASSERT_TRUE(controller().open_preset("mixtral"));
  window_->layout_all_views();
  ASSERT_TRUE(window_->settle());
  ViewSurface* tokens = window_->surface("tokens");
  const auto spot = tokens->hotspot("token:4");
  ASSERT_TRUE(spot) << "the tokens view did not draw token 4";
  QTest::mouseClick(tokens, Qt::LeftButton, {}, spot->center().toPoint());
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(controller().document().selected_token, 4);
  EXPECT_EQ(view_data("tokens")["selected_token"], 4);
}

TEST_F(WindowTest, ClickingAHeadThumbnailFocusesIt) {
  ASSERT_TRUE(controller().open_preset("llama3-8b"));
  ASSERT_TRUE(window_->settle());
  ViewSurface* attention = window_->surface("attention");
  const auto spot = attention->hotspot("head:2:5");
  ASSERT_TRUE(spot);
  QTest::mouseClick(attention, Qt::LeftButton, {}, spot->center().toPoint());
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(controller().document().focus.layer, 2);
  EXPECT_EQ(controller().document().focus.head, 5);
  EXPECT_EQ(view_data("attention")["head"], 5);
}

TEST_F(WindowTest, BadModelFolderShowsTheErrorAndKeepsTheModel) {
  const auto before = controller().scene();
  const fs::path dir = temp_dir("bad-config");
  std::ofstream(dir / "config.json") << R"({"model_type": "gpt2", "n_embd": 32, "n_head": 5, "n_layer": 2})";
  EXPECT_FALSE(controller().open_folder(dir.string()));
  ASSERT_TRUE(window_->settle());
  EXPECT_NE(window_->banner_text().toStdString().find("config.json"), std::string::npos)
      << window_->banner_text().toStdString();
  EXPECT_EQ(controller().scene()->spec.name, before->spec.name);
  EXPECT_EQ(controller().document().model, default_preset().name);

  // A config that imports but weights that do not load: refused before it runs, the old model stays.
  const fs::path broken = temp_dir("bad-weights");
  fs::copy_file(fs::path(ARCHSCOPE_FIXTURES) / "gpt2" / "config.json", broken / "config.json",
                fs::copy_options::overwrite_existing);
  std::ofstream(broken / "model.safetensors") << "not a safetensors file";
  EXPECT_FALSE(controller().open_folder(broken.string()));
  ASSERT_TRUE(window_->settle());
  EXPECT_NE(window_->banner_text().toStdString().find("model.safetensors"), std::string::npos)
      << window_->banner_text().toStdString();
  EXPECT_EQ(controller().document().model, default_preset().name);
  EXPECT_EQ(controller().scene()->spec.name, before->spec.name);
  fs::remove_all(dir);
  fs::remove_all(broken);
}

TEST_F(WindowTest, OpensAModelFolderAndRunsItsCheckpoint) {
  ASSERT_TRUE(controller().open_folder((fs::path(ARCHSCOPE_FIXTURES) / "llama_gqa").string()));
  ASSERT_TRUE(window_->settle());
  const auto scene = controller().scene();
  ASSERT_TRUE(scene->trace);
  EXPECT_FALSE(controller().document().is_preset());
  EXPECT_EQ(scene->tokens.front().rfind("#", 0), 0u);  // ids until the folder has a tokenizer
  EXPECT_TRUE(window_->banner_text().isEmpty()) << window_->banner_text().toStdString();
}

TEST_F(WindowTest, InvalidBuilderEditNeverRuns) {
  const ModelSpec before = controller().document().spec;
  BuilderDock& builder = window_->builder_dock();
  ASSERT_TRUE(builder.edit("moe.top_k", 50));  // more than the 8 experts
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(controller().document().spec, before);
  ASSERT_TRUE(builder.messages().count("moe.top_k"));
  EXPECT_FALSE(builder.messages().at("moe.top_k")->isHidden());
  EXPECT_NE(builder.messages().at("moe.top_k")->text().toStdString().find("at most moe.experts"), std::string::npos);

  ASSERT_TRUE(builder.edit("moe.top_k", 3));  // valid again: it runs
  ASSERT_TRUE(window_->settle());
  EXPECT_EQ(controller().document().spec.moe.top_k, 3);
  EXPECT_EQ(controller().scene()->trace->spec.moe.top_k, 3);
  EXPECT_TRUE(builder.messages().at("moe.top_k")->isHidden());
}

TEST_F(WindowTest, ExportsPicturesAndNumbers) {
  const fs::path dir = temp_dir("exports");
  for (const char* file : {"load.png", "load.svg", "load.csv", "load.json"})
    EXPECT_TRUE(window_->export_view("load", QString::fromStdString((dir / file).string())).isEmpty()) << file;
  std::ifstream png(dir / "load.png", std::ios::binary);
  char sig[8] = {};
  png.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  std::ifstream svg(dir / "load.svg");
  std::string svg_text((std::istreambuf_iterator<char>(svg)), {});
  EXPECT_NE(svg_text.find("<svg"), std::string::npos);
  std::ifstream json(dir / "load.json");
  EXPECT_EQ(nlohmann::json::parse(json)["view"], "load");
  // A heatmap view refuses SVG and says why.
  const QString error = window_->export_view("attention", QString::fromStdString((dir / "attention.svg").string()));
  EXPECT_TRUE(error.contains("heatmap")) << error.toStdString();
  fs::remove_all(dir);
}

TEST_F(WindowTest, PresentationModeEnlargesTheViews) {
  window_->set_presentation(true);
  ASSERT_TRUE(window_->settle());
  EXPECT_TRUE(window_->presentation());
  EXPECT_FALSE(window_->builder_dock().isVisible());
  window_->set_presentation(false);
  ASSERT_TRUE(window_->settle());
}


TEST_F(WindowTest, SwitchesBackendKeepingTheModel) {
  const std::string model = controller().document().model;
  for (const std::string& name : backend_names()) {
    ASSERT_TRUE(controller().set_backend(name)) << name;
    ASSERT_TRUE(window_->settle());
    EXPECT_TRUE(controller().last_error().isEmpty()) << controller().last_error().toStdString();
    EXPECT_EQ(controller().document().backend, name);
    EXPECT_EQ(controller().scene()->trace->backend, make_backend(name)->name()) << name;
  }
  EXPECT_FALSE(controller().set_backend("abacus"));
  EXPECT_NE(window_->banner_text().toStdString().find("backend 'abacus': expected one of"), std::string::npos)
      << window_->banner_text().toStdString();
  EXPECT_EQ(controller().document().model, model);
}

// The window's device also computes: the dock offers the Vulkan backend,
// made on the context the views are drawn with, and a run on it works.
TEST_F(WindowTest, RunsOnTheVulkanBackendOfItsDevice) {
  const std::vector<std::string> names = backend_names();
  ASSERT_NE(std::find(names.begin(), names.end(), "vulkan"), names.end());
  ASSERT_TRUE(controller().set_backend("vulkan"));
  ASSERT_TRUE(window_->settle());
  EXPECT_TRUE(controller().last_error().isEmpty()) << controller().last_error().toStdString();
  EXPECT_EQ(controller().scene()->trace->backend, "vulkan");
}

// A long input keeps the focused head whole and pools the other maps, and the
// user is told so; a short one keeps everything and says nothing.
TEST(TraceBudget, LongInputsKeepTheFocusAndSaySo) {
  explorer::Document doc = explorer::preset_document("llama3-8b");
  explorer::Tokens tokens;
  tokens.ids.assign(3000, 7);
  const TraceRequest reduced = explorer::request_for(doc, tokens);
  EXPECT_EQ(reduced.attention, AttentionKeep::Focused);
  ASSERT_EQ(reduced.focus.size(), 1u);
  EXPECT_LE(estimate_trace_bytes(doc.spec, 3000, reduced), explorer::kTraceBudgetBytes);
  const std::string note = explorer::trace_reduction(reduced);
  EXPECT_NE(note.find("the focused head at full size"), std::string::npos) << note;
  EXPECT_NE(note.find("256 MiB"), std::string::npos) << note;

  tokens.ids.assign(16, 7);
  const TraceRequest whole = explorer::request_for(doc, tokens);
  EXPECT_EQ(whole.attention, AttentionKeep::All);
  EXPECT_EQ(explorer::trace_reduction(whole), "");
}

}  // namespace
}  // namespace archscope::window
