#!/usr/bin/env python3
"""Reference logits for tests/deepseek_v2_test.cpp, from an independent PyTorch
transcription of transformers 5.17's DeepSeek-V2 modules (modular_deepseek_v2.py):
DeepseekV2Attention (MLA, complex-pair RoPE in apply_rotary_emb), DeepseekV2Moe
(softmax router, greedy top-k, no renormalisation, times routed_scaling_factor,
plus the shared experts), DeepseekV2MLP = LlamaMLP (bias=config.mlp_bias), and
DeepseekV2DecoderLayer (MoE for every layer_idx >= first_k_dense_replace).

The model is the deepseek_v3 fixture's weights read as a DeepSeek-V2 config
(the test builds the same folder): no correction bias, greedy routing. With
--bias, mlp_bias is true and the dense MLP and shared experts get the biases
the test adds (0.05 * sin(0.7 i + k), k the tensor's index in BIASED).

Run with Debian's python3-torch:  /usr/bin/python3 tests/data/deepseek_v2_reference.py [--bias]
It prints the logits of the last position, which the test compares.
"""
import json
import math
import struct
import sys

import numpy as np
import torch

FIXTURE = "../shared/fixtures/hf/deepseek_v3"
BIASED = [
    "model.layers.0.mlp.gate_proj.bias", "model.layers.0.mlp.up_proj.bias", "model.layers.0.mlp.down_proj.bias",
    "model.layers.1.mlp.shared_experts.gate_proj.bias", "model.layers.1.mlp.shared_experts.up_proj.bias",
    "model.layers.1.mlp.shared_experts.down_proj.bias",
]


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[e["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dtype).reshape(e["shape"]).copy())
    return out


def bias_values(k, n):
    return torch.from_numpy(np.array([0.05 * math.sin(0.7 * i + k) for i in range(n)]).astype(np.float32))


def rms_norm(x, w, eps):  # LlamaRMSNorm
    v = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(v + eps))


def linear(x, w, b=None):
    return torch.nn.functional.linear(x, w, b)


def main():
    with_bias = "--bias" in sys.argv
    cfg = json.load(open(FIXTURE + "/config.json"))
    W = read_safetensors(FIXTURE + "/model.safetensors")
    ids = read_safetensors(FIXTURE + "/expected.safetensors")["input_ids"][0]
    if with_bias:
        for k, name in enumerate(BIASED):
            rows = W[name.replace(".bias", ".weight")].shape[0]
            W[name] = bias_values(k, rows)
    B = lambda name: W.get(name) if with_bias else None  # noqa: E731

    D, H = cfg["hidden_size"], cfg["num_attention_heads"]
    nope, rope, vd = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    kv_lora, eps, T = cfg["kv_lora_rank"], cfg["rms_norm_eps"], ids.shape[0]
    theta = cfg["rope_parameters"]["rope_theta"]
    # DeepseekV2RotaryEmbedding: head_dim = qk_rope_head_dim; freqs_cis = polar(1, pos * inv_freq)
    inv_freq = 1.0 / (theta ** (torch.arange(0, rope, 2, dtype=torch.int64).float() / rope))
    freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]
    freqs_cis = torch.polar(torch.ones_like(freqs), freqs)  # (T, rope/2)

    def rotary(x):  # apply_rotary_emb: x (H, T, rope) viewed as complex pairs (2i, 2i+1)
        xc = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        return torch.view_as_real(xc * freqs_cis[None]).flatten(-2)

    x = W["model.embed_tokens.weight"][ids]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        a = p + "self_attn."
        q = linear(rms_norm(linear(h, W[a + "q_a_proj.weight"]), W[a + "q_a_layernorm.weight"], 1e-6), W[a + "q_b_proj.weight"])
        q = q.view(T, H, nope + rope).transpose(0, 1)
        q_nope, q_pe = q[..., :nope], q[..., nope:]
        ckv = linear(h, W[a + "kv_a_proj_with_mqa.weight"])
        k_nope, k_pe = ckv[:, :kv_lora], ckv[:, kv_lora:]
        kv = linear(rms_norm(k_nope, W[a + "kv_a_layernorm.weight"], 1e-6), W[a + "kv_b_proj.weight"])
        kv = kv.view(T, H, nope + vd).transpose(0, 1)
        k_nope, v = kv[..., :nope], kv[..., nope:]
        q_pe, k_pe = rotary(q_pe), rotary(k_pe.view(1, T, rope))
        query = torch.cat([q_nope, q_pe], -1)
        key = torch.cat([k_nope, k_pe.expand(H, T, rope)], -1)
        scores = query @ key.transpose(-1, -2) * (nope + rope) ** -0.5 + mask
        out = (torch.softmax(scores.float(), -1) @ v).transpose(0, 1).reshape(T, H * vd)
        x = x + linear(out, W[a + "o_proj.weight"])

        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        m = p + "mlp."
        if i < cfg["first_k_dense_replace"]:
            g = linear(h, W[m + "gate_proj.weight"], B(m + "gate_proj.bias"))
            u = linear(h, W[m + "up_proj.weight"], B(m + "up_proj.bias"))
            y = linear(torch.nn.functional.silu(g) * u, W[m + "down_proj.weight"], B(m + "down_proj.bias"))
        else:
            probs = linear(h.float(), W[m + "gate.weight"].float()).softmax(-1, dtype=torch.float32)
            top_w, top_i = torch.topk(probs, k=cfg["num_experts_per_tok"], dim=-1, sorted=False)
            top_w = top_w * cfg["routed_scaling_factor"]
            y = torch.zeros_like(h)
            for t in range(T):
                for w_, e in zip(top_w[t], top_i[t]):
                    ep = m + f"experts.{int(e)}."
                    g = linear(h[t], W[ep + "gate_proj.weight"])
                    u = linear(h[t], W[ep + "up_proj.weight"])
                    y[t] += w_ * linear(torch.nn.functional.silu(g) * u, W[ep + "down_proj.weight"])
            s = m + "shared_experts."
            g = linear(h, W[s + "gate_proj.weight"], B(s + "gate_proj.bias"))
            u = linear(h, W[s + "up_proj.weight"], B(s + "up_proj.bias"))
            y = y + linear(torch.nn.functional.silu(g) * u, W[s + "down_proj.weight"], B(s + "down_proj.bias"))
        x = x + y
    x = rms_norm(x, W["model.norm.weight"], eps)
    logits = linear(x, W["lm_head.weight"])
    print(", ".join(f"{v:.6f}f" for v in logits[-1].tolist()))


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
