// moecap SDK C++ layer — write a plugin as C++ classes; this header fills the C tables.
//
//   class MyBackend : public moecap::Backend { ... };
//   MOECAP_DEFINE_PLUGIN("my", "1.0.0", "Me Inc.", [] {
//     moecap::Components c; c.push_back(std::make_unique<MyBackend>()); return c; })
//
// Every trampoline below runs the C++ code inside the exception firewall, so no exception crosses the ABI.
// Objects handed to the host (sessions, models, tasks, sinks) are the C++ objects themselves, cast to the
// opaque C handle types.
#pragma once

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "moecap/cpp/config.hpp"
#include "moecap/cpp/host.hpp"
#include "moecap/ext_session_read_rate.h"

namespace moecap {
inline namespace abi1 {

/// Anything a plugin library offers: a backend, a model loader, a task or a sink.
class Component {
 public:
  virtual ~Component() = default;
  virtual int32_t kind() const = 0;
  virtual const void* table() const = 0;
};
using Components = std::vector<std::unique_ptr<Component>>;

// ---------------------------------------------------------------------------------------------- backend

/// One loaded model with its KV cache. step/release/info are never called concurrently on one session.
class Session {
 public:
  virtual ~Session() = default;
  virtual void info(moecap_session_info& out) = 0;
  virtual void step(const moecap_batch& batch, moecap_step_result& result) = 0;
  virtual void release(int64_t seq_id) = 0;
  /// Extension moecap_ext_moecap_session_read_rate_v1 (moecap/ext_session_read_rate.h): read every weight the
  /// steps may read once, on the steps' threads, and fill bytes_per_second, seconds, bytes and threads. Reached
  /// only when the plugin's get_proc_address returns extensions::session_read_rate_v1() for that name
  /// (MOECAP_DEFINE_PLUGIN_WITH_EXTENSIONS); the default says the session cannot.
  virtual void read_rate(moecap_read_rate& out) {
    (void)out;
    throw Error(MOECAP_ERR_UNSUPPORTED, "this session cannot report the read rate of its weight memory");
  }
};

namespace extensions {

/// The C entry of moecap_ext_moecap_session_read_rate_v1 for sessions made by a moecap::Backend: checks the
/// arguments and calls Session::read_rate inside the exception firewall. For a plugin's get_proc_address.
inline void* session_read_rate_v1() {
  moecap_ext_session_read_rate_v1_fn entry = [](moecap_session* s, moecap_read_rate* out) -> moecap_error* {
    MOECAP_TRY {
      if (s == nullptr || out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "session_read_rate: NULL argument");
      if (out->struct_size < sizeof(moecap_read_rate))
        throw Error(MOECAP_ERR_INVALID_ARG, "session_read_rate: struct_size is smaller than ABI 1.0's");
      reinterpret_cast<Session*>(s)->read_rate(*out);
      out->abi_minor = MOECAP_ABI_MINOR;
      out->reserved0 = 0;
    }
    MOECAP_CATCH
    return nullptr;
  };
  return reinterpret_cast<void*>(entry);
}

}  // namespace extensions

class Backend : public Component {
 public:
  explicit Backend(const char* name) {
    std::memset(&table_, 0, sizeof table_);
    table_.struct_size = sizeof table_;
    table_.abi_minor = MOECAP_ABI_MINOR;
    table_.name = name;
    table_.device_count = [](void* ctx) -> int32_t {
      try {
        return static_cast<Backend*>(ctx)->device_count();
      } catch (...) {
        return 0;
      }
    };
    table_.device_info = [](void* ctx, int32_t index, moecap_device_info* out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "device_info: out is NULL");
        static_cast<Backend*>(ctx)->device_info(index, *out);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.session_create = [](void* ctx, const moecap_model_desc* model, const moecap_weight_source_i* weights,
                               const moecap_config* config, moecap_session** out) -> moecap_error* {
      MOECAP_TRY {
        if (model == nullptr || weights == nullptr || out == nullptr)
          throw Error(MOECAP_ERR_INVALID_ARG, "session_create: model, weights and out must not be NULL");
        *out = reinterpret_cast<moecap_session*>(
            static_cast<Backend*>(ctx)->create_session(*model, *weights, Config(config)).release());
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.session_info = [](moecap_session* s, moecap_session_info* out) -> moecap_error* {
      MOECAP_TRY {
        if (s == nullptr || out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "session_info: NULL argument");
        reinterpret_cast<Session*>(s)->info(*out);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.step = [](moecap_session* s, const moecap_batch* batch, moecap_step_result* result) -> moecap_error* {
      MOECAP_TRY {
        if (s == nullptr || batch == nullptr || result == nullptr)
          throw Error(MOECAP_ERR_INVALID_ARG, "step: NULL argument");
        reinterpret_cast<Session*>(s)->step(*batch, *result);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.sequence_release = [](moecap_session* s, int64_t seq_id) -> moecap_error* {
      MOECAP_TRY {
        if (s == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "sequence_release: NULL session");
        reinterpret_cast<Session*>(s)->release(seq_id);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.session_destroy = [](moecap_session* s) { delete reinterpret_cast<Session*>(s); };
  }
  int32_t kind() const override { return MOECAP_KIND_BACKEND; }
  const void* table() const override { return &table_; }

  virtual int32_t device_count() = 0;
  virtual void device_info(int32_t index, moecap_device_info& out) = 0;
  virtual std::unique_ptr<Session> create_session(const moecap_model_desc& model, const moecap_weight_source_i& weights,
                                                  Config config) = 0;

 private:
  moecap_backend_i table_;
};

// ------------------------------------------------------------------------------------------------ model

/// An opened checkpoint. Read-only after construction, so its members may be called concurrently.
class ModelObject {
 public:
  virtual ~ModelObject() = default;
  virtual const moecap_model_desc& describe() const = 0;
  virtual int64_t weight_count() const = 0;
  virtual void weight_at(int64_t index, moecap_tensor_view& out) const = 0;
  /// Returns false when no weight has that name.
  virtual bool weight_find(const char* name, moecap_tensor_view& out) const = 0;
  /// Tokenizer; the default says the model has none.
  virtual std::vector<int32_t> tokenize(const std::string& text, bool add_special) const {
    (void)text, (void)add_special;
    throw Error(MOECAP_ERR_UNSUPPORTED, "this model has no tokenizer");
  }
  virtual std::string detokenize(const int32_t* ids, size_t n) const {
    (void)ids, (void)n;
    throw Error(MOECAP_ERR_UNSUPPORTED, "this model has no tokenizer");
  }
};

class ModelLoader : public Component {
 public:
  explicit ModelLoader(const char* name) {
    std::memset(&table_, 0, sizeof table_);
    table_.struct_size = sizeof table_;
    table_.abi_minor = MOECAP_ABI_MINOR;
    table_.name = name;
    table_.open = [](void* ctx, const moecap_config* config, moecap_model** out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "open: out is NULL");
        *out = reinterpret_cast<moecap_model*>(static_cast<ModelLoader*>(ctx)->open(Config(config)).release());
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.describe = [](const moecap_model* m) -> const moecap_model_desc* {
      return &reinterpret_cast<const ModelObject*>(m)->describe();
    };
    table_.weight_count = [](const moecap_model* m) -> int64_t {
      return reinterpret_cast<const ModelObject*>(m)->weight_count();
    };
    table_.weight_at = [](const moecap_model* m, int64_t index, moecap_tensor_view* out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "weight_at: out is NULL");
        auto* model = reinterpret_cast<const ModelObject*>(m);
        if (index < 0 || index >= model->weight_count())
          throw Error(MOECAP_ERR_INVALID_ARG, "weight_at: index " + std::to_string(index) + " out of range");
        model->weight_at(index, *out);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.weight_find = [](const moecap_model* m, const char* name, moecap_tensor_view* out) -> moecap_error* {
      MOECAP_TRY {
        if (name == nullptr || out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "weight_find: NULL argument");
        if (!reinterpret_cast<const ModelObject*>(m)->weight_find(name, *out))
          throw Error(MOECAP_ERR_NOT_FOUND, std::string("no weight named '") + name + "'");
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.tokenize = [](const moecap_model* m, const char* text, size_t len, bool add_special, int32_t* ids,
                         size_t capacity, size_t* count) -> moecap_error* {
      MOECAP_TRY {
        if (count == nullptr || (text == nullptr && len > 0))
          throw Error(MOECAP_ERR_INVALID_ARG, "tokenize: NULL argument");
        auto tokens = reinterpret_cast<const ModelObject*>(m)->tokenize(std::string(text, len), add_special);
        *count = tokens.size();
        if (tokens.size() > capacity)
          throw Error(MOECAP_ERR_INVALID_ARG, "tokenize: " + std::to_string(tokens.size()) +
                                                  " ids do not fit in capacity " + std::to_string(capacity));
        if (!tokens.empty()) std::memcpy(ids, tokens.data(), tokens.size() * sizeof(int32_t));
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.detokenize = [](const moecap_model* m, const int32_t* ids, size_t n, char* text, size_t capacity,
                           size_t* length) -> moecap_error* {
      MOECAP_TRY {
        if (length == nullptr || (ids == nullptr && n > 0))
          throw Error(MOECAP_ERR_INVALID_ARG, "detokenize: NULL argument");
        auto s = reinterpret_cast<const ModelObject*>(m)->detokenize(ids, n);
        *length = s.size();
        if (s.size() > capacity)
          throw Error(MOECAP_ERR_INVALID_ARG, "detokenize: " + std::to_string(s.size()) +
                                                  " bytes do not fit in capacity " + std::to_string(capacity));
        if (!s.empty()) std::memcpy(text, s.data(), s.size());
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.close = [](moecap_model* m) { delete reinterpret_cast<ModelObject*>(m); };
  }
  int32_t kind() const override { return MOECAP_KIND_MODEL; }
  const void* table() const override { return &table_; }

  virtual std::unique_ptr<ModelObject> open(Config config) = 0;

 private:
  moecap_model_i table_;
};

// ------------------------------------------------------------------------------------------------- sink

class SinkObject {
 public:
  virtual ~SinkObject() = default;
  virtual void write(const moecap_record& record) = 0;
  virtual void flush() = 0;
  /// Called once before destruction; errors reported here reach the user.
  virtual void close() { flush(); }
};

class Sink : public Component {
 public:
  explicit Sink(const char* name) {
    std::memset(&table_, 0, sizeof table_);
    table_.struct_size = sizeof table_;
    table_.abi_minor = MOECAP_ABI_MINOR;
    table_.name = name;
    table_.open = [](void* ctx, const moecap_config* config, moecap_sink** out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "open: out is NULL");
        *out = reinterpret_cast<moecap_sink*>(static_cast<Sink*>(ctx)->open(Config(config)).release());
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.write = [](moecap_sink* s, const moecap_record* record) -> moecap_error* {
      MOECAP_TRY {
        if (s == nullptr || record == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "write: NULL argument");
        reinterpret_cast<SinkObject*>(s)->write(*record);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.flush = [](moecap_sink* s) -> moecap_error* {
      MOECAP_TRY {
        if (s == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "flush: NULL sink");
        reinterpret_cast<SinkObject*>(s)->flush();
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.close = [](moecap_sink* s) -> moecap_error* {
      std::unique_ptr<SinkObject> owned(reinterpret_cast<SinkObject*>(s));
      MOECAP_TRY {
        if (owned) owned->close();
      }
      MOECAP_CATCH
      return nullptr;
    };
  }
  int32_t kind() const override { return MOECAP_KIND_SINK; }
  const void* table() const override { return &table_; }

  virtual std::unique_ptr<SinkObject> open(Config config) = 0;

 private:
  moecap_sink_i table_;
};

// ------------------------------------------------------------------------------------------------- task

class TaskObject {
 public:
  virtual ~TaskObject() = default;
  virtual int64_t request_count() const = 0;
  virtual void request_get(int64_t index, moecap_task_request& out) const = 0;
  virtual void score(int64_t index, const moecap_task_response& response) = 0;
  virtual std::vector<moecap_task_metric> summary() = 0;
};

class Task : public Component {
 public:
  Task(const char* name, bool serial_scoring) {
    std::memset(&table_, 0, sizeof table_);
    table_.struct_size = sizeof table_;
    table_.abi_minor = MOECAP_ABI_MINOR;
    table_.name = name;
    table_.serial_scoring = serial_scoring;
    table_.open = [](void* ctx, const moecap_config* config, moecap_task** out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "open: out is NULL");
        *out = reinterpret_cast<moecap_task*>(static_cast<Task*>(ctx)->open(Config(config)).release());
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.request_count = [](const moecap_task* t) -> int64_t {
      return reinterpret_cast<const TaskObject*>(t)->request_count();
    };
    table_.request_get = [](const moecap_task* t, int64_t index, moecap_task_request* out) -> moecap_error* {
      MOECAP_TRY {
        if (out == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "request_get: out is NULL");
        reinterpret_cast<const TaskObject*>(t)->request_get(index, *out);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.score = [](moecap_task* t, int64_t index, const moecap_task_response* response) -> moecap_error* {
      MOECAP_TRY {
        if (response == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "score: response is NULL");
        reinterpret_cast<TaskObject*>(t)->score(index, *response);
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.summary = [](moecap_task* t, moecap_task_metric* metrics, size_t capacity, size_t* count) -> moecap_error* {
      MOECAP_TRY {
        if (count == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "summary: count is NULL");
        auto all = reinterpret_cast<TaskObject*>(t)->summary();
        *count = all.size();
        for (size_t i = 0; i < all.size() && i < capacity; ++i) metrics[i] = all[i];
      }
      MOECAP_CATCH
      return nullptr;
    };
    table_.close = [](moecap_task* t) { delete reinterpret_cast<TaskObject*>(t); };
  }
  int32_t kind() const override { return MOECAP_KIND_TASK; }
  const void* table() const override { return &table_; }

  virtual std::unique_ptr<TaskObject> open(Config config) = 0;

 private:
  moecap_task_i table_;
};

// ---------------------------------------------------------------------------------------- entry points

namespace detail {

/// The negotiate half every C++ plugin shares: announce the ABI this header describes.
inline int32_t negotiate(moecap_negotiation* io, moecap_plugin_init_fn init) {
  if (io == nullptr || io->struct_size < sizeof(moecap_negotiation)) return 1;
  io->struct_size = sizeof(moecap_negotiation);
  io->plugin_abi_major = MOECAP_ABI_MAJOR;
  io->plugin_abi_minor = MOECAP_ABI_MINOR;
  io->init = init;
  return 0;
}

/// The init half: keep the host, build the components, describe them.
inline moecap_error* init(const moecap_host_api* host_api, moecap_plugin_desc* desc, const char* name,
                          const char* version, const char* vendor, Components* (*build)(),
                          void* (*proc_address)(const char*) = nullptr) {
  host_slot() = host_api;
  MOECAP_TRY {
    if (desc == nullptr) throw Error(MOECAP_ERR_INVALID_ARG, "init: desc is NULL");
    Components* components = build();
    if (components->size() > desc->component_capacity)
      throw Error(MOECAP_ERR_ABI, "plugin offers " + std::to_string(components->size()) +
                                      " components; the host has room for " + std::to_string(desc->component_capacity));
    desc->abi_minor = MOECAP_ABI_MINOR;
    desc->name = name;
    desc->version = version;
    desc->vendor = vendor;
    desc->build_info = "C++ SDK " MOECAP_SDK_VERSION;
    desc->get_proc_address = proc_address;
    desc->component_count = static_cast<uint32_t>(components->size());
    for (size_t i = 0; i < components->size(); ++i) {
      desc->components[i].kind = (*components)[i]->kind();
      desc->components[i].reserved = 0;
      desc->components[i].table = (*components)[i]->table();
      desc->components[i].context = (*components)[i].get();
    }
  }
  MOECAP_CATCH
  return nullptr;
}

}  // namespace detail
}  // namespace abi1
}  // namespace moecap

/// Defines the plugin's entry points. factory is an expression callable with no arguments that returns
/// moecap::Components; it runs inside init, so throwing from it is reported as an init failure.
#define MOECAP_DEFINE_PLUGIN(NAME, VERSION, VENDOR, FACTORY) \
  MOECAP_DEFINE_PLUGIN_WITH_EXTENSIONS(NAME, VERSION, VENDOR, FACTORY, nullptr)

/// The same for a plugin that offers extensions (ABI-10): proc_address is a `void* (*)(const char* name)` that
/// returns an extension's entry by name (e.g. moecap::extensions::session_read_rate_v1() for
/// MOECAP_EXT_SESSION_READ_RATE_V1) and nullptr for every other name. It must be thread-safe.
#define MOECAP_DEFINE_PLUGIN_WITH_EXTENSIONS(NAME, VERSION, VENDOR, FACTORY, PROC_ADDRESS)                       \
  namespace {                                                                                                    \
  ::moecap::Components* moecap_plugin_components_ = nullptr;                                                     \
  ::moecap::Components* moecap_plugin_build_() {                                                                 \
    if (moecap_plugin_components_ == nullptr) moecap_plugin_components_ = new ::moecap::Components((FACTORY)()); \
    return moecap_plugin_components_;                                                                            \
  }                                                                                                              \
  void moecap_plugin_fini_() {                                                                                   \
    delete moecap_plugin_components_;                                                                            \
    moecap_plugin_components_ = nullptr;                                                                         \
  }                                                                                                              \
  moecap_error* moecap_plugin_init_(const moecap_host_api* host, moecap_plugin_desc* desc) {                     \
    moecap_error* e =                                                                                            \
        ::moecap::detail::init(host, desc, NAME, VERSION, VENDOR, &moecap_plugin_build_, (PROC_ADDRESS));        \
    if (e == nullptr) desc->fini = &moecap_plugin_fini_;                                                         \
    return e;                                                                                                    \
  }                                                                                                              \
  }                                                                                                              \
  MOECAP_PLUGIN_EXPORT int32_t moecap_plugin_negotiate(moecap_negotiation* io) {                                 \
    return ::moecap::detail::negotiate(io, &moecap_plugin_init_);                                                \
  }
