#include "plugin_harness.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "moecap/host/host_services.hpp"
#include "support/direct_plugin.hpp"

namespace moecap::test {
namespace {

const DirectPlugin& synthetic_plugin() {
  static DirectPlugin plugin(MOECAP_TEST_SYNTHETIC_MODEL_PATH);
  return plugin;
}
const DirectPlugin& reference_plugin() {
  static DirectPlugin plugin(MOECAP_TEST_REFERENCE_BACKEND_PATH);
  return plugin;
}

const moecap_model_i& model_table(void** context) {
  return synthetic_plugin().table<moecap_model_i>(MOECAP_KIND_MODEL, context);
}
const moecap_backend_i& backend_table(void** context) {
  return reference_plugin().table<moecap_backend_i>(MOECAP_KIND_BACKEND, context);
}

std::string take_message(moecap_error* error, int32_t* code) {
  if (code != nullptr) *code = host::error_code(error);
  if (error == nullptr) return "";
  std::string message = host::error_message(error);
  host::ErrorDeleter{}(error);
  return message.empty() ? "(empty message)" : message;
}

void throw_if(moecap_error* error, const std::string& what) {
  if (error != nullptr) throw std::runtime_error(what + ": " + take_message(error, nullptr));
}

moecap_tensor_view empty_view() {
  moecap_tensor_view view;
  std::memset(&view, 0, sizeof view);
  view.struct_size = sizeof view;
  return view;
}

}  // namespace

PluginConfig::PluginConfig(const std::string& toml_text, const std::string& source_name)
    : PluginConfig(toml::parse(toml_text, source_name), source_name) {}

PluginConfig::PluginConfig(toml::table table, const std::string& source_name)
    : table_(std::make_unique<toml::table>(std::move(table))),
      view_(std::make_unique<host::ConfigView>(table_.get(), source_name, "model")) {}

PluginConfig PluginConfig::from_preset(const std::string& preset_path, int64_t seed, const std::string& dtype) {
  toml::table root;
  root.insert("seed", seed);
  root.insert("dtype", dtype);
  root.insert("description", toml::parse_file(preset_path));
  return PluginConfig(std::move(root), preset_path);
}

std::string model_preset(const std::string& file_name) {
  return std::string(MOECAP_TEST_MODEL_PRESET_DIR) + "/" + file_name;
}

SyntheticModel::SyntheticModel(const PluginConfig& config) {
  void* context = nullptr;
  const moecap_model_i& table = model_table(&context);
  throw_if(table.open(context, config.get(), &model_), "opening the synthetic model");
  source_.struct_size = sizeof source_;
  source_.abi_minor = MOECAP_ABI_MINOR;
  source_.context = this;
  source_.count = [](void* self) {
    return model_table(nullptr).weight_count(static_cast<SyntheticModel*>(self)->model_);
  };
  source_.at = [](void* self, int64_t index, moecap_tensor_view* out) {
    return model_table(nullptr).weight_at(static_cast<SyntheticModel*>(self)->model_, index, out);
  };
  source_.find = [](void* self, const char* name, moecap_tensor_view* out) {
    return model_table(nullptr).weight_find(static_cast<SyntheticModel*>(self)->model_, name, out);
  };
}

SyntheticModel::~SyntheticModel() {
  if (model_ != nullptr) model_table(nullptr).close(model_);
}

const moecap_model_desc& SyntheticModel::desc() const {
  return *model_table(nullptr).describe(model_);
}

moecap_tensor_view SyntheticModel::weight(const std::string& name) const {
  moecap_tensor_view view = empty_view();
  throw_if(model_table(nullptr).weight_find(model_, name.c_str(), &view), "weight " + name);
  return view;
}

std::vector<moecap_tensor_view> SyntheticModel::all_weights() const {
  const moecap_model_i& table = model_table(nullptr);
  std::vector<moecap_tensor_view> out;
  for (int64_t i = 0; i < table.weight_count(model_); ++i) {
    out.push_back(empty_view());
    throw_if(table.weight_at(model_, i, &out.back()), "weight_at");
  }
  return out;
}

std::string SyntheticModel::open_error(const PluginConfig& config, int32_t* code) {
  void* context = nullptr;
  const moecap_model_i& table = model_table(&context);
  moecap_model* model = nullptr;
  moecap_error* error = table.open(context, config.get(), &model);
  if (model != nullptr) table.close(model);
  return take_message(error, code);
}

ReferenceSession::ReferenceSession(const SyntheticModel& model, const std::string& config_toml)
    : ReferenceSession(model.desc(), model.source(), config_toml) {}

ReferenceSession::ReferenceSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights,
                                   const std::string& config_toml)
    : backend_(backend_table(nullptr)), desc_(desc) {
  void* context = nullptr;
  backend_table(&context);
  const PluginConfig config(config_toml, "backend.toml");
  throw_if(backend_.session_create(context, &desc, &weights, config.get(), &session_), "creating a reference session");
  for (int32_t layer = 0; layer < desc_.n_layers; ++layer) {
    const moecap_ffn_desc& ffn = *desc_.layer_ffn[layer];
    if (ffn.kind != MOECAP_FFN_MOE) continue;
    expert_stride_ = std::max(expert_stride_, ffn.n_experts);
    topk_stride_ = std::max(topk_stride_, ffn.top_k);
  }
}

ReferenceSession::~ReferenceSession() {
  if (session_ != nullptr) backend_.session_destroy(session_);
}

std::string ReferenceSession::create_error(const SyntheticModel& model, int32_t* code, const std::string& config_toml) {
  void* context = nullptr;
  const moecap_backend_i& backend = backend_table(&context);
  const PluginConfig config(config_toml, "backend.toml");
  moecap_session* session = nullptr;
  moecap_error* error = backend.session_create(context, &model.desc(), &model.source(), config.get(), &session);
  if (session != nullptr) backend.session_destroy(session);
  return take_message(error, code);
}

StepOutput ReferenceSession::step(const std::vector<SequenceInput>& sequences) {
  host::StepArrays arrays(sequences, desc_, expert_stride_, topk_stride_);
  throw_if(backend_.step(session_, &arrays.batch(), &arrays.result()), "step");
  return arrays.take();
}

int32_t ReferenceSession::release(int64_t seq_id) {
  int32_t code = 0;
  take_message(backend_.sequence_release(session_, seq_id), &code);
  return code;
}

moecap_session_info ReferenceSession::info() {
  moecap_session_info info;
  std::memset(&info, 0, sizeof info);
  info.struct_size = sizeof info;
  throw_if(backend_.session_info(session_, &info), "session_info");
  return info;
}

}  // namespace moecap::test
