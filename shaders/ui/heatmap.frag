#version 450
// Nearest-neighbour lookup of the heatmap's cell colours (one texel per cell),
// so every cell stays a sharp square at any zoom.
layout(set = 0, binding = 0) uniform sampler2D cells;
layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 colour;

void main() {
  colour = texture(cells, uv);
}
