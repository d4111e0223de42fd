// The fast backend's one setting of the C heap for the process.
//
// A forward pass frees and makes again blocks of tens to hundreds of
// megabytes: the experts' rows every layer, a run's attention maps and
// logits when the next run replaces them. glibc serves
// blocks over 32 MB with their own mapping and unmaps them on free, so each
// one comes back as fresh pages the kernel must clear, a fault per page: a
// tenth of a Mixtral-shaped MoE layer at 4,096 tokens went there. Raising
// malloc's mapping threshold to 256 MB and keeping up to 512 MB of freed
// memory in the heap lets the next layer and the next run reuse them.
//
// A GLIBC_TUNABLES setting of the malloc thresholds wins: it is left alone.
#pragma once

namespace archscope::fast {

// Once per process; later calls do nothing.
void keep_freed_blocks_in_heap();

}  // namespace archscope::fast
