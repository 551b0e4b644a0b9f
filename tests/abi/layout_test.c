/* ABI-5: the layout of every SDK struct at ABI 1.0 on x86_64 (LP64, System V), pinned by number.
 *
 * A failing assertion here means a released layout moved: members may only be appended (ABI-3), which
 * changes a struct's size but no existing offset. When a minor appends members, add their offsets below
 * and move the size pin; never edit an existing offset — that is a new major.
 *
 * C99 has no _Static_assert, so a negative array size does the job (the file compiles as C99 -pedantic).
 * The numbers were produced once by offsetof() and then frozen; the test never recomputes them.
 */
#include <stddef.h>
#include <stdint.h>

#include "moecap/moecap.h"
#include "moecap/ext_session_read_rate.h"

#if !defined(__x86_64__) || !defined(__LP64__)
#error "these pins are for x86_64 (LP64); add the numbers of another ABI in its own block"
#endif

#define MOECAP_PIN_CAT2(a, b) a##b
#define MOECAP_PIN_CAT(a, b) MOECAP_PIN_CAT2(a, b)
/* Each pin declares a typedef whose array size is -1 (an error) when the number is wrong. */
#define MOECAP_PIN(condition) typedef char MOECAP_PIN_CAT(moecap_layout_pin_, __LINE__)[(condition) ? 1 : -1]
#define MOECAP_PIN_OFFSET(type, member, offset) MOECAP_PIN(offsetof(type, member) == (offset))
#define MOECAP_PIN_SIZE(type, size) MOECAP_PIN(sizeof(type) == (size))

/* Platform assumptions the host relies on: function and data pointers share a size (the loader reads
 * table members generically), enums stored in structs as int32_t. */
MOECAP_PIN(sizeof(void*) == 8);
MOECAP_PIN(sizeof(void (*)(void)) == sizeof(void*));
MOECAP_PIN(sizeof(bool) == 1);

/* ABI 1.0 constants (ABI-6: enum values are append-only, never renumbered). */
MOECAP_PIN(MOECAP_ABI_MAJOR == 1);
MOECAP_PIN(MOECAP_KIND_BACKEND == 1 && MOECAP_KIND_MODEL == 2 && MOECAP_KIND_TASK == 3 && MOECAP_KIND_SINK == 4);
MOECAP_PIN(MOECAP_OK == 0 && MOECAP_ERR_INVALID_ARG == 1 && MOECAP_ERR_NOT_FOUND == 2 &&
           MOECAP_ERR_UNSUPPORTED == 3 && MOECAP_ERR_UNAVAILABLE == 4 && MOECAP_ERR_OUT_OF_MEMORY == 5 &&
           MOECAP_ERR_DEVICE == 6 && MOECAP_ERR_INTERNAL == 7 && MOECAP_ERR_CANCELLED == 8 &&
           MOECAP_ERR_TIMEOUT == 9 && MOECAP_ERR_ABI == 10);
MOECAP_PIN(MOECAP_DTYPE_F32 == 1 && MOECAP_DTYPE_F16 == 2 && MOECAP_DTYPE_BF16 == 3 && MOECAP_DTYPE_F8_E5M2 == 10);
MOECAP_PIN(MOECAP_LOG_TRACE == 0 && MOECAP_LOG_ERROR == 4);
MOECAP_PIN(MOECAP_LOGITS_NONE == 0 && MOECAP_LOGITS_LAST == 1 && MOECAP_LOGITS_ALL == 2);
MOECAP_PIN(MOECAP_RECORD_RUN == 1 && MOECAP_RECORD_SUMMARY == 4 && MOECAP_FIELD_JSON == 5);
MOECAP_PIN(MOECAP_MAX_DIMS == 4);

