// Shared by the compute shaders: activations (matching the reference's
// formulas), sine and cosine with an exact range reduction, and the
// grid-stride loop every elementwise shader uses.
#ifndef ARCHSCOPE_COMMON_GLSL
#define ARCHSCOPE_COMMON_GLSL

#define ACT_GELU_EXACT 0u
#define ACT_GELU_TANH 1u
#define ACT_RELU 2u
#define ACT_SILU 3u
#define ACT_SIGMOID 4u

// Every invocation index i of [0, n): the grid may be smaller than n.
#define FOR_EACH_INDEX(i, n) \
  for (uint i = gl_GlobalInvocationID.x; i < (n); i += gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// erf to about 1e-7: W. J. Cody's rational form near 0, Numerical
// Recipes' erfc (1.2e-7 relative) beyond. GLSL has no erf.
float erf_approx(float x) {
  float a = abs(x);
  if (a <= 0.46875) {
    float z = x * x;
    float num = 0.185777706184603153 * z;
    float den = z;
    num = (num + 3.16112374387056560) * z;
    den = (den + 23.6012909523441209) * z;
    num = (num + 113.864154151050156) * z;
    den = (den + 244.024637934444173) * z;
    num = (num + 377.485237685302021) * z;
    den = (den + 1282.61652607737228) * z;
    return x * (num + 3209.37758913846947) / (den + 2844.23683343917062);
  }
  float t = 1.0 / (1.0 + 0.5 * a);
  float erfc = t * exp(-a * a - 1.26551223 +
                       t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                       t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x < 0.0 ? erfc - 1.0 : 1.0 - erfc;
}

float activate(uint act, float x) {
  if (act == ACT_GELU_EXACT) return 0.5 * x * (1.0 + erf_approx(x * 0.70710678118654752));
  if (act == ACT_GELU_TANH) {
    float u = 0.79788456080286536 * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1.0 + tanh(clamp(u, -15.0, 15.0)));
  }
  if (act == ACT_RELU) return x > 0.0 ? x : 0.0;
  if (act == ACT_SILU) return x / (1.0 + exp(-x));
  return 1.0 / (1.0 + exp(-x));
}

// x reduced to [-pi, pi] with 2 pi split in two parts (Cody and Waite), so
// sin and cos of large angles (RoPE at late positions) stay accurate.
float reduce_angle(float x) {
  float k = round(x * 0.15915494309189535);
  precise float r = x - k * 6.28125;
  r = r - k * 0.0019353071795864769;
  return r;
}

#endif
