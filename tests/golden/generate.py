#!/usr/bin/env python3
"""Writes the golden files the C++ tests compare moecap with (see README.md in this folder).

For each Mixture-of-Experts family that `transformers` implements natively it builds a scaled-down model from
a config, initialises it randomly (seeded, with norms and biases pushed away from their defaults so that a
loader that drops one shows), saves it with `save_pretrained` (safetensors, f32), runs fixed token ids and
records the logits and the top-k expert ids per layer per token. For tokenizers it trains byte-level BPE
tokenizers configured like the real ones and records the ids they give for fixed strings.

Only this script needs Python; CI reads the committed outputs. Run from the repository root:

    python -m venv .venv-golden && .venv-golden/bin/pip install -r tests/golden/requirements.txt
    .venv-golden/bin/python tests/golden/generate.py            # everything
    .venv-golden/bin/python tests/golden/generate.py --only mixtral tokenizers
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 1234
# Token id sequences run through every model, one at a time (batch 1, no padding): a single token, a short
# and a longer one, so prefill of several lengths is covered.
SEQUENCES = [[7], [1, 5, 9, 2, 33], [3, 99, 17, 42, 42, 8, 64, 11, 120, 0, 77]]


def fmt(x: float) -> float:
    """Round-trips through %.9g, which is exact for f32."""
    return float("%.9g" % x)


# ----------------------------------------------------------------------------------------------- models


def family_configs():
    """(directory name, architecture class name, config class name, config kwargs, save kwargs)."""
    common_attn = dict(num_attention_heads=4, num_key_value_heads=2)
    return [
        (
            "mixtral",
            "MixtralForCausalLM",
            "MixtralConfig",
            dict(vocab_size=128, hidden_size=32, intermediate_size=48, num_hidden_layers=2, **common_attn,
                 num_local_experts=4, num_experts_per_tok=2, rms_norm_eps=1e-5, max_position_embeddings=64,
                 rope_theta=10000.0, tie_word_embeddings=False),
            # Sharded on purpose: exercises model.safetensors.index.json.
            dict(max_shard_size="40KB"),
        ),
        (
            "qwen2_moe",
            "Qwen2MoeForCausalLM",
            "Qwen2MoeConfig",
            dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=24,
                 shared_expert_intermediate_size=40, num_hidden_layers=3, **common_attn, num_experts=6,
                 num_experts_per_tok=2, norm_topk_prob=False, decoder_sparse_step=1, mlp_only_layers=[1],
                 rms_norm_eps=1e-6, max_position_embeddings=64, rope_theta=1000000.0, tie_word_embeddings=False),
            {},
        ),
        (
            "qwen3_moe",
            "Qwen3MoeForCausalLM",
            "Qwen3MoeConfig",
            # head_dim != hidden/heads, as in the real Qwen3-MoE configs. Tied embeddings exercise that path.
            dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=24, num_hidden_layers=3,
                 num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=8, num_experts_per_tok=2,
                 norm_topk_prob=True, decoder_sparse_step=1, mlp_only_layers=[0], rms_norm_eps=1e-6,
                 max_position_embeddings=64, rope_theta=1000000.0, tie_word_embeddings=True),
            {},
        ),
        (
            "olmoe",
            "OlmoeForCausalLM",
            "OlmoeConfig",
            dict(vocab_size=128, hidden_size=32, intermediate_size=24, num_hidden_layers=2, **common_attn,
                 num_experts=8, num_experts_per_tok=2, norm_topk_prob=False, rms_norm_eps=1e-5,
                 max_position_embeddings=64, rope_theta=10000.0, clip_qkv=None, tie_word_embeddings=False,
                 bos_token_id=None, eos_token_id=2, pad_token_id=1),
            {},
        ),
        (
            "deepseek_v2",
            "DeepseekV2ForCausalLM",
            "DeepseekV2Config",
            # V2-Lite shape: no q LoRA; plus group-limited greedy routing and YaRN as in full V2.
            dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=16, num_hidden_layers=3,
                 num_attention_heads=4, num_key_value_heads=4, q_lora_rank=None, kv_lora_rank=16,
                 qk_nope_head_dim=8, qk_rope_head_dim=4, v_head_dim=8, n_routed_experts=8, n_shared_experts=2,
                 num_experts_per_tok=2, first_k_dense_replace=1, moe_layer_freq=1, topk_method="group_limited_greedy",
                 n_group=4, topk_group=2, routed_scaling_factor=1.5, norm_topk_prob=False, rms_norm_eps=1e-6,
                 max_position_embeddings=256, tie_word_embeddings=False,
                 rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0,
                                      original_max_position_embeddings=64, beta_fast=32.0, beta_slow=1.0,
                                      mscale=0.707, mscale_all_dim=0.707)),
            {},
        ),
        (
            "deepseek_v3",
            "DeepseekV3ForCausalLM",
            "DeepseekV3Config",
            dict(vocab_size=128, hidden_size=32, intermediate_size=64, moe_intermediate_size=16, num_hidden_layers=3,
                 num_attention_heads=4, num_key_value_heads=4, q_lora_rank=24, kv_lora_rank=16, qk_nope_head_dim=8,
                 qk_rope_head_dim=4, v_head_dim=8, n_routed_experts=8, n_shared_experts=1, num_experts_per_tok=2,
                 first_k_dense_replace=1, n_group=4, topk_group=2, routed_scaling_factor=2.5, norm_topk_prob=True,
                 rms_norm_eps=1e-6, max_position_embeddings=256, tie_word_embeddings=False,
                 rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0,
                                      original_max_position_embeddings=64, beta_fast=32.0, beta_slow=1.0,
                                      mscale=1.0, mscale_all_dim=1.0)),
            {},
        ),
        (
            "dbrx",
            "DbrxForCausalLM",
            "DbrxConfig",
            # transformers 5 reads RoPE theta from rope_parameters, not attn_config.rope_theta (README.md): both
            # are set to the same value so the checkpoint means the same thing to either reading.
            dict(vocab_size=128, d_model=32, n_heads=4, n_layers=2, max_seq_len=64, tie_word_embeddings=False,
                 rope_parameters=dict(rope_type="default", rope_theta=500000.0),
                 attn_config=dict(clip_qkv=0.6, kv_n_heads=2, rope_theta=500000.0),
                 ffn_config=dict(ffn_hidden_size=24, moe_num_experts=4, moe_top_k=2, moe_normalize_expert_weights=1.0,
                                 ffn_act_fn={"name": "silu"})),
            {},
        ),
    ]


def randomise(model, torch, generator):
    """Weights that make every part of the model matter: unit-variance activations through each Linear,
    norms and biases away from 1 and 0, decisive routers (so top-k choices are not near-ties)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            shape = param.shape
            lname = name.lower()
            if "norm" in lname and param.ndim == 1:
                param.copy_(1.0 + 0.2 * torch.randn(shape, generator=generator))
            elif param.ndim == 1:  # biases
                param.copy_(0.2 * torch.randn(shape, generator=generator))
            elif "embed" in lname or "wte" in lname:
                param.copy_(torch.randn(shape, generator=generator))
            else:
                fan_in = shape[-1]
                scale = 3.0 if ("gate.weight" in lname or "router" in lname) else 1.0
                param.copy_(scale * torch.randn(shape, generator=generator) / math.sqrt(fan_in))
        for name, buf in model.named_buffers():
            if "e_score_correction_bias" in name:
                buf.copy_(0.3 * torch.randn(buf.shape, generator=generator))


