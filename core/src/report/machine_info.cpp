#include "moecap/host/machine_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace moecap::host {

namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

}  // namespace

MachineInfo read_machine_info() {
  MachineInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) info.hostname = host;
  utsname names{};
  if (uname(&names) == 0) info.os = std::string(names.sysname) + " " + names.release;
  info.logical_cpus = static_cast<int32_t>(sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      info.cpu_model = trim(line.substr(line.find(':') + 1));
      break;
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::istringstream fields(line.substr(9));
      uint64_t kib = 0;
      fields >> kib;
      info.memory_bytes = kib * 1024;
      break;
    }
  }
  return info;
}

}  // namespace moecap::host
