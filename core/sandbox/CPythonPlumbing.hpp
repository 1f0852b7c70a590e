#pragma once
// CPython's multiprocessing plumbing, named from outside. CPython marks nothing, but its helpers'
// command lines give fds by number — resource_tracker `main(R)`, forkserver `main(L, A, ...)`,
// `spawn_main(tracker_fd=T, pipe_handle=M)` — and the kernel shows which pipe or socket each
// number is. Once an object is known, every process holding it is told which end it holds (the
// fd's access mode). The names are the recorder's reading of CPython, shown beside the kernel's
// facts like a lesson's own names, never as facts.
#include "core/probe/Snapshot.hpp"

#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace forklab {

class CPythonPlumbing {
  public:
    struct Name {
        int fd;
        std::string target;
        std::string label;
    };

    // A process exec'd this command line; `after` is its fd table right after exec. Only a
    // CPython executable's exact launch forms (LaunchForms.hpp) name anything; the first form
    // reads the executable from /proc/PID/exe.
    void learnExec(pid_t pid, const std::vector<std::string>& argv, const ProcessSnapshot& after);
    void learnExec(pid_t pid, std::string_view exe, const std::vector<std::string>& argv,
                   const ProcessSnapshot& after);
    // A child at its fork stop. A CPython forkserver's child holds what the server received for
    // it (SCM_RIGHTS installs them in order: data pipe, status pipe, alive pipe, tracker pipe,
    // and any fds passed as arguments after those). A child forked by a CPython interpreter
    // (the fork start method) is remembered until a later look at it (learnLater).
    void learnFork(pid_t parent, pid_t child, const ProcessSnapshot& table);
    // A later snapshot of a process. CPython's fork start method makes two pipes and forks; the
    // child then closes one end of each, the parent the other: the pipe whose write end the
    // child kept is the parent's sentinel, the one whose read end it kept, its parent sentinel.
    void learnLater(pid_t pid, const ProcessSnapshot& now);
    // Names for fds of `s` not told yet for this process.
    std::vector<Name> namesFor(pid_t pid, const ProcessSnapshot& s);

    bool empty() const { return objects_.empty(); }

  private:
    struct Object {
        std::string read, write; // the label of each end (a socket has one: read)
    };
    void know(const FdEntry* f, std::string read, std::string write);
    bool known(const FdEntry& f) const { return objects_.count(f.target) != 0; }

    std::unordered_map<std::string, Object> objects_;         // by /proc target: "pipe:[123]"
    std::set<pid_t> servers_;                                 // CPython forkservers
    std::set<pid_t> interpreters_;                            // processes running CPython
    std::unordered_map<pid_t, std::set<std::string>> forked_; // fork child -> pipes it had both
                                                              // ends of at its fork
    std::set<std::tuple<pid_t, int, std::string>> told_;
};

} // namespace forklab