def router_hooks(model, family, torch, top_k):
    """Forward hooks recording, per MoE layer, the experts each token was sent to (sorted ids)."""
    records = {}

    def make_hook(layer):
        def hook(_module, _inputs, output):
            if family == "dbrx":  # the router returns logits; DbrxFFN picks top-k of their softmax
                probs = torch.softmax(output.float(), dim=-1)
                ids = torch.topk(probs, top_k, dim=-1).indices
            else:  # (router_logits, weights, indices)
                ids = output[2]
            records[layer] = sorted_rows(ids.reshape(-1, ids.shape[-1]).tolist())

        return hook

    if family == "dbrx":
        blocks = model.transformer.blocks
        for i, block in enumerate(blocks):
            block.ffn.router.register_forward_hook(make_hook(i))
    else:
        for i, layer in enumerate(model.model.layers):
            gate = getattr(layer.mlp, "gate", None)
            if gate is not None and hasattr(layer.mlp, "experts"):
                gate.register_forward_hook(make_hook(i))
    return records


def sorted_rows(rows):
    return [sorted(int(x) for x in row) for row in rows]


def run_model(model, torch, family, top_k, n_layers):
    records = router_hooks(model, family, torch, top_k)
    out = []
    for ids in SEQUENCES:
        records.clear()
        with torch.no_grad():
            logits = model(torch.tensor([ids]), use_cache=False).logits[0]
        experts = [records.get(layer) for layer in range(n_layers)]
        out.append({"input_ids": ids, "logits": logits.double().tolist(), "expert_ids": experts})
    return out


