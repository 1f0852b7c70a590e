#pragma once
// Fields of /proc/PID/status that the recorder needs.
#include "ProcDir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace forklab {

struct ProcStatus {
    std::string name; // Name: (comm)
    char state = '?'; // first letter of State:
    pid_t tgid = 0;
    pid_t ppid = 0;
    std::vector<pid_t> nspid; // NSpid: outermost first; back() is the pid in its own namespace
    int threads = 0;

    pid_t innermostPid() const { return nspid.empty() ? tgid : nspid.back(); }
};

std::optional<ProcStatus> parseProcStatus(const std::string& text);
std::optional<ProcStatus> readProcStatus(const ProcDir&);

// /proc/PID/stat field 22 (starttime, clock ticks since boot): with the pid it names one
// process for good, so "is pid P still the process we recorded?" has an exact answer.
std::optional<uint64_t> readStartTime(const ProcDir&);

// argv from /proc/PID/cmdline.
std::vector<std::string> readCmdline(const ProcDir&);

} // namespace forklab
