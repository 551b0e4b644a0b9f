#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

// ---------------------------------------------------------------------------------------------- session

Session::Session(ComponentRef component, std::shared_ptr<const Model> model, moecap_session* session)
    : component_(std::move(component)), model_(std::move(model)), session_(session) {}

Session::~Session() {
  try {
    destroy();
  } catch (const HostException& e) {
    log(MOECAP_LOG_ERROR, "plugins", e.what());
  }
}

Session::Session(Session&& other) noexcept
    : component_(std::move(other.component_)), model_(std::move(other.model_)), session_(other.session_) {
  other.session_ = nullptr;
}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    try {
      destroy();
    } catch (const HostException& e) {
      log(MOECAP_LOG_ERROR, "plugins", e.what());
    }
    component_ = std::move(other.component_);
    model_ = std::move(other.model_);
    session_ = other.session_;
    other.session_ = nullptr;
  }
  return *this;
}

void Session::destroy() {
  if (session_ == nullptr) return;
  moecap_session* session = session_;
  session_ = nullptr;
  // The session goes before the model it reads weights from: model_ is released after this returns.
  component_.guarded("session_destroy", [&] { component_.table<moecap_backend_i>().session_destroy(session); });
}

moecap_session_info Session::info() {
  moecap_session_info info{};
  info.struct_size = sizeof info;
  info.abi_minor = MOECAP_ABI_MINOR;
  component_.guarded("session_info", [&] {
    component_.check(component_.table<moecap_backend_i>().session_info(session_, &info), "session_info");
  });
  return info;
}

void Session::step(const moecap_batch& batch, moecap_step_result& result) {
  component_.guarded(
      "step", [&] { component_.check(component_.table<moecap_backend_i>().step(session_, &batch, &result), "step"); });
}

std::optional<moecap_read_rate> Session::read_rate() {
  const auto entry = reinterpret_cast<moecap_ext_session_read_rate_v1_fn>(
      component_.plugin().proc_address(MOECAP_EXT_SESSION_READ_RATE_V1));
  if (entry == nullptr) return std::nullopt;
  moecap_read_rate rate{};
  rate.struct_size = sizeof rate;
  rate.abi_minor = MOECAP_ABI_MINOR;
  try {
    component_.guarded(MOECAP_EXT_SESSION_READ_RATE_V1,
                       [&] { component_.check(entry(session_, &rate), MOECAP_EXT_SESSION_READ_RATE_V1); });
  } catch (const HostException& e) {
    if (e.code() == MOECAP_ERR_UNSUPPORTED) return std::nullopt;  // the plugin has it, this session cannot
    throw;
  }
  return rate;
}

void Session::release(int64_t seq_id) {
  component_.guarded("sequence_release", [&] {
    component_.check(component_.table<moecap_backend_i>().sequence_release(session_, seq_id),
                     "sequence_release " + std::to_string(seq_id));
  });
}

// ---------------------------------------------------------------------------------------------- backend

BackendProxy::BackendProxy(ComponentRef component) : component_(std::move(component)) {}

int32_t BackendProxy::device_count() const {
  return component_.guarded("device_count", [&] {
    return component_.table<moecap_backend_i>().device_count(component_.component().context);
  });
}

DeviceInfo BackendProxy::device_info(int32_t index) const {
  moecap_device_info info{};
  info.struct_size = sizeof info;
  info.abi_minor = MOECAP_ABI_MINOR;
  component_.guarded("device_info", [&] {
    component_.check(component_.table<moecap_backend_i>().device_info(component_.component().context, index, &info),
                     "device_info " + std::to_string(index));
  });
  // Strings are copied at once (ABI-7): the proxy's caller may keep them past the plugin's lifetime.
  return DeviceInfo{info.name != nullptr ? info.name : "", info.description != nullptr ? info.description : "",
                    info.kind, info.memory_bytes};
}

std::vector<DeviceInfo> BackendProxy::devices() const {
  std::vector<DeviceInfo> devices;
  const int32_t count = device_count();
  for (int32_t i = 0; i < count; ++i) devices.push_back(device_info(i));
  return devices;
}

Session BackendProxy::create_session(std::shared_ptr<const Model> model, const moecap_config* config) const {
  if (!model) throw HostException(MOECAP_ERR_INVALID_ARG, component_.describe_call("session_create") + ": no model");
  moecap_session* session = nullptr;
  component_.guarded("session_create", [&] {
    component_.check(component_.table<moecap_backend_i>().session_create(
                         component_.component().context, &model->describe(), &model->weight_source(), config, &session),
                     "session_create");
  });
  if (session == nullptr)
    throw HostException(MOECAP_ERR_INTERNAL,
                        component_.describe_call("session_create") + ": succeeded but returned no session");
  return Session(component_, std::move(model), session);
}

}  // namespace moecap::host
