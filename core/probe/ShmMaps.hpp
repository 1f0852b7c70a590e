#pragma once
// Mappings of /dev/shm files (named semaphores, shm_open) from /proc/PID/maps.
#include "ProcDir.hpp"
#include "Snapshot.hpp"

#include <vector>

namespace forklab {

std::vector<ShmMapping> readShmMappings(const ProcDir&);
std::vector<ShmMapping> parseShmMappings(const std::string& maps); // pure, unit-tested

} // namespace forklab
