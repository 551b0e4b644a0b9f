// Typed C++ proxies over the plugins' C tables: the only way core code calls into a plugin.
//
// Each proxy (BackendProxy, ModelProxy, TaskProxy, SinkProxy) stands for one component of a loaded plugin;
// each object it makes (Model, Session, Task, Sink) owns one plugin-made handle and destroys it through the
// plugin's own table (O1). All of them hold a shared_ptr to the LoadedPlugin, so the library stays loaded
// and the plugin's fini waits until the last of them is gone (O4, O8).
//
// Errors a plugin returns become HostException("<kind> '<name>' <call>: <plugin's message>") with the
// plugin's code. An exception that escapes a plugin (a C++ plugin without the firewall) is caught as a last
// line of defence: the plugin is marked faulted and a HostException with MOECAP_ERR_INTERNAL is thrown.
//
// Threading follows the SDK headers: a Session, a Sink and a Task are used from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moecap/ext_session_read_rate.h"
#include "moecap/host/host_services.hpp"
#include "moecap/host/plugin_loader.hpp"

namespace moecap::host {

/// One component of a loaded plugin, kept alive together with its library.
class ComponentRef {
 public:
  ComponentRef() = default;
  ComponentRef(std::shared_ptr<const LoadedPlugin> plugin, const ComponentInfo* component);

  explicit operator bool() const { return component_ != nullptr; }
  const LoadedPlugin& plugin() const { return *plugin_; }
  const std::shared_ptr<const LoadedPlugin>& plugin_ptr() const { return plugin_; }
  const ComponentInfo& component() const { return *component_; }
  PluginKind kind() const { return component_->kind; }
  const std::string& name() const { return component_->name; }
  template <class Table>
  const Table& table() const {
    return *static_cast<const Table*>(component_->table);
  }

  /// "<kind> '<name>' <call>", the prefix of every error message about this component.
  std::string describe_call(std::string_view call) const;

  /// Runs f, the plugin call; lets HostException through and turns anything else that escaped the plugin
  /// into a HostException (INTERNAL), marking the plugin faulted.
  template <class F>
  decltype(auto) guarded(std::string_view call, F&& f) const {
    try {
      return std::forward<F>(f)();
    } catch (const HostException&) {
      throw;
    } catch (...) {
      escaped(call);
    }
  }
  /// Takes ownership of error and throws HostException(describe_call(call) + ": " + message) when set.
  void check(moecap_error* error, std::string_view call) const;

 private:
  [[noreturn]] void escaped(std::string_view call) const;

  std::shared_ptr<const LoadedPlugin> plugin_;
  const ComponentInfo* component_ = nullptr;
};

// ------------------------------------------------------------------------------------------------ model

/// An opened model (checkpoint). Not movable: the weight source handed to backends points at it. Shared by
/// the sessions made from it, so it is closed only after the last of them is destroyed.
class Model {
 public:
  Model(ComponentRef component, moecap_model* model);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ComponentRef& component() const { return component_; }
  /// The plugin's handle, for code that calls the C table itself (the weight source does).
  moecap_model* handle() const { return model_; }
  const moecap_model_desc& describe() const;
  int64_t weight_count() const;
  /// The view of weight index (0 <= index < weight_count()).
  moecap_tensor_view weight_at(int64_t index) const;
  /// nullopt when the model has no weight of that canonical name.
  std::optional<moecap_tensor_view> weight_find(const std::string& name) const;
  /// The host's forwarding table a backend reads weights through (moecap/model.h); lives as long as this.
  const moecap_weight_source_i& weight_source() const { return weight_source_; }

  bool has_tokenizer() const;
  std::vector<int32_t> tokenize(std::string_view text, bool add_special) const;
  std::string detokenize(std::span<const int32_t> ids) const;

