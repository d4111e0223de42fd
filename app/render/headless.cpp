// Offscreen frames and file output.
#include "app/render/headless.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <stb_image_write.h>

#include "app/render/view_frame.h"
#include "engine/errors.h"

namespace archscope::render {

HeadlessRenderer::HeadlessRenderer(const gpu::ContextOptions& options)
    : context_(std::make_unique<gpu::Context>(options)),
      device_(std::make_unique<RenderDevice>(*context_)),
      fonts_(std::make_unique<Fonts>()),
      renderer_(std::make_unique<ImGuiRenderer>(*device_, fonts_->atlas())) {}

Pixels HeadlessRenderer::render(views::View& view, const views::Scene& scene, const views::Theme& theme, int width,
                                int height) {
  views::Actions actions;
  FrameInput input;
  input.interactive = false;
  // Two frames: ImGui settles window sizes on the first.
  for (int i = 0; i < 2; ++i) {
    renderer_->begin_frame(width, height, 1.0f / 60);
    draw_view_frame(view, scene, theme, actions, *fonts_, *renderer_, input);
    const views::Colour bg = theme.background;
    renderer_->submit(ImVec4(bg.r, bg.g, bg.b, 1));
    renderer_->wait();
  }
  return {renderer_->width(), renderer_->height(), renderer_->pixels()};
}

namespace {

// Writes through a temporary beside the target and renames it into place, so
// a failed write never leaves a truncated file under the user's name.
template <typename WriteFn>
void write_atomically(const std::string& path, WriteFn&& write) {
  const std::string tmp = path + ".partial";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw InputError(path + ": cannot write: " + std::strerror(errno));
  bool ok = write(f);
  ok = std::fflush(f) == 0 && ok;
  const int err = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    throw InputError(path + ": write failed: " + std::strerror(err ? err : EIO));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot write: " + ec.message());
  }
}

}  // namespace

void write_png(const std::string& path, const Pixels& p) {
  std::vector<unsigned char> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    out->insert(out->end(), static_cast<unsigned char*>(data), static_cast<unsigned char*>(data) + size);
  };
  if (!stbi_write_png_to_func(append, &png, p.width, p.height, 4, p.rgba.data(), p.width * 4))
    throw InputError(path + ": could not encode the PNG");
  write_atomically(path, [&](std::FILE* f) { return std::fwrite(png.data(), 1, png.size(), f) == png.size(); });
}

void write_text_file(const std::string& path, const std::string& text) {
  write_atomically(path, [&](std::FILE* f) { return std::fwrite(text.data(), 1, text.size(), f) == text.size(); });
}

}  // namespace archscope::render
