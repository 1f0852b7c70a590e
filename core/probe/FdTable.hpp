#pragma once
// The fd table of a process: /proc/PID/fd (readlink) + /proc/PID/fdinfo (flags).
#include "ProcDir.hpp"
#include "Snapshot.hpp"

#include <vector>

namespace forklab {

// Reads every fd. Fds that vanish between listing and reading are skipped and set *partial.
// fileInodes: also stat each plain file for its inode (one more syscall per fd).
std::vector<FdEntry> readFdTable(const ProcDir&, bool* partial = nullptr, bool fileInodes = true);

// Pure parsers (unit-tested on fixed text).
FdKind classifyFdTarget(const std::string& target, uint64_t* inode); // "pipe:[N]", "socket:[N]"...
bool parseFdInfoFlags(const std::string& fdinfo, uint32_t* flags);   // the octal "flags:" line

} // namespace forklab