 private:
  ComponentRef component_;
  moecap_model* model_;
  moecap_weight_source_i weight_source_;
};

class ModelProxy {
 public:
  explicit ModelProxy(ComponentRef component);
  const ComponentRef& component() const { return component_; }
  const std::string& name() const { return component_.name(); }
  /// Opens a model from the plugin's configuration sub-table (may be nullptr: an empty configuration).
  std::shared_ptr<Model> open(const moecap_config* config) const;

 private:
  ComponentRef component_;
};

// ---------------------------------------------------------------------------------------------- backend

struct DeviceInfo {
  std::string name;
  std::string description;
  int32_t kind = 0;  ///< moecap_device_kind
  uint64_t memory_bytes = 0;
};

/// One backend session (a model loaded with its KV cache). Move-only; destroyed through the plugin.
class Session {
 public:
  Session(ComponentRef component, std::shared_ptr<const Model> model, moecap_session* session);
  ~Session();
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const ComponentRef& component() const { return component_; }
  const Model& model() const { return *model_; }
  moecap_session_info info();
  /// Runs one step; batch and result follow moecap/backend.h (the host allocates every array of result).
  void step(const moecap_batch& batch, moecap_step_result& result);
  void release(int64_t seq_id);
  /// One read pass over the memory the session's weights lie in, through the plugin's extension
  /// moecap_ext_moecap_session_read_rate_v1 (moecap/ext_session_read_rate.h); nullopt when the plugin does not
  /// offer it or answers UNSUPPORTED for this session. Between steps only, like every call on a session.
  std::optional<moecap_read_rate> read_rate();
  /// Destroys the session now (the destructor does it otherwise).
  void destroy();

 private:
  ComponentRef component_;
  std::shared_ptr<const Model> model_;
  moecap_session* session_;
};

class BackendProxy {
 public:
  explicit BackendProxy(ComponentRef component);
  const ComponentRef& component() const { return component_; }
  const std::string& name() const { return component_.name(); }
  int32_t device_count() const;
  DeviceInfo device_info(int32_t index) const;
  std::vector<DeviceInfo> devices() const;
  /// Creates a session for model; the model stays open at least as long as the session.
  Session create_session(std::shared_ptr<const Model> model, const moecap_config* config) const;

 private:
  ComponentRef component_;
};

// ------------------------------------------------------------------------------------------------- sink

/// An open sink. Move-only. close() reports errors; the destructor closes silently (logging a failure).
class Sink {
 public:
  Sink(ComponentRef component, moecap_sink* sink);
  ~Sink();
  Sink(Sink&& other) noexcept;
  Sink& operator=(Sink&& other) noexcept;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  const ComponentRef& component() const { return component_; }
  void write(const moecap_record& record);
  void flush();
  void close();
  bool is_open() const { return sink_ != nullptr; }

 private:
  ComponentRef component_;
  moecap_sink* sink_;
};

class SinkProxy {
 public:
  explicit SinkProxy(ComponentRef component);
  const ComponentRef& component() const { return component_; }
  const std::string& name() const { return component_.name(); }
  Sink open(const moecap_config* config) const;

 private:
  ComponentRef component_;
};

// ------------------------------------------------------------------------------------------------- task

/// An open task (dataset). Move-only; closed through the plugin.
class Task {
 public:
  Task(ComponentRef component, moecap_task* task);
  ~Task();
  Task(Task&& other) noexcept;
  Task& operator=(Task&& other) noexcept;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  const ComponentRef& component() const { return component_; }
  bool serial_scoring() const;
  int64_t request_count() const;
  /// The request of document index; its pointers live until the task is closed.
  moecap_task_request request(int64_t index) const;
  void score(int64_t index, const moecap_task_response& response);
  std::vector<moecap_task_metric> summary();
  void close();

 private:
  ComponentRef component_;
  moecap_task* task_;
};

class TaskProxy {
 public:
  explicit TaskProxy(ComponentRef component);
  const ComponentRef& component() const { return component_; }
  const std::string& name() const { return component_.name(); }
  Task open(const moecap_config* config) const;

 private:
  ComponentRef component_;
};

}  // namespace moecap::host
