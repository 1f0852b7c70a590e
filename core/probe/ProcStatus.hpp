#pragma once
// Fields of /proc/PID/status that the recorder needs.
#include "ProcDir.hpp"

#include <optional>
#include <string>
#include <string_view>
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

// Fields of /proc/PID/stat. Cheaper to make than status (about 5 µs against 8 here), so a stop
// snapshot reads it once the pid inside the namespace, which only status has, is known.
struct ProcStat {
    char state = '?';       // field 3
    pid_t ppid = 0;         // field 4
    int threads = 0;        // field 20, num_threads
    uint64_t startTime = 0; // field 22: clock ticks since boot
};

// nullopt unless every one of those fields parses (comm, field 2, may hold any bytes but NUL).
std::optional<ProcStat> parseProcStat(std::string_view text);
std::optional<ProcStat> readProcStat(const ProcDir&);

// starttime: with the pid it names one process for good, so "is pid P still the process we
// recorded?" has an exact answer.
std::optional<uint64_t> readStartTime(const ProcDir&);

// argv from /proc/PID/cmdline.
std::vector<std::string> readCmdline(const ProcDir&);

} // namespace forklab
