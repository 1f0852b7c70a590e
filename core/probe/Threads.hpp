#pragma once
// The threads of a process and what each is doing: /proc/PID/task/TID/{stat,wchan,syscall,status}.
#include "ProcDir.hpp"
#include "Snapshot.hpp"

#include <vector>

namespace forklab {

std::vector<pid_t> listThreads(const ProcDir&);
std::vector<ThreadState> readThreads(const ProcDir&, bool* partial = nullptr);

SyscallState parseSyscallLine(const std::string& line); // /proc/TID/syscall text
char parseStatState(const std::string& stat);           // the state letter after "(comm) "

} // namespace forklab
