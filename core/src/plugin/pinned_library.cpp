// Opening a library the way every moecap plugin is opened, and keeping it open for good (O8).
#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <mutex>
#include <vector>

#include "moecap/host/plugin_loader.hpp"

namespace moecap::host {
namespace {

// Handles are never released: unloading a plugin with live threads, TLS or objects whose code lives in
// it is undefined behaviour (ggml, boostorg/dll#68). The list is deliberately leaked so no static
// destructor dlcloses anything at exit either; it stays reachable, so LeakSanitizer does not report it.
std::vector<std::shared_ptr<const boost::dll::shared_library>>& pinned_libraries() {
  static auto* libraries = new std::vector<std::shared_ptr<const boost::dll::shared_library>>();
  return *libraries;
}
std::mutex g_pinned_mutex;

}  // namespace

std::shared_ptr<const boost::dll::shared_library> open_pinned_library(const std::filesystem::path& path,
                                                                      std::string& error) {
  auto library = std::make_shared<boost::dll::shared_library>();
  std::error_code ec;
  dlerror();  // clear any stale message so the one read below is this dlopen's
  library->load(path, boost::dll::load_mode::rtld_local | boost::dll::load_mode::rtld_now, ec);
  if (ec || !library->is_loaded()) {
    // Boost 1.74 reports every dlopen failure as "Bad file descriptor"; dlerror() has the real reason
    // (e.g. a missing dependency), so read it at once, before any other dl call can overwrite it.
    const char* text = dlerror();
    error = "cannot load " + path.string() + ": " + (text != nullptr ? std::string(text) : ec.message());
    return nullptr;
  }
  std::shared_ptr<const boost::dll::shared_library> shared = std::move(library);
  std::lock_guard lock(g_pinned_mutex);
  pinned_libraries().push_back(shared);
  return shared;
}

}  // namespace moecap::host