/* moecap_tensor_view (types.h) */
MOECAP_PIN_OFFSET(moecap_tensor_view, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_tensor_view, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_tensor_view, name, 8);
MOECAP_PIN_OFFSET(moecap_tensor_view, dtype, 16);
MOECAP_PIN_OFFSET(moecap_tensor_view, ndim, 20);
MOECAP_PIN_OFFSET(moecap_tensor_view, shape, 24);
MOECAP_PIN_OFFSET(moecap_tensor_view, data, 56);
MOECAP_PIN_OFFSET(moecap_tensor_view, nbytes, 64);
MOECAP_PIN_SIZE(moecap_tensor_view, 72);

/* moecap_counter (types.h) */
MOECAP_PIN_OFFSET(moecap_counter, name, 0);
MOECAP_PIN_OFFSET(moecap_counter, unit, 8);
MOECAP_PIN_OFFSET(moecap_counter, value, 16);
MOECAP_PIN_SIZE(moecap_counter, 24);

/* moecap_host_api (host_api.h) */
MOECAP_PIN_OFFSET(moecap_host_api, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_host_api, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_host_api, error_new, 8);
MOECAP_PIN_OFFSET(moecap_host_api, error_free, 16);
MOECAP_PIN_OFFSET(moecap_host_api, error_code, 24);
MOECAP_PIN_OFFSET(moecap_host_api, error_message, 32);
MOECAP_PIN_OFFSET(moecap_host_api, log, 40);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_string, 48);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_int, 56);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_double, 64);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_bool, 72);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_path, 80);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_array_len, 88);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_string_at, 96);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_double_at, 104);
MOECAP_PIN_OFFSET(moecap_host_api, config_get_int_at, 112);
MOECAP_PIN_OFFSET(moecap_host_api, config_has, 120);
MOECAP_PIN_OFFSET(moecap_host_api, config_error, 128);
MOECAP_PIN_OFFSET(moecap_host_api, alloc_host, 136);
MOECAP_PIN_OFFSET(moecap_host_api, free_host, 144);
MOECAP_PIN_OFFSET(moecap_host_api, now_seconds, 152);
MOECAP_PIN_SIZE(moecap_host_api, 160);

/* moecap_component (plugin.h) */
MOECAP_PIN_OFFSET(moecap_component, kind, 0);
MOECAP_PIN_OFFSET(moecap_component, reserved, 4);
MOECAP_PIN_OFFSET(moecap_component, table, 8);
MOECAP_PIN_OFFSET(moecap_component, context, 16);
MOECAP_PIN_SIZE(moecap_component, 24);

/* moecap_plugin_desc (plugin.h) */
MOECAP_PIN_OFFSET(moecap_plugin_desc, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_plugin_desc, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_plugin_desc, name, 8);
MOECAP_PIN_OFFSET(moecap_plugin_desc, version, 16);
MOECAP_PIN_OFFSET(moecap_plugin_desc, vendor, 24);
MOECAP_PIN_OFFSET(moecap_plugin_desc, build_info, 32);
MOECAP_PIN_OFFSET(moecap_plugin_desc, component_capacity, 40);
MOECAP_PIN_OFFSET(moecap_plugin_desc, component_count, 44);
MOECAP_PIN_OFFSET(moecap_plugin_desc, components, 48);
MOECAP_PIN_OFFSET(moecap_plugin_desc, get_proc_address, 56);
MOECAP_PIN_OFFSET(moecap_plugin_desc, fini, 64);
MOECAP_PIN_SIZE(moecap_plugin_desc, 72);

/* moecap_negotiation (plugin.h) */
MOECAP_PIN_OFFSET(moecap_negotiation, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_negotiation, host_abi_major, 4);
MOECAP_PIN_OFFSET(moecap_negotiation, host_abi_minor_min, 8);
MOECAP_PIN_OFFSET(moecap_negotiation, host_abi_minor_max, 12);
MOECAP_PIN_OFFSET(moecap_negotiation, plugin_abi_major, 16);
MOECAP_PIN_OFFSET(moecap_negotiation, plugin_abi_minor, 20);
MOECAP_PIN_OFFSET(moecap_negotiation, init, 24);
MOECAP_PIN_SIZE(moecap_negotiation, 32);

