// `archscope render`: draws any view of any model with the window's own view
// code, with no display, to PNG, SVG (vector views), CSV or JSON.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/commands.h"
#include "app/explorer/document.h"
#include "app/run_plan.h"
#include "app/explorer/runner.h"
#include "app/explorer/scene_builder.h"
#include "app/render/headless.h"
#include "app/window/svg_export.h"
#include "engine/backends/backend.h"
#include "engine/errors.h"
#include "engine/model/presets.h"

namespace archscope {

namespace {

struct RenderOptions {
  std::string model, view, out, size = "1400x900";
  std::string text, input_ids, decoder_text, decoder_ids;
  int layer = 0, head = 0, token = -1;
  std::string stack, objective, compare, colour_map = "viridis", dtype = "bf16";
  bool cross = false, presentation = false, full_size = false;
  int64_t context = 0;
  uint64_t seed = 1234;
  RunOptions routing;  // only its routing flags
};

std::pair<int, int> parse_size(const std::string& s) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  std::istringstream in(s);
  if (!(in >> w >> x >> h) || (x != 'x' && x != 'X') || (in >> extra) || w < 64 || h < 64 || w > 8192 || h > 8192)
    throw InputError("--size: expected WIDTHxHEIGHT between 64x64 and 8192x8192, found '" + s + "'");
  return {w, h};
}

views::Objective parse_objective(const std::string& s) {
  for (auto o : {views::Objective::MaskedLM, views::Objective::CausalLM, views::Objective::PrefixLM,
                 views::Objective::SpanCorruption, views::Objective::Denoising}) {
    std::string name = views::to_string(o);
    for (char& c : name) c = c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == name) return o;
  }
  throw InputError("--objective: expected masked-lm, causal-lm, prefix-lm, span-corruption or denoising, found '" + s + "'");
}

// "causal,prefix:4,window:3,chunked:4,bidirectional"
std::vector<views::MaskPanel> parse_compare(const std::string& list) {
  std::vector<views::MaskPanel> panels;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    const std::string kind = item.substr(0, colon);
    int n = 0;
    if (colon != std::string::npos) {
      try {
        size_t used = 0;
        n = std::stoi(item.substr(colon + 1), &used);
        if (used != item.size() - colon - 1 || n < 1) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw InputError("--compare: expected a positive number after '" + kind + ":', found '" + item + "'");
      }
    }
    views::MaskPanel p;
    p.title = kind;
    if (kind == "causal") p.mask.kind = MaskKind::Causal;
    else if (kind == "bidirectional") p.mask.kind = MaskKind::Bidirectional;
    else if (kind == "prefix") p.mask = {MaskKind::Prefix, n ? n : 4, 0, true, 0};
    else if (kind == "window") p.mask = {MaskKind::SlidingWindow, 0, n ? n : 4, true, 0};
    else if (kind == "chunked") p.mask = {MaskKind::Chunked, 0, 0, true, n ? n : 4};
    else
      throw InputError("--compare: expected causal, bidirectional, prefix:N, window:N or chunked:N, found '" + item + "'");
    if (p.mask.kind == MaskKind::Prefix) p.title = "prefix LM";
    if (p.mask.kind == MaskKind::SlidingWindow) p.title = "sliding window";
    panels.push_back(p);
  }
  if (panels.empty() || panels.size() > 3) throw InputError("--compare: give one to three masks, found '" + list + "'");
  return panels;
}

std::string extension_of(const std::string& path) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

