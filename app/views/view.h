// The interface of a view: a type holding its own state, drawing the scene
// on a canvas, and giving the numbers behind its picture for export and tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/views/canvas.h"
#include "app/views/scene.h"
#include "app/views/theme.h"

namespace archscope::views {

// The mouse as a view sees it during one frame.
struct Pointer {
  Vec2 pos{-1e6f, -1e6f};
  bool down = false;      // left button held
  bool clicked = false;   // left button went down this frame
  bool released = false;  // left button went up this frame
  float wheel = 0;
};

// What a view may ask of the app. Each defaults to doing nothing (headless export).
struct Actions {
  std::function<void(Stack, int token)> select_token = [](Stack, int) {};
  std::function<void(const Focus&)> set_focus = [](const Focus&) {};
  std::function<void(int panel, const MaskPanel&)> set_mask_panel = [](int, const MaskPanel&) {};
  std::function<void(Objective)> set_objective = [](Objective) {};
  std::function<void(int64_t context)> set_ledger_context = [](int64_t) {};
  std::function<void(DType)> set_ledger_dtype = [](DType) {};
};

struct ViewContext {
  Canvas& canvas;
  const Theme& theme;
  const Scene& scene;
  Rect area;
  const Pointer* pointer = nullptr;  // null when exporting: no hover, no clicks
  const Actions* actions = nullptr;
  std::vector<std::string> tooltip;  // filled by the view; drawn near the pointer afterwards
  // Named places a click acts on ("token:4", "head:2:5"), for tests and
  // automation; null when nobody asked.
  std::vector<std::pair<std::string, Rect>>* hotspots = nullptr;

  void hotspot(const std::string& name, const Rect& r) const {
    if (hotspots) hotspots->push_back({name, r});
  }
  bool hovering(const Rect& r) const { return pointer && r.contains(pointer->pos); }
  bool clicked(const Rect& r) const { return pointer && pointer->clicked && r.contains(pointer->pos); }
  const Actions& act() const;
};

class View {
 public:
  virtual ~View() = default;
  virtual const char* id() const = 0;     // "attention": the name `render --view` takes
  virtual const char* title() const = 0;  // "Attention"
  // Draws the picture on ctx.canvas inside ctx.area.
  virtual void draw(ViewContext& ctx) = 0;
  // Controls drawn with ImGui widgets above the picture, in the window only
  // (never in exports). Returns the height used.
  virtual void toolbar(const Scene&, const Actions&, const Theme&) {}
  // The numbers behind the picture, as the view shows them now.
  virtual nlohmann::json data(const Scene& scene) const = 0;
  // The same as a table: a header row, then one row per record.
  virtual std::vector<std::vector<std::string>> table(const Scene& scene) const = 0;
  // Vector views export as SVG; heatmap views export PNG only.
  virtual bool vector_export() const { return false; }
};

// Every view, in menu order.
std::vector<std::unique_ptr<View>> make_all_views();
std::unique_ptr<View> make_view(const std::string& id);  // nullptr for an unknown id
std::vector<std::string> view_ids();

// CSV text of a table (RFC 4180 quoting).
std::string to_csv(const std::vector<std::vector<std::string>>& table);

}  // namespace archscope::views
