#include "forward_pass.hpp"

#include <tbb/parallel_for.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include "moecap/cpp/host.hpp"
#include "moecap/kernels/cpu/activation.hpp"
#include "moecap/kernels/cpu/attention.hpp"
#include "moecap/kernels/cpu/half_precision.hpp"
#include "moecap/kernels/cpu/linear.hpp"
#include "moecap/kernels/cpu/normalization.hpp"
#include "moecap/kernels/cpu/rotary_embedding.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::cpu_backend {
namespace {

namespace k = kernels::cpu;

/// Below this many tokens a step's per-token and per-expert side work (norms, biases, RoPE, gathering an
/// expert's tokens, its activation) runs on the calling thread: a few rows leave a parallel loop nothing to
/// balance (measured at decode, though, the gather took ~4 µs of a ~2.9 ms layer either way: its time is the
/// cold cache lines of the experts' scratch, not the loop). Nor is the step's process CPU time read (see
/// feed_forward_moe).
constexpr int32_t kParallelMinTokens = 16;

/// f(i) for i < count, over the threads when the step has at least kParallelMinTokens tokens.
template <class Index, class F>
void for_each_index(Index count, int32_t n_tokens, F&& f) {
  if (n_tokens < kParallelMinTokens) {
    for (Index i = 0; i < count; ++i) f(i);
    return;
  }
  tbb::parallel_for(Index{0}, count, [&](Index i) { f(i); });
}

template <class F>
void for_each_token(int32_t n_tokens, F&& f) {
  for_each_index(n_tokens, n_tokens, f);
}

void ensure(std::vector<float>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
}

void add_bias(float* x, const std::vector<float>& bias, int32_t n_tokens) {
  if (bias.empty()) return;
  const size_t width = bias.size();
  for (int32_t t = 0; t < n_tokens; ++t)
    for (size_t i = 0; i < width; ++i) x[t * width + i] += bias[i];
}

void clip(float* x, size_t n, double limit) {
  const auto l = static_cast<float>(limit);
  for (size_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], -l, l);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU time of the whole process: with the step the only work of the session, the time its threads ran —
/// lets a benchmark on a shared machine tell the scheduler's share from the kernels' efficiency.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

ForwardPass::ForwardPass(const moecap_model_desc& desc, const moecap_weight_source_i& weights,
                         kernels::cpu::ComputeThreads& threads, WeightPlacement placement,
                         kernels::cpu::MatrixLayout layout)
    : description_(checked_description(desc)), weights_(ModelWeights::load(description_, weights)) {
  if (placement == WeightPlacement::automatic) {
    const size_t available = kernels::cpu::available_memory_bytes();
    const bool fits =
        available == 0 || static_cast<double>(weights_.matrix_bytes()) <= 0.9 * static_cast<double>(available);
    placement = fits ? WeightPlacement::copy : WeightPlacement::in_place;
  }
  if (placement == WeightPlacement::copy) threads.run([&] { weights_.copy_into_arena(layout); });
  const moecap_attention_desc& a = description_.attention;
  const bool mla = a.kind == MOECAP_ATTENTION_MLA;
  const int32_t q_head_size = mla ? a.qk_nope_head_dim + a.qk_rope_head_dim : a.head_dim;
  const int32_t rotary_dims =
      mla ? a.qk_rope_head_dim : static_cast<int32_t>(std::lround(a.partial_rotary_factor * a.head_dim));
  rope_.emplace(a, rotary_dims);
  // As the reference: an explicit scale as given; 0 = 1/sqrt(q head size), times YaRN's mscale² when
  // mscale_all_dim is set (DeepSeek's convention).
  double scale = a.softmax_scale;
  if (scale == 0) {
    scale = 1.0 / std::sqrt(static_cast<double>(q_head_size));
    if (a.rope_scaling == MOECAP_ROPE_YARN && a.yarn_mscale_all_dim != 0) {
      const double m = yarn_mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim);
      scale *= m * m;
    }
  }
  softmax_scale_ = static_cast<float>(scale);
  cache_heads_ = mla ? a.n_heads : a.n_kv_heads;
  key_size_ = mla ? q_head_size : a.head_dim;
  value_size_ = mla ? a.v_head_dim : a.head_dim;
  for (const moecap_ffn_desc& f : description_.layer_ffn) {
    if (f.kind != MOECAP_FFN_MOE) continue;
    max_experts_ = std::max(max_experts_, f.n_experts);
    max_top_k_ = std::max(max_top_k_, f.top_k);
  }
  expert_scratch_.resize(static_cast<size_t>(max_experts_));
}