/* moecap_attention_desc (model.h) */
MOECAP_PIN_OFFSET(moecap_attention_desc, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_attention_desc, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_attention_desc, kind, 8);
MOECAP_PIN_OFFSET(moecap_attention_desc, n_heads, 12);
MOECAP_PIN_OFFSET(moecap_attention_desc, n_kv_heads, 16);
MOECAP_PIN_OFFSET(moecap_attention_desc, head_dim, 20);
MOECAP_PIN_OFFSET(moecap_attention_desc, rope_theta, 24);
MOECAP_PIN_OFFSET(moecap_attention_desc, partial_rotary_factor, 32);
MOECAP_PIN_OFFSET(moecap_attention_desc, rope_interleaved, 40);
MOECAP_PIN_OFFSET(moecap_attention_desc, rope_scaling, 44);
MOECAP_PIN_OFFSET(moecap_attention_desc, rope_scaling_factor, 48);
MOECAP_PIN_OFFSET(moecap_attention_desc, rope_original_max_position, 56);
MOECAP_PIN_OFFSET(moecap_attention_desc, reserved0, 60);
MOECAP_PIN_OFFSET(moecap_attention_desc, yarn_beta_fast, 64);
MOECAP_PIN_OFFSET(moecap_attention_desc, yarn_beta_slow, 72);
MOECAP_PIN_OFFSET(moecap_attention_desc, yarn_mscale, 80);
MOECAP_PIN_OFFSET(moecap_attention_desc, yarn_mscale_all_dim, 88);
MOECAP_PIN_OFFSET(moecap_attention_desc, qk_norm, 96);
MOECAP_PIN_OFFSET(moecap_attention_desc, qkv_bias, 97);
MOECAP_PIN_OFFSET(moecap_attention_desc, o_bias, 98);
MOECAP_PIN_OFFSET(moecap_attention_desc, reserved1, 99);
MOECAP_PIN_OFFSET(moecap_attention_desc, qkv_clip, 104);
MOECAP_PIN_OFFSET(moecap_attention_desc, q_lora_rank, 112);
MOECAP_PIN_OFFSET(moecap_attention_desc, kv_lora_rank, 116);
MOECAP_PIN_OFFSET(moecap_attention_desc, qk_nope_head_dim, 120);
MOECAP_PIN_OFFSET(moecap_attention_desc, qk_rope_head_dim, 124);
MOECAP_PIN_OFFSET(moecap_attention_desc, v_head_dim, 128);
MOECAP_PIN_OFFSET(moecap_attention_desc, reserved2, 132);
MOECAP_PIN_OFFSET(moecap_attention_desc, softmax_scale, 136);
MOECAP_PIN_SIZE(moecap_attention_desc, 144);

/* moecap_ffn_desc (model.h) */
MOECAP_PIN_OFFSET(moecap_ffn_desc, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_ffn_desc, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_ffn_desc, kind, 8);
MOECAP_PIN_OFFSET(moecap_ffn_desc, activation, 12);
MOECAP_PIN_OFFSET(moecap_ffn_desc, gated, 16);
MOECAP_PIN_OFFSET(moecap_ffn_desc, renormalize_topk, 17);
MOECAP_PIN_OFFSET(moecap_ffn_desc, has_score_correction_bias, 18);
MOECAP_PIN_OFFSET(moecap_ffn_desc, shared_expert_gate, 19);
MOECAP_PIN_OFFSET(moecap_ffn_desc, intermediate_size, 20);
MOECAP_PIN_OFFSET(moecap_ffn_desc, n_experts, 24);
MOECAP_PIN_OFFSET(moecap_ffn_desc, top_k, 28);
MOECAP_PIN_OFFSET(moecap_ffn_desc, expert_intermediate_size, 32);
MOECAP_PIN_OFFSET(moecap_ffn_desc, router_scoring, 36);
MOECAP_PIN_OFFSET(moecap_ffn_desc, n_group, 40);
MOECAP_PIN_OFFSET(moecap_ffn_desc, topk_group, 44);
MOECAP_PIN_OFFSET(moecap_ffn_desc, n_shared_experts, 48);
MOECAP_PIN_OFFSET(moecap_ffn_desc, shared_expert_intermediate_size, 52);
MOECAP_PIN_OFFSET(moecap_ffn_desc, reserved0, 56);
MOECAP_PIN_OFFSET(moecap_ffn_desc, routed_scaling_factor, 64);
MOECAP_PIN_SIZE(moecap_ffn_desc, 72);

