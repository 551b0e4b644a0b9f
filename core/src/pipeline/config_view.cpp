#include "moecap/host/config_view.hpp"

#include <deque>
#include <filesystem>
#include <mutex>
#include <set>

#include "moecap/host/host_services.hpp"

// The definition of the opaque config type handed to plugins.
struct moecap_config {
  const toml::table* table = nullptr;
  std::shared_ptr<const toml::table> owned_table;  // set when the view shares ownership of table
  std::string source_file;
  std::string prefix;
  mutable std::mutex mutex;
  mutable std::set<std::string> read;
  mutable std::deque<std::string> owned_strings;  // results of get_path; deque keeps c_str() stable
};

namespace moecap::host {
namespace {

std::string full_key(const moecap_config* c, const std::string& key) {
  return c->prefix.empty() ? key : c->prefix + "." + key;
}

std::string position_of(const moecap_config* c, const toml::node* node) {
  if (node == nullptr) return c->source_file;
  return source_position(c->source_file, node->source());
}

std::string type_name(const toml::node* node) {
  if (node == nullptr) return "nothing";
  switch (node->type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "a value";
  }
}

// Finds key (dotted) and records it as read. NOT_FOUND when absent.
moecap_error* lookup(const moecap_config* c, const char* key, const toml::node** out) {
  if (c == nullptr || key == nullptr || out == nullptr)
    return make_error(MOECAP_ERR_INVALID_ARG, "config getter called with a NULL argument");
  std::lock_guard lock(c->mutex);
  const toml::node* node = c->table != nullptr ? c->table->at_path(key).node() : nullptr;
  if (node == nullptr) {
    std::string where = c->source_file.empty() ? "" : c->source_file + ": ";
    return make_error(MOECAP_ERR_NOT_FOUND, where + "key '" + full_key(c, key) + "' is not set");
  }
  c->read.insert(key);
  *out = node;
  return nullptr;
}

moecap_error* wrong_type(const moecap_config* c, const char* key, const toml::node* node, const char* expected) {
  return make_error(MOECAP_ERR_INVALID_ARG, position_of(c, node) + ": key '" + full_key(c, key) + "': expected " +
                                                expected + ", found " + type_name(node));
}

moecap_error* get_string(const moecap_config* c, const char* key, const char** out) {
  const toml::node* node = nullptr;
  if (auto* e = lookup(c, key, &node)) return e;
  auto* s = node->as_string();
  if (s == nullptr) return wrong_type(c, key, node, "a string");
  *out = s->get().c_str();
  return nullptr;
}

moecap_error* get_int(const moecap_config* c, const char* key, int64_t* out) {
  const toml::node* node = nullptr;
  if (auto* e = lookup(c, key, &node)) return e;
  auto* v = node->as_integer();
  if (v == nullptr) return wrong_type(c, key, node, "an integer");
  *out = v->get();
  return nullptr;
}

moecap_error* get_double(const moecap_config* c, const char* key, double* out) {
  const toml::node* node = nullptr;
  if (auto* e = lookup(c, key, &node)) return e;
  if (auto* f = node->as_floating_point()) {
    *out = f->get();
    return nullptr;
  }
  if (auto* i = node->as_integer()) {
    *out = static_cast<double>(i->get());
    return nullptr;
  }
  return wrong_type(c, key, node, "a number");
}

moecap_error* get_bool(const moecap_config* c, const char* key, bool* out) {
  const toml::node* node = nullptr;
  if (auto* e = lookup(c, key, &node)) return e;
  auto* b = node->as_boolean();
  if (b == nullptr) return wrong_type(c, key, node, "a boolean (true or false)");
  *out = b->get();
  return nullptr;
}

moecap_error* get_path(const moecap_config* c, const char* key, const char** out) {
  const toml::node* node = nullptr;
  if (auto* e = lookup(c, key, &node)) return e;
  auto* s = node->as_string();
  if (s == nullptr) return wrong_type(c, key, node, "a string (a file or folder)");
  // A path in a preset file is relative to the preset, one from --set to the working folder.
  const std::filesystem::path p = resolve_config_path(s->get(), node->source(), c->source_file);
  std::lock_guard lock(c->mutex);
  c->owned_strings.push_back(p.string());
  *out = c->owned_strings.back().c_str();
  return nullptr;
}

moecap_error* get_array(const moecap_config* c, const char* key, const toml::array** out, const toml::node** node) {
  if (auto* e = lookup(c, key, node)) return e;
  *out = (*node)->as_array();
  if (*out == nullptr) return wrong_type(c, key, *node, "an array");
  return nullptr;
}

moecap_error* get_array_len(const moecap_config* c, const char* key, size_t* out) {
  const toml::array* a = nullptr;
  const toml::node* node = nullptr;
  if (auto* e = get_array(c, key, &a, &node)) return e;
  *out = a->size();
  return nullptr;
}

moecap_error* element(const moecap_config* c, const char* key, size_t index, const toml::node** out) {
  const toml::array* a = nullptr;
  const toml::node* node = nullptr;
  if (auto* e = get_array(c, key, &a, &node)) return e;
  if (index >= a->size())
    return make_error(MOECAP_ERR_INVALID_ARG, position_of(c, node) + ": key '" + full_key(c, key) + "': index " +
                                                  std::to_string(index) + " is past the end (" +
                                                  std::to_string(a->size()) + " elements)");
  *out = a->get(index);
  return nullptr;
}

std::string element_key(const char* key, size_t index) {
  return std::string(key) + "[" + std::to_string(index) + "]";
}

moecap_error* get_string_at(const moecap_config* c, const char* key, size_t index, const char** out) {
  const toml::node* n = nullptr;
  if (auto* e = element(c, key, index, &n)) return e;
  auto* s = n->as_string();
  if (s == nullptr) return wrong_type(c, element_key(key, index).c_str(), n, "a string");
  *out = s->get().c_str();
  return nullptr;
}

moecap_error* get_double_at(const moecap_config* c, const char* key, size_t index, double* out) {
  const toml::node* n = nullptr;
  if (auto* e = element(c, key, index, &n)) return e;
  if (auto* f = n->as_floating_point()) {
    *out = f->get();
    return nullptr;
  }
  if (auto* i = n->as_integer()) {
    *out = static_cast<double>(i->get());
    return nullptr;
  }
  return wrong_type(c, element_key(key, index).c_str(), n, "a number");
}

moecap_error* get_int_at(const moecap_config* c, const char* key, size_t index, int64_t* out) {
  const toml::node* n = nullptr;
  if (auto* e = element(c, key, index, &n)) return e;
  auto* i = n->as_integer();
  if (i == nullptr) return wrong_type(c, element_key(key, index).c_str(), n, "an integer");
  *out = i->get();
  return nullptr;
}

bool has(const moecap_config* c, const char* key) {
  if (c == nullptr || key == nullptr || c->table == nullptr) return false;
  return c->table->at_path(key).node() != nullptr;
}

moecap_error* config_error(const moecap_config* c, const char* key, const char* message) {
  if (c == nullptr) return make_error(MOECAP_ERR_INVALID_ARG, message != nullptr ? message : "");
  const toml::node* node = (c->table != nullptr && key != nullptr) ? c->table->at_path(key).node() : nullptr;
  std::string text = position_of(c, node);
  if (key != nullptr) text += ": key '" + full_key(c, key) + "'";
  text += ": ";
  text += message != nullptr ? message : "invalid value";
  return make_error(MOECAP_ERR_INVALID_ARG, text);
}

void collect_unread(const moecap_config* c, const toml::table& table, const std::string& prefix,
                    std::vector<ConfigView::Unread>& out) {
  for (auto&& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (c->read.count(key) != 0) continue;
    if (auto* sub = node.as_table()) {
      collect_unread(c, *sub, key, out);
      continue;
    }
    out.push_back({key, full_key(c, key), source_position(c->source_file, node.source())});
  }
}

}  // namespace

namespace {

bool is_override_source(const std::string& path) {
  return path.rfind(kOverrideSourcePrefix, 0) == 0;
}

}  // namespace

std::string source_position(const std::string& fallback_file, const toml::source_region& region) {
  const std::string& file = region.path ? *region.path : fallback_file;
  if (is_override_source(file) || region.begin.line == 0) return file;
  std::string pos = std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
  return file.empty() ? pos : file + ":" + pos;
}

std::filesystem::path resolve_config_path(const std::string& value, const toml::source_region& region,
                                          const std::string& fallback_file) {
  std::filesystem::path p(value);
  if (p.is_relative()) {
    const std::string& file = region.path ? *region.path : fallback_file;
    std::filesystem::path base = file.empty() || is_override_source(file)
                                     ? std::filesystem::current_path()
                                     : std::filesystem::absolute(std::filesystem::path(file)).parent_path();
    p = base / p;
  }
  return p.lexically_normal();
}

ConfigView::ConfigView(const toml::table* table, std::string source_file, std::string key_prefix)
    : config_(std::make_unique<moecap_config>()) {
  config_->table = table;
  config_->source_file = std::move(source_file);
  config_->prefix = std::move(key_prefix);
}

ConfigView::ConfigView(std::shared_ptr<const toml::table> table, std::string source_file, std::string key_prefix)
    : ConfigView(table.get(), std::move(source_file), std::move(key_prefix)) {
  config_->owned_table = std::move(table);
}
ConfigView::~ConfigView() = default;

const moecap_config* ConfigView::get() const {
  return config_.get();
}

void ConfigView::mark_read(const std::string& key) const {
  std::lock_guard lock(config_->mutex);
  config_->read.insert(key);
}

std::vector<ConfigView::Unread> ConfigView::unread_keys() const {
  std::vector<Unread> out;
  std::lock_guard lock(config_->mutex);
  if (config_->table != nullptr) collect_unread(config_.get(), *config_->table, "", out);
  return out;
}

void fill_config_getters(moecap_host_api& api) {
  api.config_get_string = &get_string;
  api.config_get_int = &get_int;
  api.config_get_double = &get_double;
  api.config_get_bool = &get_bool;
  api.config_get_path = &get_path;
  api.config_get_array_len = &get_array_len;
  api.config_get_string_at = &get_string_at;
  api.config_get_double_at = &get_double_at;
  api.config_get_int_at = &get_int_at;
  api.config_has = &has;
  api.config_error = &config_error;
}

}  // namespace moecap::host
