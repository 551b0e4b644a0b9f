#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

Sink::Sink(ComponentRef component, moecap_sink* sink) : component_(std::move(component)), sink_(sink) {}

Sink::~Sink() {
  try {
    close();
  } catch (const HostException& e) {
    log(MOECAP_LOG_ERROR, "plugins", e.what());
  }
}

Sink::Sink(Sink&& other) noexcept : component_(std::move(other.component_)), sink_(other.sink_) {
  other.sink_ = nullptr;
}

Sink& Sink::operator=(Sink&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (const HostException& e) {
      log(MOECAP_LOG_ERROR, "plugins", e.what());
    }
    component_ = std::move(other.component_);
    sink_ = other.sink_;
    other.sink_ = nullptr;
  }
  return *this;
}

void Sink::write(const moecap_record& record) {
  if (sink_ == nullptr)
    throw HostException(MOECAP_ERR_INVALID_ARG, component_.describe_call("write") + ": sink is closed");
  component_.guarded("write",
                     [&] { component_.check(component_.table<moecap_sink_i>().write(sink_, &record), "write"); });
}

void Sink::flush() {
  if (sink_ == nullptr)
    throw HostException(MOECAP_ERR_INVALID_ARG, component_.describe_call("flush") + ": sink is closed");
  component_.guarded("flush", [&] { component_.check(component_.table<moecap_sink_i>().flush(sink_), "flush"); });
}

void Sink::close() {
  if (sink_ == nullptr) return;
  // The sink is gone after close even when it reports an error (moecap/sink.h), so forget it first.
  moecap_sink* sink = sink_;
  sink_ = nullptr;
  component_.guarded("close", [&] { component_.check(component_.table<moecap_sink_i>().close(sink), "close"); });
}

SinkProxy::SinkProxy(ComponentRef component) : component_(std::move(component)) {}

Sink SinkProxy::open(const moecap_config* config) const {
  moecap_sink* sink = nullptr;
  component_.guarded("open", [&] {
    component_.check(component_.table<moecap_sink_i>().open(component_.component().context, config, &sink), "open");
  });
  if (sink == nullptr)
    throw HostException(MOECAP_ERR_INTERNAL, component_.describe_call("open") + ": succeeded but returned no sink");
  return Sink(component_, sink);
}

}  // namespace moecap::host