/* moecap_model_desc (model.h) */
MOECAP_PIN_OFFSET(moecap_model_desc, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_model_desc, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_model_desc, name, 8);
MOECAP_PIN_OFFSET(moecap_model_desc, family, 16);
MOECAP_PIN_OFFSET(moecap_model_desc, vocab_size, 24);
MOECAP_PIN_OFFSET(moecap_model_desc, hidden_size, 28);
MOECAP_PIN_OFFSET(moecap_model_desc, n_layers, 32);
MOECAP_PIN_OFFSET(moecap_model_desc, norm_kind, 36);
MOECAP_PIN_OFFSET(moecap_model_desc, norm_eps, 40);
MOECAP_PIN_OFFSET(moecap_model_desc, norm_bias, 48);
MOECAP_PIN_OFFSET(moecap_model_desc, tie_word_embeddings, 49);
MOECAP_PIN_OFFSET(moecap_model_desc, reserved0, 50);
MOECAP_PIN_OFFSET(moecap_model_desc, max_position_embeddings, 52);
MOECAP_PIN_OFFSET(moecap_model_desc, weight_dtype, 56);
MOECAP_PIN_OFFSET(moecap_model_desc, bos_token_id, 60);
MOECAP_PIN_OFFSET(moecap_model_desc, eos_token_id, 64);
MOECAP_PIN_OFFSET(moecap_model_desc, attention, 72);
MOECAP_PIN_OFFSET(moecap_model_desc, layer_ffn, 80);
MOECAP_PIN_SIZE(moecap_model_desc, 88);

/* moecap_model_i (model.h) */
MOECAP_PIN_OFFSET(moecap_model_i, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_model_i, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_model_i, name, 8);
MOECAP_PIN_OFFSET(moecap_model_i, open, 16);
MOECAP_PIN_OFFSET(moecap_model_i, describe, 24);
MOECAP_PIN_OFFSET(moecap_model_i, weight_count, 32);
MOECAP_PIN_OFFSET(moecap_model_i, weight_at, 40);
MOECAP_PIN_OFFSET(moecap_model_i, weight_find, 48);
MOECAP_PIN_OFFSET(moecap_model_i, tokenize, 56);
MOECAP_PIN_OFFSET(moecap_model_i, detokenize, 64);
MOECAP_PIN_OFFSET(moecap_model_i, close, 72);
MOECAP_PIN_SIZE(moecap_model_i, 80);

/* moecap_weight_source_i (model.h) */
MOECAP_PIN_OFFSET(moecap_weight_source_i, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_weight_source_i, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_weight_source_i, context, 8);
MOECAP_PIN_OFFSET(moecap_weight_source_i, count, 16);
MOECAP_PIN_OFFSET(moecap_weight_source_i, at, 24);
MOECAP_PIN_OFFSET(moecap_weight_source_i, find, 32);
MOECAP_PIN_SIZE(moecap_weight_source_i, 40);

/* moecap_device_info (backend.h) */
MOECAP_PIN_OFFSET(moecap_device_info, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_device_info, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_device_info, name, 8);
MOECAP_PIN_OFFSET(moecap_device_info, description, 16);
MOECAP_PIN_OFFSET(moecap_device_info, kind, 24);
MOECAP_PIN_OFFSET(moecap_device_info, reserved0, 28);
MOECAP_PIN_OFFSET(moecap_device_info, memory_bytes, 32);
MOECAP_PIN_SIZE(moecap_device_info, 40);