void render_view(const RenderOptions& o) {
  std::unique_ptr<views::View> view = views::make_view(o.view);
  if (!view) {
    std::string names;
    for (const auto& id : views::view_ids()) names += (names.empty() ? "" : ", ") + id;
    throw InputError("--view: expected one of " + names + ", found '" + o.view + "'");
  }
  const std::string ext = extension_of(o.out);
  if (ext != "png" && ext != "svg" && ext != "csv" && ext != "json")
    throw InputError("--out: expected a .png, .svg, .csv or .json file, found '" + o.out + "'");
  if (ext == "svg" && !view->vector_export())
    throw InputError("--out: the " + o.view + " view is a heatmap view and exports as PNG, CSV or JSON, not SVG");
  const auto [width, height] = parse_size(o.size);

  explorer::Document doc = find_preset(o.model) ? explorer::preset_document(o.model, o.full_size)
                                                : explorer::folder_document(o.model);
  doc.seed = o.seed;
  if (!o.text.empty()) doc.text = o.text;
  if (!o.decoder_text.empty()) doc.decoder_text = o.decoder_text;
  if (!o.input_ids.empty()) doc.input_ids = o.input_ids;
  if (!o.decoder_ids.empty()) doc.decoder_ids = o.decoder_ids;
  if ((!o.text.empty() || !o.decoder_text.empty()) && !doc.is_preset())
    throw InputError("--text: a model folder's tokenizer is not read yet; give --input-ids");
  apply_routing_overrides(doc.spec, o.routing);
  doc.focus.layer = o.layer;
  doc.focus.head = o.head;
  doc.focus.cross = o.cross;
  if (o.stack == "encoder") doc.focus.stack = Stack::Encoder;
  if (o.stack == "decoder") doc.focus.stack = Stack::Decoder;
  doc.selected_token = o.token;
  doc.selected_stack = doc.focus.stack;
  if (!o.objective.empty()) doc.objective = parse_objective(o.objective);
  if (!o.compare.empty()) doc.masks = parse_compare(o.compare);
  if (o.context > 0) doc.ledger_context = o.context;
  doc.ledger_dtype = parse_dtype(o.dtype);
  views::Theme theme = o.presentation ? views::Theme::presentation_mode(views::parse_colour_map(o.colour_map))
                                      : views::Theme::classroom(views::parse_colour_map(o.colour_map));

  explorer::Runner runner;
  explorer::RunResult run = runner.run(doc);
  for (const std::string& note : run.tokens.notes) std::cerr << "archscope: note: " << note << "\n";
  const views::Scene scene = explorer::make_scene(doc, &run, 1);

  if (ext == "json") {
    render::write_text_file(o.out, view->data(scene).dump(2) + "\n");
  } else if (ext == "csv") {
    render::write_text_file(o.out, views::to_csv(view->table(scene)));
  } else if (ext == "svg") {
    window::write_svg(o.out, *view, scene, theme, width, height);
  } else {
    render::HeadlessRenderer renderer;
    render::write_png(o.out, renderer.render(*view, scene, theme, width, height));
  }
  std::printf("wrote %s (%s view of %s)\n", o.out.c_str(), view->id(), doc.display_name().c_str());
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto o = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand("render", "Draw one view of a model to PNG, SVG, CSV or JSON, with no display");
  cmd->add_option("model", o->model, "A preset name (classroom size) or a model folder")->required();
  std::string names;
  for (const auto& id : views::view_ids()) names += (names.empty() ? "" : ", ") + id;
  cmd->add_option("--view", o->view, "The view: " + names)->required();
  cmd->add_option("--out", o->out, "Output file: .png, .svg (vector views), .csv or .json")->required();
  cmd->add_option("--size", o->size, "Picture size in pixels, WIDTHxHEIGHT (default 1400x900)");
  cmd->add_option("--text", o->text, "Text in the presets' built-in word vocabulary");
  cmd->add_option("--input-ids", o->input_ids, "Token ids, comma-separated (model folders)");
  cmd->add_option("--decoder-text", o->decoder_text, "Decoder text (encoder-decoder presets)");
  cmd->add_option("--decoder-input-ids", o->decoder_ids, "Decoder token ids (encoder-decoder folders)");
  cmd->add_option("--layer", o->layer, "Layer to show (attention, router, load, mask)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--head", o->head, "Head to enlarge in the attention view")->check(CLI::NonNegativeNumber);
  cmd->add_option("--stack", o->stack, "encoder or decoder (encoder-decoder models)")
      ->check(CLI::IsMember({"encoder", "decoder"}));
  cmd->add_flag("--cross", o->cross, "Show the decoder's cross-attention");
  cmd->add_option("--token", o->token, "Select a token (its path is highlighted)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--objective", o->objective,
                  "Training objective: masked-lm, causal-lm, prefix-lm, span-corruption, denoising");
  cmd->add_option("--compare", o->compare,
                  "Masks beside the model's own: causal, bidirectional, prefix:N, window:N, chunked:N (comma-separated)");
  cmd->add_option("--context", o->context, "Context length of the ledger's FLOPs and KV cache")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--dtype", o->dtype, "Ledger dtype: fp32, bf16, fp16, fp8");
  cmd->add_option("--colour-map", o->colour_map, "viridis, cividis, magma or greys");
  cmd->add_flag("--presentation", o->presentation, "Large type and high contrast");
  cmd->add_flag("--full-size", o->full_size, "Run a preset at its published size (if memory allows)");
  cmd->add_option("--seed", o->seed, "Seed of a preset's weights");
  add_routing_options(*cmd, o->routing);
  cmd->callback([o] { render_view(*o); });
}

}  // namespace archscope