SequenceCache ForwardPass::new_cache() const {
  return SequenceCache(n_layers(), cache_heads_, key_size_, value_size_);
}

void ForwardPass::norm(const NormWeights& w, const float* x, float* y, int32_t n_tokens) {
  const moecap_model_desc& d = description_.model;
  const int64_t size = d.hidden_size;
  for_each_token(n_tokens, [&](int32_t t) {
    if (d.norm_kind == MOECAP_NORM_LAYER)
      k::layer_norm(x + t * size, w.scale.data(), w.bias.empty() ? nullptr : w.bias.data(), size, d.norm_eps,
                    y + t * size);
    else
      k::rms_norm(x + t * size, w.scale.data(), size, size, d.norm_eps, y + t * size);
  });
}

void ForwardPass::attend_all(int32_t layer, const StepPlan& plan, const float* q, int32_t n_heads, int32_t n_kv_heads,
                             int32_t qk_size, int32_t v_size, float* attended, StepOutputs& out) {
  const auto start = std::chrono::steady_clock::now();
  const int32_t group = n_heads / n_kv_heads;
  const int64_t q_width = int64_t{n_heads} * qk_size;
  const int64_t out_width = int64_t{n_heads} * v_size;
  // One task per (token, KV head): the group of query heads sharing that KV head reads its rows once.
  const int64_t pairs = int64_t{plan.n_tokens()} * n_kv_heads;
  tbb::parallel_for(int64_t{0}, pairs, [&](int64_t index) {
    const auto t = static_cast<int32_t>(index / n_kv_heads);
    const auto kv_head = static_cast<int32_t>(index % n_kv_heads);
    const int32_t first_head = kv_head * group;
    SequenceCache& cache = *plan.caches[static_cast<size_t>(t)];
    const int64_t n_positions = plan.positions[static_cast<size_t>(t)] + 1;
    thread_local std::vector<float> scores;
    if (scores.size() < static_cast<size_t>(group * n_positions))
      scores.resize(static_cast<size_t>(group * n_positions));
    k::attend_heads(q + t * q_width + int64_t{first_head} * qk_size, qk_size, group, cache.key(layer, kv_head, 0),
                    cache.key_size(), cache.value(layer, kv_head, 0), cache.value_size(), n_positions, qk_size, v_size,
                    softmax_scale_, attended + t * out_width + int64_t{first_head} * v_size, v_size, scores.data());
  });
  double rows = 0;
  for (int64_t position : plan.positions) rows += static_cast<double>(position + 1);
  out.kv_bytes_read += rows * static_cast<double>(cache_heads_ * (key_size_ + value_size_)) * sizeof(float);
  out.attend_seconds += seconds_since(start);
}