/* moecap_session_info (backend.h) */
MOECAP_PIN_OFFSET(moecap_session_info, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_session_info, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_session_info, compute_dtype, 8);
MOECAP_PIN_OFFSET(moecap_session_info, kv_dtype, 12);
MOECAP_PIN_OFFSET(moecap_session_info, weight_dtype, 16);
MOECAP_PIN_OFFSET(moecap_session_info, max_sequences, 20);
MOECAP_PIN_OFFSET(moecap_session_info, max_context, 24);
MOECAP_PIN_SIZE(moecap_session_info, 32);

/* moecap_batch (backend.h) */
MOECAP_PIN_OFFSET(moecap_batch, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_batch, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_batch, n_seqs, 8);
MOECAP_PIN_OFFSET(moecap_batch, n_tokens, 12);
MOECAP_PIN_OFFSET(moecap_batch, seq_ids, 16);
MOECAP_PIN_OFFSET(moecap_batch, n_new, 24);
MOECAP_PIN_OFFSET(moecap_batch, pos, 32);
MOECAP_PIN_OFFSET(moecap_batch, logits_mode, 40);
MOECAP_PIN_OFFSET(moecap_batch, token_ids, 48);
MOECAP_PIN_SIZE(moecap_batch, 56);

/* moecap_step_result (backend.h) */
MOECAP_PIN_OFFSET(moecap_step_result, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_step_result, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_step_result, logits, 8);
MOECAP_PIN_OFFSET(moecap_step_result, logits_capacity, 16);
MOECAP_PIN_OFFSET(moecap_step_result, expert_tokens, 24);
MOECAP_PIN_OFFSET(moecap_step_result, expert_stride, 32);
MOECAP_PIN_OFFSET(moecap_step_result, topk_stride, 36);
MOECAP_PIN_OFFSET(moecap_step_result, topk_ids, 40);
MOECAP_PIN_OFFSET(moecap_step_result, seq_status, 48);
MOECAP_PIN_OFFSET(moecap_step_result, device_seconds, 56);
MOECAP_PIN_OFFSET(moecap_step_result, counters, 64);
MOECAP_PIN_OFFSET(moecap_step_result, counters_capacity, 72);
MOECAP_PIN_OFFSET(moecap_step_result, counters_count, 76);
MOECAP_PIN_SIZE(moecap_step_result, 80);

/* moecap_backend_i (backend.h) */
MOECAP_PIN_OFFSET(moecap_backend_i, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_backend_i, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_backend_i, name, 8);
MOECAP_PIN_OFFSET(moecap_backend_i, device_count, 16);
MOECAP_PIN_OFFSET(moecap_backend_i, device_info, 24);
MOECAP_PIN_OFFSET(moecap_backend_i, session_create, 32);
MOECAP_PIN_OFFSET(moecap_backend_i, session_info, 40);
MOECAP_PIN_OFFSET(moecap_backend_i, step, 48);
MOECAP_PIN_OFFSET(moecap_backend_i, sequence_release, 56);
MOECAP_PIN_OFFSET(moecap_backend_i, session_destroy, 64);
MOECAP_PIN_SIZE(moecap_backend_i, 72);

/* moecap_read_rate (ext_session_read_rate.h, extension moecap_ext_moecap_session_read_rate_v1) */
MOECAP_PIN_OFFSET(moecap_read_rate, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_read_rate, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_read_rate, bytes_per_second, 8);
MOECAP_PIN_OFFSET(moecap_read_rate, seconds, 16);
MOECAP_PIN_OFFSET(moecap_read_rate, bytes, 24);
MOECAP_PIN_OFFSET(moecap_read_rate, threads, 32);
MOECAP_PIN_OFFSET(moecap_read_rate, reserved0, 36);
MOECAP_PIN_SIZE(moecap_read_rate, 40);

/* moecap_task_request (task.h) */
MOECAP_PIN_OFFSET(moecap_task_request, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_task_request, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_task_request, doc_id, 8);
MOECAP_PIN_OFFSET(moecap_task_request, kind, 16);
MOECAP_PIN_OFFSET(moecap_task_request, n_continuations, 20);
MOECAP_PIN_OFFSET(moecap_task_request, context, 24);
MOECAP_PIN_OFFSET(moecap_task_request, continuations, 32);
MOECAP_PIN_OFFSET(moecap_task_request, n_until, 40);
MOECAP_PIN_OFFSET(moecap_task_request, max_new_tokens, 44);
MOECAP_PIN_OFFSET(moecap_task_request, until, 48);
MOECAP_PIN_SIZE(moecap_task_request, 56);

