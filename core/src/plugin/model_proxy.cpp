#include <exception>

#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {
namespace {

moecap_tensor_view empty_view() {
  moecap_tensor_view view{};
  view.struct_size = sizeof(moecap_tensor_view);
  view.abi_minor = MOECAP_ABI_MINOR;
  return view;
}

// ---- the weight source a backend receives: forwards to the model's own table ---------------------------
// These run inside the backend's call, so nothing may escape them: an exception from the model plugin
// becomes an INTERNAL error the backend can return.

const Model& model_of(void* context) {
  return *static_cast<const Model*>(context);
}

moecap_error* error_from_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return make_error(MOECAP_ERR_INTERNAL, e.what());
  } catch (...) {
    return make_error(MOECAP_ERR_INTERNAL, "unknown exception in the model plugin");
  }
}

int64_t source_count(void* context) {
  const Model& model = model_of(context);
  try {
    return model.component().table<moecap_model_i>().weight_count(model.handle());
  } catch (...) {
    model.component().plugin().mark_faulted();
    return 0;
  }
}

// The backend's view may be older or newer than the model's; the model fills what fits the backend's
// struct_size exactly as if the backend had called it directly, so the view is passed through untouched.
moecap_error* source_at(void* context, int64_t index, moecap_tensor_view* out) {
  const Model& model = model_of(context);
  try {
    return model.component().table<moecap_model_i>().weight_at(model.handle(), index, out);
  } catch (...) {
    model.component().plugin().mark_faulted();
    return error_from_exception();
  }
}

moecap_error* source_find(void* context, const char* name, moecap_tensor_view* out) {
  const Model& model = model_of(context);
  try {
    return model.component().table<moecap_model_i>().weight_find(model.handle(), name, out);
  } catch (...) {
    model.component().plugin().mark_faulted();
    return error_from_exception();
  }
}

}  // namespace

Model::Model(ComponentRef component, moecap_model* model) : component_(std::move(component)), model_(model) {
  weight_source_ = moecap_weight_source_i{};
  weight_source_.struct_size = sizeof(moecap_weight_source_i);
  weight_source_.abi_minor = MOECAP_ABI_MINOR;
  weight_source_.context = this;
  weight_source_.count = &source_count;
  weight_source_.at = &source_at;
  weight_source_.find = &source_find;
}

Model::~Model() {
  try {
    component_.guarded("close", [&] { component_.table<moecap_model_i>().close(model_); });
  } catch (const HostException& e) {
    log(MOECAP_LOG_ERROR, "plugins", e.what());
  }
}

const moecap_model_desc& Model::describe() const {
  const moecap_model_desc* desc =
      component_.guarded("describe", [&] { return component_.table<moecap_model_i>().describe(model_); });
  if (desc == nullptr)
    throw HostException(MOECAP_ERR_INTERNAL, component_.describe_call("describe") + ": returned NULL");
  return *desc;
}

int64_t Model::weight_count() const {
  return component_.guarded("weight_count", [&] { return component_.table<moecap_model_i>().weight_count(model_); });
}

moecap_tensor_view Model::weight_at(int64_t index) const {
  moecap_tensor_view view = empty_view();
  component_.guarded("weight_at", [&] {
    component_.check(component_.table<moecap_model_i>().weight_at(model_, index, &view), "weight_at");
  });
  return view;
}

std::optional<moecap_tensor_view> Model::weight_find(const std::string& name) const {
  moecap_tensor_view view = empty_view();
  moecap_error* error = component_.guarded(
      "weight_find", [&] { return component_.table<moecap_model_i>().weight_find(model_, name.c_str(), &view); });
  if (error != nullptr && error_code(error) == MOECAP_ERR_NOT_FOUND) {
    ErrorPtr owned(error);
    return std::nullopt;
  }
  component_.check(error, "weight_find");
  return view;
}

bool Model::has_tokenizer() const {
  const auto& table = component_.table<moecap_model_i>();
  return table.tokenize != nullptr && table.detokenize != nullptr;
}

std::vector<int32_t> Model::tokenize(std::string_view text, bool add_special) const {
  const auto& table = component_.table<moecap_model_i>();
  if (table.tokenize == nullptr)
    throw HostException(MOECAP_ERR_UNSUPPORTED, component_.describe_call("tokenize") + ": the model has no tokenizer");
  // Ask with a guess first; the plugin reports the size it needs when the guess is too small.
  std::vector<int32_t> ids(text.size() + 16);
  size_t count = 0;
  moecap_error* error = component_.guarded("tokenize", [&] {
    return table.tokenize(model_, text.data(), text.size(), add_special, ids.data(), ids.size(), &count);
  });
  if (error != nullptr && count > ids.size()) {
    ErrorPtr owned(error);
    ids.resize(count);
    error = component_.guarded("tokenize", [&] {
      return table.tokenize(model_, text.data(), text.size(), add_special, ids.data(), ids.size(), &count);
    });
  }
  component_.check(error, "tokenize");
  ids.resize(count);
  return ids;
}

std::string Model::detokenize(std::span<const int32_t> ids) const {
  const auto& table = component_.table<moecap_model_i>();
  if (table.detokenize == nullptr)
    throw HostException(MOECAP_ERR_UNSUPPORTED,
                        component_.describe_call("detokenize") + ": the model has no tokenizer");
  std::string text(ids.size() * 8 + 16, '\0');
  size_t length = 0;
  moecap_error* error = component_.guarded("detokenize", [&] {
    return table.detokenize(model_, ids.data(), ids.size(), text.data(), text.size(), &length);
  });
  if (error != nullptr && length > text.size()) {
    ErrorPtr owned(error);
    text.resize(length);
    error = component_.guarded("detokenize", [&] {
      return table.detokenize(model_, ids.data(), ids.size(), text.data(), text.size(), &length);
    });
  }
  component_.check(error, "detokenize");
  text.resize(length);
  return text;
}

ModelProxy::ModelProxy(ComponentRef component) : component_(std::move(component)) {}

std::shared_ptr<Model> ModelProxy::open(const moecap_config* config) const {
  moecap_model* handle = nullptr;
  component_.guarded("open", [&] {
    component_.check(component_.table<moecap_model_i>().open(component_.component().context, config, &handle), "open");
  });
  if (handle == nullptr)
    throw HostException(MOECAP_ERR_INTERNAL, component_.describe_call("open") + ": succeeded but returned no model");
  return std::make_shared<Model>(component_, handle);
}

}  // namespace moecap::host