void ForwardPass::attention_gqa(int32_t layer, const StepPlan& plan, StepOutputs& out) {
  const moecap_attention_desc& a = description_.attention;
  const GqaWeights& w = *weights_.layers[static_cast<size_t>(layer)].gqa;
  const int32_t n = plan.n_tokens();
  const int64_t d = description_.model.hidden_size;
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  ensure(q_, static_cast<size_t>(n * q_width));
  ensure(k_, static_cast<size_t>(n * kv_width));
  ensure(v_, static_cast<size_t>(n * kv_width));
  ensure(attended_, static_cast<size_t>(n * q_width));
  const k::LinearJob projections[] = {{w.q, normed_.data(), d, n, q_.data(), q_width},
                                      {w.k, normed_.data(), d, n, k_.data(), kv_width},
                                      {w.v, normed_.data(), d, n, v_.data(), kv_width}};
  k::linear_group(projections);
  add_bias(q_.data(), w.q_bias, n);
  add_bias(k_.data(), w.k_bias, n);
  add_bias(v_.data(), w.v_bias, n);
  const int32_t pairs = rope_->pairs();
  for_each_token(n, [&](int32_t t) {
    float* q = q_.data() + t * q_width;
    float* key = k_.data() + t * kv_width;
    float* value = v_.data() + t * kv_width;
    // qk-norm is an RMSNorm; a [hd] scale normalises each head, a full-width one the whole projection.
    if (!w.q_norm.empty())
      k::rms_norm(q, w.q_norm.data(), q_width, static_cast<int64_t>(w.q_norm.size()), description_.model.norm_eps, q);
    if (!w.k_norm.empty())
      k::rms_norm(key, w.k_norm.data(), kv_width, static_cast<int64_t>(w.k_norm.size()), description_.model.norm_eps,
                  key);
    if (a.qkv_clip > 0) {  // after the norm, as OLMoE does (DBRX clips and has no qk-norm)
      clip(q, static_cast<size_t>(q_width), a.qkv_clip);
      clip(key, static_cast<size_t>(kv_width), a.qkv_clip);
      clip(value, static_cast<size_t>(kv_width), a.qkv_clip);
    }
    const float* cos = rope_cos_.data() + int64_t{t} * pairs;
    const float* sin = rope_sin_.data() + int64_t{t} * pairs;
    k::apply_rotary(q, a.n_heads, a.head_dim, pairs, rope_->interleaved(), cos, sin);
    k::apply_rotary(key, a.n_kv_heads, a.head_dim, pairs, rope_->interleaved(), cos, sin);
    SequenceCache& cache = *plan.caches[static_cast<size_t>(t)];
    const int64_t position = plan.positions[static_cast<size_t>(t)];
    cache.write(layer, position, key, value);
  });
  attend_all(layer, plan, q_.data(), a.n_heads, a.n_kv_heads, a.head_dim, a.head_dim, attended_.data(), out);
  k::linear(w.o, attended_.data(), q_width, n, block_out_.data(), d);
  add_bias(block_out_.data(), w.o_bias, n);
}

