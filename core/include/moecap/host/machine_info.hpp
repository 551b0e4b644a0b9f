// What machine a run happened on: recorded with every run so results can be compared honestly.
#pragma once

#include <cstdint>
#include <string>

namespace moecap::host {

struct MachineInfo {
  std::string hostname;
  std::string os;             ///< uname sysname + release
  std::string cpu_model;      ///< /proc/cpuinfo "model name"
  int32_t logical_cpus = 0;   ///< online CPUs
  uint64_t memory_bytes = 0;  ///< MemTotal
};

/// Reads the machine once; fields that cannot be read stay empty/zero.
MachineInfo read_machine_info();

}  // namespace moecap::host