def write_family(transformers, torch, name, arch, config_class, kwargs, save_kwargs):
    out_dir = HERE / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    config = getattr(transformers, config_class)(**kwargs)
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"  # the per-expert loop; grouped_mm has no f64 kernel
    torch.manual_seed(SEED)
    model = getattr(transformers, arch)(config).eval()
    randomise(model, torch, torch.Generator().manual_seed(SEED))
    if family_is_dbrx(name):
        top_k, n_layers = config.ffn_config.moe_top_k, config.n_layers
    else:
        top_k, n_layers = config.num_experts_per_tok, config.num_hidden_layers

    model.save_pretrained(out_dir, safe_serialization=True, **save_kwargs)
    (out_dir / "generation_config.json").unlink(missing_ok=True)  # not part of what moecap reads

    runs32 = run_model(model, torch, name, top_k, n_layers)
    # The same model in f64 must pick the same experts, or a token sits on a near-tie that f32 rounding could
    # flip in another implementation; the seed and router scale are chosen so that none does.
    runs64 = run_model(model.double(), torch, name, top_k, n_layers)
    max_rel = 0.0
    for a, b in zip(runs32, runs64):
        if a["expert_ids"] != b["expert_ids"]:
            sys.exit(f"{name}: f32 and f64 pick different experts for {a['input_ids']}; change the seed")
        for ra, rb in zip(a["logits"], b["logits"]):
            scale = max(abs(x) for x in rb)
            max_rel = max(max_rel, max(abs(x - y) for x, y in zip(ra, rb)) / scale)

    golden = {
        "family": name,
        "architecture": arch,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "seed": SEED,
        "note": "logits: f32 forward of transformers (eager attention), one row per position; expert_ids: per layer "
        "(null for a dense layer), per token, the routed experts' ids sorted ascending",
        "f32_vs_f64_max_relative_error": max_rel,
        "sequences": [
            {
                "input_ids": r["input_ids"],
                "logits": [[fmt(x) for x in row] for row in r["logits"]],
                "expert_ids": r["expert_ids"],
            }
            for r in runs32
        ],
    }
    with open(out_dir / "golden.json", "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    print(f"{name}: {size / 1024:.0f} KiB, f32 vs f64 logits max rel err {max_rel:.2e}")


def family_is_dbrx(name):
    return name == "dbrx"


# ------------------------------------------------------------------------------------------- tokenizers

# Pre-tokenizer split patterns as they appear in the real tokenizer.json files.
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
DEEPSEEK_V3_PATTERNS = [
    r"\p{N}{1,3}",
    r"[一-龥぀-ゟ゠-ヿ]+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
]

TRAINING_TEXT = """The quick brown fox jumps over the lazy dog. It's 2024; they're here, we've seen 1234567 things.
Don't stop: naïve café, résumé, façade, Ångström, Straße, Ελληνικά, русский текст, עברית, العربية.
中文文本测试，你好世界！日本語のテキスト、カタカナ、ひらがな。한국어 텍스트입니다.
Emoji: 😀 🎉 👍🏽 🇫🇷 ❤️ — “quotes” and ‘single’ … ellipsis.
    indented code:  def f(x):\n\treturn x * 2  # comment
Numbers 3.14159, 1,000,000 and 42nd, 7th, 0x1F; tabs\tand\r\nwindows newlines.
"""

TOKENIZER_STRINGS = [
    "Hello world",
    "Hello, world! It's a test.",
    "I'VE SEEN THEY'RE we'll",
    "naïve café résumé",
    "Ångström Straße",
    "中文文本测试，你好世界！",
    "日本語のテキスト、カタカナ",
    "한국어",
    "😀 🎉 👍🏽 🇫🇷",
    "a  b   c    d",
    "  leading and trailing  ",
    "line one\nline two\n\nline four",
    "tabs\tand\r\nCRLF",
    "1234567890 3.14159 1,000,000",
    "x=42; y = x*2 # comment",
    "Unseen: ©®™ ∑∫√ ♠♣",
    "",
    " ",
    "\n\n",
    "e\u0301 composed vs é",  # NFC matters for Qwen
    "ﬁ ligature and Ａ fullwidth",
]


def tokenizer_specs(tk):
    """(directory, builder) per real tokenizer family; builder(trained BPE tokenizer) configures it."""
    from tokenizers import Regex, normalizers, pre_tokenizers, decoders, processors

    def qwen(tok):
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
                pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
            ]
        )
        tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
        tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
        return ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], []

    def deepseek_v3(tok):
        tok.normalizer = None
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Split(Regex(p), behavior="isolated", invert=False) for p in DEEPSEEK_V3_PATTERNS]
            + [pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]
        )
        tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
        return ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜▁pad▁｜>"], ["<think>", "</think>"]

    def olmoe(tok):
        # GPT-NeoX tokenizer: the GPT-2 regex inside ByteLevel, no normalizer.
        tok.normalizer = None
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
        tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
        return ["<|endoftext|>", "<|padding|>"], ["|||IP_ADDRESS|||"]

    return [("qwen2", qwen), ("deepseek_v3", deepseek_v3), ("olmoe", olmoe)]