void ForwardPass::attention_mla(int32_t layer, const StepPlan& plan, StepOutputs& out) {
  const moecap_attention_desc& a = description_.attention;
  const MlaWeights& w = *weights_.layers[static_cast<size_t>(layer)].mla;
  const int32_t n = plan.n_tokens();
  const int64_t d = description_.model.hidden_size;
  const double eps = description_.model.norm_eps;
  const int32_t nope = a.qk_nope_head_dim, rope = a.qk_rope_head_dim, vdim = a.v_head_dim, heads = a.n_heads;
  const int32_t qk = nope + rope;
  const int64_t q_width = int64_t{heads} * qk;
  const int64_t compressed_width = a.kv_lora_rank + rope;
  const int64_t expanded_width = int64_t{heads} * (nope + vdim);
  ensure(q_, static_cast<size_t>(n * q_width));
  if (w.q) {
    k::linear(*w.q, normed_.data(), d, n, q_.data(), q_width);
  } else {
    const int64_t rank = a.q_lora_rank;
    ensure(extra_, static_cast<size_t>(n * rank));
    k::linear(*w.q_a, normed_.data(), d, n, extra_.data(), rank);
    for_each_token(n, [&](int32_t t) {
      k::rms_norm(extra_.data() + t * rank, w.q_a_norm.data(), rank, rank, eps, extra_.data() + t * rank);
    });
    k::linear(*w.q_b, extra_.data(), rank, n, q_.data(), q_width);
  }
  // The compressed KV: [latent (kv_lora_rank) | k_rope (shared by every head)].
  ensure(k_, static_cast<size_t>(n * compressed_width));
  k::linear(w.kv_a, normed_.data(), d, n, k_.data(), compressed_width);
  ensure(extra_, static_cast<size_t>(n * a.kv_lora_rank));
  for_each_token(n, [&](int32_t t) {
    k::rms_norm(k_.data() + t * compressed_width, w.kv_a_norm.data(), a.kv_lora_rank, a.kv_lora_rank, eps,
                extra_.data() + int64_t{t} * a.kv_lora_rank);
  });
  // Per head [k_nope | v].
  ensure(v_, static_cast<size_t>(n * expanded_width));
  k::linear(w.kv_b, extra_.data(), a.kv_lora_rank, n, v_.data(), expanded_width);
  const int32_t pairs = rope_->pairs();
  for_each_token(n, [&](int32_t t) {
    const float* cos = rope_cos_.data() + int64_t{t} * pairs;
    const float* sin = rope_sin_.data() + int64_t{t} * pairs;
    float* q = q_.data() + t * q_width;
    for (int32_t h = 0; h < heads; ++h)
      k::apply_rotary(q + int64_t{h} * qk + nope, 1, rope, pairs, rope_->interleaved(), cos, sin);
    float* k_rope = k_.data() + t * compressed_width + a.kv_lora_rank;
    k::apply_rotary(k_rope, 1, rope, pairs, rope_->interleaved(), cos, sin);
    SequenceCache& cache = *plan.caches[static_cast<size_t>(t)];
    const int64_t position = plan.positions[static_cast<size_t>(t)];
    const float* expanded = v_.data() + t * expanded_width;
    for (int32_t h = 0; h < heads; ++h) {
      const float* head = expanded + int64_t{h} * (nope + vdim);
      float* key = cache.key(layer, h, position);
      std::copy_n(head, nope, key);
      std::copy_n(k_rope, rope, key + nope);
      std::copy_n(head + nope, vdim, cache.value(layer, h, position));
    }
  });
  ensure(attended_, static_cast<size_t>(n) * heads * vdim);
  attend_all(layer, plan, q_.data(), heads, heads, qk, vdim, attended_.data(), out);
  k::linear(w.o, attended_.data(), int64_t{heads} * vdim, n, block_out_.data(), d);
}

void ForwardPass::mlp(const MlpWeights& w, int32_t activation, const float* x, int32_t n, float* y,
                      ExpertScratch& scratch) {
  const int64_t d = description_.model.hidden_size;
  const int64_t width = w.up.rows;
  ensure(scratch.up, static_cast<size_t>(n * width));
  ensure(scratch.gate, static_cast<size_t>(n * width));
  std::vector<k::LinearJob> jobs{{w.up, x, d, n, scratch.up.data(), width}};
  if (w.gate) jobs.push_back({*w.gate, x, d, n, scratch.gate.data(), width});
  k::linear_group(jobs);
  activate(w, activation, n, scratch);
  k::linear(w.down, scratch.up.data(), width, n, y, d);
}

void ForwardPass::activate(const MlpWeights& w, int32_t activation, int32_t n, ExpertScratch& scratch) {
  const int64_t count = n * w.up.rows;
  const auto act = static_cast<k::Activation>(activation);
  if (w.gate)
    k::gated_activation(act, scratch.gate.data(), scratch.up.data(), count);
  else
    k::activation_in_place(act, scratch.up.data(), count);
}

