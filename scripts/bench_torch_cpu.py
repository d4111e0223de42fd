#!/usr/bin/python3
"""PyTorch on the CPU at the shapes of Archscope's fast_bench, printing JSON.

  GPT-2 124M, full size, at 128, 512 and 1024 tokens: eager attention that
  materialises the probabilities and keeps every layer's map, as Archscope's
  views need, and keeps every hidden state; tied head over all positions.
  A Mixtral-shaped MoE layer (8 experts, top-2, width 1024, expert width 2816)
  at 512 and 4096 tokens: router, softmax, top-2 renormalised, each expert once
  on its rows, weighted index_add (transformers' MixtralSparseMoeBlock).

Weights follow Archscope's layout: separate q, k, v and o projections and
(out, in) matrices as nn.Linear stores them. Debian's python3-torch uses
OpenBLAS for these products, as Archscope does.

  /usr/bin/python3 scripts/bench_torch_cpu.py [--threads N] [--repeat R] [--only NAME]
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(f"bench_torch_cpu.py: PyTorch is not installed for {sys.executable} "
             "(Debian: python3-torch, or scripts/install-deps.sh --bench; run with /usr/bin/python3)")


def gpt2_weights(gen, V=50257, P=1024, D=768, L=12, F_=3072):
    def linear(n_out, n_in):
        return (torch.randn(n_out, n_in, generator=gen) * (1.2 / math.sqrt(n_in)),
                torch.randn(n_out, generator=gen) * 0.02)

    def norm(d):
        return 1 + 0.2 * torch.randn(d, generator=gen), 0.02 * torch.randn(d, generator=gen)

    layers = []
    for _ in range(L):
        layers.append(dict(ln1=norm(D), q=linear(D, D), k=linear(D, D), v=linear(D, D), o=linear(D, D),
                           ln2=norm(D), up=linear(F_, D), down=linear(D, F_)))
    return dict(wte=torch.randn(V, D, generator=gen), wpe=torch.randn(P, D, generator=gen),
                layers=layers, lnf=norm(D), H=12, eps=1e-5)


def gpt2_forward(w, ids):
    """Returns logits (T, V), every attention map (H, T, T) and every hidden state."""
    T = ids.shape[0]
    D = w["wte"].shape[1]
    H = w["H"]
    Dh = D // H
    x = w["wte"][ids] + w["wpe"][:T]  # (T, D)
    causal = torch.ones(T, T, dtype=torch.bool).triu(1)  # True above the diagonal: masked
    hidden, probs = [x], []
    for l in w["layers"]:
        h = F.layer_norm(x, (D,), *l["ln1"], eps=w["eps"])
        q = F.linear(h, *l["q"]).view(T, H, Dh).transpose(0, 1)  # (H, T, Dh)
        k = F.linear(h, *l["k"]).view(T, H, Dh).transpose(0, 1)
        v = F.linear(h, *l["v"]).view(T, H, Dh).transpose(0, 1)
        s = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(Dh))  # (H, T, T)
        s.masked_fill_(causal, float("-inf"))
        p = torch.softmax(s, dim=-1)
        probs.append(p)
        a = (p @ v).transpose(0, 1).reshape(T, D)
        x = x + F.linear(a, *l["o"])
        h = F.layer_norm(x, (D,), *l["ln2"], eps=w["eps"])
        x = x + F.linear(F.gelu(F.linear(h, *l["up"]), approximate="tanh"), *l["down"])
        hidden.append(x)
    x = F.layer_norm(x, (D,), *w["lnf"], eps=w["eps"])
    hidden.append(x)
    return x @ w["wte"].t(), probs, hidden


def moe_weights(gen, E=8, D=1024, F_=2816):
    def mat(n_out, n_in):
        return torch.randn(n_out, n_in, generator=gen) * (1.2 / math.sqrt(n_in))

    return dict(router=mat(E, D), gate=[mat(F_, D) for _ in range(E)], up=[mat(F_, D) for _ in range(E)],
                down=[mat(D, F_) for _ in range(E)], top_k=2)


def moe_layer(w, x):
    """out (T, D), router logits (T, E) and chosen experts (T, K)."""
    logits = F.linear(x, w["router"])  # (T, E)
    weights = torch.softmax(logits, dim=-1)
    top_w, top_e = torch.topk(weights, w["top_k"], dim=-1)
    top_w = top_w / top_w.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(x)
    for e in range(len(w["gate"])):
        token, rank = torch.where(top_e == e)
        if token.numel() == 0:
            continue
        rows = x[token]  # (n, D)
        y = F.linear(F.silu(F.linear(rows, w["gate"][e])) * F.linear(rows, w["up"][e]), w["down"][e])
        out.index_add_(0, token, y * top_w[token, rank, None])
    return out, logits, top_e


def time_runs(fn, repeat):
    fn()  # warm-up: first-touch allocation, OpenBLAS buffers
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1e3)
        del result
    return runs


def loaded_blas():
    """The BLAS shared libraries this process mapped (Debian's torch reports only 'generic')."""
    with open("/proc/self/maps") as maps:
        return sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1].lower() or "blis" in line})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="torch.set_num_threads (default: every CPU, as Archscope's pool uses)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per shape after one warm-up")
    parser.add_argument("--only", default="", help="run only shapes whose name contains this")
    args = parser.parse_args()
    if args.threads < 1 or args.repeat < 1:
        sys.exit("bench_torch_cpu.py: --threads and --repeat must be at least 1")
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(1234)

    shapes = [("forward/gpt2/T128", "gpt2", 128), ("forward/gpt2/T512", "gpt2", 512),
              ("forward/gpt2/T1024", "gpt2", 1024), ("moe_layer/mixtral/T512", "moe", 512),
              ("moe_layer/mixtral/T4096", "moe", 4096)]
    shapes = [s for s in shapes if args.only in s[0]]
    results = []
    with torch.inference_mode():
        gpt2 = gpt2_weights(gen) if any(kind == "gpt2" for _, kind, _ in shapes) else None
        moe = moe_weights(gen) if any(kind == "moe" for _, kind, _ in shapes) else None
        for name, kind, T in shapes:
            if kind == "gpt2":
                ids = torch.randint(0, 50257, (T,), generator=gen)
                runs = time_runs(lambda: gpt2_forward(gpt2, ids), args.repeat)
            else:
                x = torch.randn(T, 1024, generator=gen)
                runs = time_runs(lambda: moe_layer(moe, x), args.repeat)
            results.append(dict(name=name, tokens=T, ms_median=statistics.median(runs), ms_min=min(runs),
                                ms_max=max(runs), runs_ms=runs))
    print(json.dumps(dict(torch_version=torch.__version__, threads=torch.get_num_threads(),
                          blas=loaded_blas(),
                          results=results), indent=2))


if __name__ == "__main__":
    main()