def write_tokenizers():
    import tokenizers as tk
    from tokenizers import Tokenizer, models, trainers, pre_tokenizers, processors, AddedToken

    root = HERE / "tokenizers"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    corpus = root / "training_text.txt"
    corpus.write_text(TRAINING_TEXT, encoding="utf-8")

    for name, configure in tokenizer_specs(tk):
        tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
        special, extra_added = configure(tok)
        trainer = trainers.BpeTrainer(
            vocab_size=400,
            min_frequency=1,
            show_progress=False,
            special_tokens=special,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tok.train([str(corpus)], trainer)
        tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in extra_added])
        if name == "deepseek_v3":  # DeepSeek-V3 prepends BOS when special tokens are added
            bos = special[0]
            tok.post_processor = processors.TemplateProcessing(
                single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))]
            )
        out_dir = root / name
        out_dir.mkdir()
        tok.save(str(out_dir / "tokenizer.json"), pretty=False)

        strings = TOKENIZER_STRINGS + [
            special[0] + "Hello" + special[-1],
            "before " + special[1] + " after",
        ] + [f"x {t} y" for t in extra_added]
        cases = []
        for s in strings:
            plain = tok.encode(s, add_special_tokens=False).ids
            with_special = tok.encode(s, add_special_tokens=True).ids
            cases.append(
                {
                    "text": s,
                    "ids": plain,
                    "ids_with_special": with_special,
                    "decoded": tok.decode(plain, skip_special_tokens=False),
                }
            )
        with open(out_dir / "golden.json", "w", encoding="utf-8") as f:
            json.dump({"tokenizers_version": tk.__version__, "cases": cases}, f, ensure_ascii=False, indent=0)
            f.write("\n")
        print(f"tokenizer {name}: vocab {tok.get_vocab_size()}, {len(cases)} cases")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="family directories to write (and/or 'tokenizers')")
    args = parser.parse_args()
    wanted = set(args.only or [])

    import torch
    import transformers

    torch.set_num_threads(1)  # deterministic reductions
    for name, arch, config_class, kwargs, save_kwargs in family_configs():
        if wanted and name not in wanted:
            continue
        if not hasattr(transformers, arch):
            print(f"{name}: transformers {transformers.__version__} has no {arch}; skipped")
            continue
        write_family(transformers, torch, name, arch, config_class, kwargs, save_kwargs)
    if not wanted or "tokenizers" in wanted:
        write_tokenizers()


if __name__ == "__main__":
    main()