void ForwardPass::feed_forward_moe(int32_t layer, const StepPlan& plan, StepOutputs& out) {
  const moecap_ffn_desc& ffn = description_.layer_ffn[static_cast<size_t>(layer)];
  const MoeWeights& w = *weights_.layers[static_cast<size_t>(layer)].moe;
  const int32_t n = plan.n_tokens();
  const int64_t d = description_.model.hidden_size;
  ensure(router_logits_, static_cast<size_t>(n) * ffn.n_experts);
  k::linear(w.router, normed_.data(), d, n, router_logits_.data(), ffn.n_experts);
  out.weight_bytes_read +=
      static_cast<double>(w.router.bytes() + w.score_bias.size() * kernels::cpu::element_bytes(w.router.type));

  // Group the step's tokens per expert: each active expert then runs ONE product over its tokens.
  std::vector<std::vector<int32_t>> tokens_of(static_cast<size_t>(ffn.n_experts));
  std::vector<std::vector<float>> weights_of(static_cast<size_t>(ffn.n_experts));
  const auto n_layers = static_cast<size_t>(this->n_layers());
  for (int32_t t = 0; t < n; ++t) {
    const std::vector<RoutedExpert> chosen =
        route(router_logits_.data() + int64_t{t} * ffn.n_experts, w.score_bias, ffn);
    for (size_t j = 0; j < chosen.size(); ++j) {
      const int32_t e = chosen[j].expert;
      tokens_of[static_cast<size_t>(e)].push_back(t);
      weights_of[static_cast<size_t>(e)].push_back(chosen[j].weight);
      out.topk_ids[(static_cast<size_t>(t) * n_layers + static_cast<size_t>(layer)) *
                       static_cast<size_t>(out.topk_stride) +
                   j] = e;
    }
  }
  std::vector<int32_t> active;
  for (int32_t e = 0; e < ffn.n_experts; ++e) {
    const auto count = static_cast<int32_t>(tokens_of[static_cast<size_t>(e)].size());
    out.expert_tokens[static_cast<size_t>(layer) * static_cast<size_t>(out.expert_stride) + static_cast<size_t>(e)] =
        count;
    if (count == 0) continue;
    active.push_back(e);
    const MlpWeights& expert = w.experts[static_cast<size_t>(e)];
    out.weight_bytes_read += static_cast<double>(expert.bytes());
    out.expert_flops += 2.0 * count * static_cast<double>(expert.bytes() / kernels::cpu::element_bytes(expert.up.type));
  }

  const auto expert_start = std::chrono::steady_clock::now();
  // The process CPU time is a system call that walks every thread of the process (here two reads took
  // ~9 µs of a ~2 ms decode layer, 0.4% of the step); it serves the prefill's per-CPU rate, so small steps
  // skip it and report no expert_cpu_seconds.
  const bool cpu_time = n >= kParallelMinTokens;
  const double expert_cpu_start = cpu_time ? process_cpu_seconds() : 0;
  // Three phases over every active expert at once — gate and up products, activation, down products — so
  // each phase is one parallel loop (decode: a single loop over all their rows; prefill: the experts' GEMMs
  // side by side, each tiled inside).
  for_each_index(active.size(), n, [&](size_t i) {
    const int32_t e = active[i];
    const std::vector<int32_t>& tokens = tokens_of[static_cast<size_t>(e)];
    const auto count = static_cast<int64_t>(tokens.size());
    const int64_t width = w.experts[static_cast<size_t>(e)].up.rows;
    ExpertScratch& scratch = expert_scratch_[static_cast<size_t>(e)];
    ensure(scratch.input, static_cast<size_t>(count * d));
    ensure(scratch.output, static_cast<size_t>(count * d));
    ensure(scratch.gate, static_cast<size_t>(count * width));
    ensure(scratch.up, static_cast<size_t>(count * width));
    for (int64_t j = 0; j < count; ++j)
      std::copy_n(normed_.data() + tokens[static_cast<size_t>(j)] * d, d, scratch.input.data() + j * d);
  });
  std::vector<k::LinearJob> jobs;
  for (int32_t e : active) {
    const MlpWeights& expert = w.experts[static_cast<size_t>(e)];
    ExpertScratch& scratch = expert_scratch_[static_cast<size_t>(e)];
    const auto count = static_cast<int32_t>(tokens_of[static_cast<size_t>(e)].size());
    const int64_t width = expert.up.rows;
    jobs.push_back({expert.up, scratch.input.data(), d, count, scratch.up.data(), width});
    if (expert.gate) jobs.push_back({*expert.gate, scratch.input.data(), d, count, scratch.gate.data(), width});
  }
  auto gemm_start = std::chrono::steady_clock::now();
  k::linear_group(jobs);
  out.expert_gemm_seconds += seconds_since(gemm_start);
  jobs.clear();
  // Activations per expert in parallel: at prefill they are millions of exp() calls.
  for_each_index(active.size(), n, [&](size_t i) {
    const int32_t e = active[i];
    const auto count = static_cast<int32_t>(tokens_of[static_cast<size_t>(e)].size());
    activate(w.experts[static_cast<size_t>(e)], ffn.activation, count, expert_scratch_[static_cast<size_t>(e)]);
  });
  for (int32_t e : active) {
    const MlpWeights& expert = w.experts[static_cast<size_t>(e)];
    ExpertScratch& scratch = expert_scratch_[static_cast<size_t>(e)];
    const auto count = static_cast<int32_t>(tokens_of[static_cast<size_t>(e)].size());
    jobs.push_back({expert.down, scratch.up.data(), expert.up.rows, count, scratch.output.data(), d});
  }
  gemm_start = std::chrono::steady_clock::now();
  k::linear_group(jobs);
  out.expert_gemm_seconds += seconds_since(gemm_start);
  // The weighted sum, in expert order so the result does not depend on thread timing.
  std::fill_n(block_out_.data(), static_cast<size_t>(n * d), 0.0f);
  const kernels::cpu::VectorKernels& vk = kernels::cpu::vector_kernels();
  for (int32_t e : active) {
    const std::vector<int32_t>& tokens = tokens_of[static_cast<size_t>(e)];
    const ExpertScratch& scratch = expert_scratch_[static_cast<size_t>(e)];
    for (size_t j = 0; j < tokens.size(); ++j)
      vk.axpy(weights_of[static_cast<size_t>(e)][j], scratch.output.data() + static_cast<int64_t>(j) * d,
              block_out_.data() + tokens[j] * d, d);
  }
  out.expert_seconds += seconds_since(expert_start);
  if (cpu_time) {
    out.expert_cpu_seconds += process_cpu_seconds() - expert_cpu_start;
    out.expert_cpu_measured = true;
  }

  if (w.shared) {
    ensure(shared_scratch_.output, static_cast<size_t>(n * d));
    mlp(*w.shared, ffn.activation, normed_.data(), n, shared_scratch_.output.data(), shared_scratch_);
    out.weight_bytes_read += static_cast<double>(w.shared->bytes());
    std::vector<float> gate(static_cast<size_t>(n), 1.0f);
    if (w.shared_gate) {
      k::linear(*w.shared_gate, normed_.data(), d, n, gate.data(), 1);
      for (float& g : gate) g = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(g))));
      out.weight_bytes_read += static_cast<double>(w.shared_gate->bytes());
    }
    for (int32_t t = 0; t < n; ++t)
      vk.axpy(gate[static_cast<size_t>(t)], shared_scratch_.output.data() + t * d, block_out_.data() + t * d, d);
  }
}