/* moecap_task_response (task.h) */
MOECAP_PIN_OFFSET(moecap_task_response, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_task_response, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_task_response, n_continuations, 8);
MOECAP_PIN_OFFSET(moecap_task_response, reserved0, 12);
MOECAP_PIN_OFFSET(moecap_task_response, loglikelihood, 16);
MOECAP_PIN_OFFSET(moecap_task_response, is_greedy, 24);
MOECAP_PIN_OFFSET(moecap_task_response, n_tokens, 32);
MOECAP_PIN_OFFSET(moecap_task_response, generated, 40);
MOECAP_PIN_SIZE(moecap_task_response, 48);

/* moecap_task_metric (task.h) */
MOECAP_PIN_OFFSET(moecap_task_metric, name, 0);
MOECAP_PIN_OFFSET(moecap_task_metric, value, 8);
MOECAP_PIN_OFFSET(moecap_task_metric, stderr_, 16);
MOECAP_PIN_OFFSET(moecap_task_metric, higher_is_better, 24);
MOECAP_PIN_SIZE(moecap_task_metric, 32);

/* moecap_task_i (task.h) */
MOECAP_PIN_OFFSET(moecap_task_i, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_task_i, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_task_i, name, 8);
MOECAP_PIN_OFFSET(moecap_task_i, serial_scoring, 16);
MOECAP_PIN_OFFSET(moecap_task_i, open, 24);
MOECAP_PIN_OFFSET(moecap_task_i, request_count, 32);
MOECAP_PIN_OFFSET(moecap_task_i, request_get, 40);
MOECAP_PIN_OFFSET(moecap_task_i, score, 48);
MOECAP_PIN_OFFSET(moecap_task_i, summary, 56);
MOECAP_PIN_OFFSET(moecap_task_i, close, 64);
MOECAP_PIN_SIZE(moecap_task_i, 72);

/* moecap_field (sink.h) */
MOECAP_PIN_OFFSET(moecap_field, name, 0);
MOECAP_PIN_OFFSET(moecap_field, unit, 8);
MOECAP_PIN_OFFSET(moecap_field, type, 16);
MOECAP_PIN_OFFSET(moecap_field, reserved0, 20);
MOECAP_PIN_OFFSET(moecap_field, int_value, 24);
MOECAP_PIN_OFFSET(moecap_field, double_value, 32);
MOECAP_PIN_OFFSET(moecap_field, string_value, 40);
MOECAP_PIN_SIZE(moecap_field, 48);

/* moecap_record (sink.h) */
MOECAP_PIN_OFFSET(moecap_record, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_record, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_record, type, 8);
MOECAP_PIN_OFFSET(moecap_record, n_fields, 12);
MOECAP_PIN_OFFSET(moecap_record, fields, 16);
MOECAP_PIN_OFFSET(moecap_record, run_id, 24);
MOECAP_PIN_SIZE(moecap_record, 32);

/* moecap_sink_i (sink.h) */
MOECAP_PIN_OFFSET(moecap_sink_i, struct_size, 0);
MOECAP_PIN_OFFSET(moecap_sink_i, abi_minor, 4);
MOECAP_PIN_OFFSET(moecap_sink_i, name, 8);
MOECAP_PIN_OFFSET(moecap_sink_i, open, 16);
MOECAP_PIN_OFFSET(moecap_sink_i, write, 24);
MOECAP_PIN_OFFSET(moecap_sink_i, flush, 32);
MOECAP_PIN_OFFSET(moecap_sink_i, close, 40);
MOECAP_PIN_SIZE(moecap_sink_i, 48);

/* A test executable must link; the pins above did their work at compile time. */
int main(void) { return 0; }
