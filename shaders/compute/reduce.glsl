// A workgroup-wide sum in shared memory (a fixed tree, so the result does
// not depend on timing). Declares the workgroup size: REDUCE_SIZE threads.
#ifndef ARCHSCOPE_REDUCE_GLSL
#define ARCHSCOPE_REDUCE_GLSL

#define REDUCE_SIZE 128u
layout(local_size_x = 128) in;
shared float reduce_scratch[REDUCE_SIZE];

// Every thread passes its partial sum; every thread gets the total.
float reduce_sum(float v) {
  uint t = gl_LocalInvocationID.x;
  reduce_scratch[t] = v;
  barrier();
  for (uint half_size = REDUCE_SIZE / 2u; half_size > 0u; half_size >>= 1u) {
    if (t < half_size) reduce_scratch[t] += reduce_scratch[t + half_size];
    barrier();
  }
  float total = reduce_scratch[0];
  barrier();  // the scratch is reused by the next call
  return total;
}

#endif