void ForwardPass::run(const StepPlan& plan, float* logits, StepOutputs& out) {
  const moecap_model_desc& md = description_.model;
  const int32_t n = plan.n_tokens();
  const int64_t d = md.hidden_size;
  const auto size = static_cast<size_t>(n * d);
  ensure(hidden_, size);
  ensure(normed_, size);
  ensure(block_out_, size);

  // Embedding rows (decoded from the storage dtype); distinct rows count once towards the bytes read.
  const kernels::cpu::VectorKernels& vk = kernels::cpu::vector_kernels();
  std::unordered_set<int32_t> distinct_tokens;
  for (int32_t t = 0; t < n; ++t) {
    const int32_t token = plan.token_ids[static_cast<size_t>(t)];
    vk.rows_to_f32(weights_.embed_tokens, token, token + 1, hidden_.data() + t * d);
    distinct_tokens.insert(token);
  }
  out.weight_bytes_read += static_cast<double>(distinct_tokens.size() * static_cast<size_t>(d) *
                                               kernels::cpu::element_bytes(weights_.embed_tokens.type));

  // RoPE cos/sin per token, shared by every layer.
  const int32_t pairs = rope_->pairs();
  ensure(rope_cos_, static_cast<size_t>(n) * pairs);
  ensure(rope_sin_, static_cast<size_t>(n) * pairs);
  for (int32_t t = 0; t < n; ++t)
    rope_->angles(plan.positions[static_cast<size_t>(t)], rope_cos_.data() + int64_t{t} * pairs,
                  rope_sin_.data() + int64_t{t} * pairs);

  for (int32_t layer = 0; layer < n_layers(); ++layer) {
    const LayerWeights& w = weights_.layers[static_cast<size_t>(layer)];
    out.weight_bytes_read += static_cast<double>(w.attention_bytes + w.norm_bytes);
    norm(w.attn_norm, hidden_.data(), normed_.data(), n);
    const auto attention_start = std::chrono::steady_clock::now();
    if (w.mla)
      attention_mla(layer, plan, out);
    else
      attention_gqa(layer, plan, out);
    out.attention_seconds += seconds_since(attention_start);
    for (size_t i = 0; i < size; ++i) hidden_[i] += block_out_[i];
    norm(w.ffn_norm, hidden_.data(), normed_.data(), n);
    const moecap_ffn_desc& ffn = description_.layer_ffn[static_cast<size_t>(layer)];
    if (w.moe) {
      feed_forward_moe(layer, plan, out);
    } else {
      mlp(*w.dense, ffn.activation, normed_.data(), n, block_out_.data(), shared_scratch_);
      out.weight_bytes_read += static_cast<double>(w.dense->bytes());
    }
    for (size_t i = 0; i < size; ++i) hidden_[i] += block_out_[i];
  }

  // The LM head over the rows that want logits only.
  const auto rows = static_cast<int32_t>(plan.logits_tokens.size());
  if (rows == 0) return;
  const auto head_start = std::chrono::steady_clock::now();
  for (int32_t r = 0; r < rows; ++r)
    std::copy_n(hidden_.data() + plan.logits_tokens[static_cast<size_t>(r)] * d, d, block_out_.data() + r * d);
  norm(weights_.final_norm, block_out_.data(), normed_.data(), rows);
  out.weight_bytes_read += static_cast<double>(weights_.final_norm_bytes + weights_.lm_head.bytes());
  const int64_t vocab = md.vocab_size;
  bool contiguous = true;
  for (int32_t r = 1; r < rows; ++r)
    contiguous = contiguous && plan.logits_rows[static_cast<size_t>(r)] == plan.logits_rows[0] + r;
  if (contiguous) {
    k::linear(weights_.lm_head, normed_.data(), d, rows, logits + plan.logits_rows[0] * vocab, vocab);
  } else {
    std::vector<float> staged(static_cast<size_t>(rows * vocab));
    k::linear(weights_.lm_head, normed_.data(), d, rows, staged.data(), vocab);
    for (int32_t r = 0; r < rows; ++r)
      std::copy_n(staged.data() + r * vocab, vocab, logits + plan.logits_rows[static_cast<size_t>(r)] * vocab);
  }
  out.lm_head_seconds += seconds_since(head_start);
}

}  // namespace moecap::cpu_backend
