#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

Task::Task(ComponentRef component, moecap_task* task) : component_(std::move(component)), task_(task) {}

Task::~Task() {
  try {
    close();
  } catch (const HostException& e) {
    log(MOECAP_LOG_ERROR, "plugins", e.what());
  }
}

Task::Task(Task&& other) noexcept : component_(std::move(other.component_)), task_(other.task_) {
  other.task_ = nullptr;
}

Task& Task::operator=(Task&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (const HostException& e) {
      log(MOECAP_LOG_ERROR, "plugins", e.what());
    }
    component_ = std::move(other.component_);
    task_ = other.task_;
    other.task_ = nullptr;
  }
  return *this;
}

bool Task::serial_scoring() const {
  return component_.table<moecap_task_i>().serial_scoring;
}

int64_t Task::request_count() const {
  return component_.guarded("request_count", [&] { return component_.table<moecap_task_i>().request_count(task_); });
}

moecap_task_request Task::request(int64_t index) const {
  moecap_task_request request{};
  request.struct_size = sizeof request;
  request.abi_minor = MOECAP_ABI_MINOR;
  component_.guarded("request_get", [&] {
    component_.check(component_.table<moecap_task_i>().request_get(task_, index, &request),
                     "request_get " + std::to_string(index));
  });
  return request;
}

void Task::score(int64_t index, const moecap_task_response& response) {
  component_.guarded("score", [&] {
    component_.check(component_.table<moecap_task_i>().score(task_, index, &response),
                     "score " + std::to_string(index));
  });
}

std::vector<moecap_task_metric> Task::summary() {
  const auto& table = component_.table<moecap_task_i>();
  std::vector<moecap_task_metric> metrics(16);
  size_t count = 0;
  component_.guarded(
      "summary", [&] { component_.check(table.summary(task_, metrics.data(), metrics.size(), &count), "summary"); });
  if (count > metrics.size()) {
    // The first call told how many there are; ask again with room for all of them.
    metrics.resize(count);
    component_.guarded(
        "summary", [&] { component_.check(table.summary(task_, metrics.data(), metrics.size(), &count), "summary"); });
  }
  metrics.resize(std::min(count, metrics.size()));
  return metrics;
}

void Task::close() {
  if (task_ == nullptr) return;
  moecap_task* task = task_;
  task_ = nullptr;
  component_.guarded("close", [&] { component_.table<moecap_task_i>().close(task); });
}

TaskProxy::TaskProxy(ComponentRef component) : component_(std::move(component)) {}

Task TaskProxy::open(const moecap_config* config) const {
  moecap_task* task = nullptr;
  component_.guarded("open", [&] {
    component_.check(component_.table<moecap_task_i>().open(component_.component().context, config, &task), "open");
  });
  if (task == nullptr)
    throw HostException(MOECAP_ERR_INTERNAL, component_.describe_call("open") + ": succeeded but returned no task");
  return Task(component_, task);
}

}  // namespace moecap::host
