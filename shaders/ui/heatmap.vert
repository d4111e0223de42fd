#version 450
// A textured quad for one heatmap: the rectangle comes in push constants in
// ImGui's display coordinates, mapped to clip space the way ImGui's own
// vertex shader maps them.
layout(push_constant) uniform Quad {
  vec2 scale;      // 2 / display size
  vec2 translate;  // -1 - display position * scale
  vec2 rect_min;   // display coordinates
  vec2 rect_max;
} quad;

layout(location = 0) out vec2 uv;

void main() {
  // Two triangles, corners in the order (0,0) (1,0) (0,1) (0,1) (1,0) (1,1).
  const vec2 corners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(0, 1), vec2(0, 1), vec2(1, 0), vec2(1, 1));
  uv = corners[gl_VertexIndex];
  vec2 position = mix(quad.rect_min, quad.rect_max, uv);
  gl_Position = vec4(position * quad.scale + quad.translate, 0, 1);
}
