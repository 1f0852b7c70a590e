#pragma once
// A per-run pids cgroup: the process limit that holds for root too (RLIMIT_NPROC exempts uid 0
// and counts per uid system-wide). Counts tasks: processes and threads.
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

class PidsCgroup {
  public:
    // Creates forklab.<pid>.<seq> under the pids controller (cgroup v1 or v2); empty if neither
    // is writable here.
    static std::optional<PidsCgroup> create(int maxTasks);
    PidsCgroup(PidsCgroup&&) noexcept;
    PidsCgroup& operator=(PidsCgroup&&) noexcept;
    ~PidsCgroup(); // removes the directory (it must be empty by then)

    bool add(pid_t pid) const;
    int peak() const; // highest task count seen (v2 pids.peak / v1: -1 when unknown)
    const std::string& path() const { return path_; }

    // Removes the forklab.* groups left by a forklab that died; one line for each.
    static std::vector<std::string> removeStale();

  private:
    explicit PidsCgroup(std::string path) : path_(std::move(path)) {}
    std::string path_;
};

} // namespace forklab
