#include "CPythonPlumbing.hpp"

#include "LaunchForms.hpp"
#include "core/probe/ProcDir.hpp"

#include <algorithm>

namespace forklab {
namespace {

int count(const ProcessSnapshot& s, const std::string& target) {
    return int(std::count_if(s.fds.begin(), s.fds.end(),
                             [&](const FdEntry& f) { return f.target == target; }));
}

} // namespace

void CPythonPlumbing::know(const FdEntry* f, std::string read, std::string write) {
    if (!f || f->kind == FdKind::File || f->kind == FdKind::Other) return;
    objects_.emplace(f->target, Object{std::move(read), std::move(write)});
}

void CPythonPlumbing::learnExec(pid_t pid, const std::vector<std::string>& argv,
                                const ProcessSnapshot& after) {
    std::string exe;
    if (auto dir = ProcDir::open(pid)) exe = dir->readLink("exe").value_or("");
    learnExec(pid, exe, argv, after);
}

void CPythonPlumbing::learnExec(pid_t pid, std::string_view exe,
                                const std::vector<std::string>& argv,
                                const ProcessSnapshot& after) {
    forked_.erase(pid); // an exec'd child is not a fork-method child (subprocess, spawn)
    if (!isCPythonExecutable(exe)) {
        interpreters_.erase(pid);
        return; // not CPython: no form to look for
    }
    interpreters_.insert(pid);
    const CPythonLaunch l = recogniseCPythonLaunch(exe, argv);
    const int* n = l.fds;
    if (l.kind == CPythonLaunchKind::ResourceTracker) {
        know(after.findFd(n[0]), "tracker pipe (read end)", "tracker pipe (write end)");
        return;
    }
    if (l.kind == CPythonLaunchKind::Forkserver) {
        servers_.insert(pid);
        know(after.findFd(n[0]), "forkserver listening socket", "forkserver listening socket");
        know(after.findFd(n[1]), "forkserver alive pipe (read end)",
             "forkserver alive pipe (write end)");
        return;
    }
    if (l.kind == CPythonLaunchKind::SpawnChild) {
        know(after.findFd(n[0]), "tracker pipe (read end)", "tracker pipe (write end)");
        know(after.findFd(n[1]), "data pipe (read end: the pickled Process comes in here)",
             "data pipe (write end: the parent pickles the Process into it)");
        // spawn passes (pass_fds) the tracker pipe, the data pipe, the write end of the parent's
        // sentinel and any fd given as an argument. The sentinel pipe is made just before the
        // data pipe, so its write end is the unknown write pipe numbered closest below it.
        const FdEntry* sentinel = nullptr;
        for (auto& f : after.fds)
            if (f.fd > 2 && f.fd < n[1] && f.kind == FdKind::Pipe &&
                f.access == AccessMode::Write && !known(f) && count(after, f.target) == 1)
                sentinel = &f;
        know(sentinel, "sentinel (read end)",
             "sentinel (write end: its death is the parent's EOF)");
    }
}

void CPythonPlumbing::learnFork(pid_t parent, pid_t childPid, const ProcessSnapshot& child) {
    if (!interpreters_.count(parent)) return;
    interpreters_.insert(childPid);
    if (!servers_.count(parent)) {
        std::set<std::string> both;
        for (auto& f : child.fds)
            if (f.kind == FdKind::Pipe && !known(f) && count(child, f.target) == 2)
                both.insert(f.target);
        if (!both.empty()) forked_[childPid] = std::move(both);
        return;
    }
    // Received fds come after the server's own; the alive pipe's write end is the third one, so
    // the unknown pipes just below it are the data pipe (read) and the status pipe (write). A
    // pipe held at both ends is the server's own SIGCHLD wake-up pipe.
    int alive = -1;
    for (auto& f : child.fds) {
        auto it = objects_.find(f.target);
        if (it != objects_.end() && f.access == AccessMode::Write &&
            it->second.write == "forkserver alive pipe (write end)")
            alive = std::max(alive, f.fd);
    }
    if (alive < 0) return;
    bool data = false, status = false;
    for (size_t k = child.fds.size(); k-- > 0;) { // from the highest number down
        const FdEntry& f = child.fds[k];
        if (f.fd >= alive || f.kind != FdKind::Pipe || known(f)) continue;
        if (count(child, f.target) != 1) continue;
        if (!data && f.access == AccessMode::Read) {
            data = true;
            know(&f, "data pipe (read end: the pickled Process comes in here)",
                 "data pipe (write end: the parent pickles the Process into it)");
        } else if (!status && f.access == AccessMode::Write) {
            status = true;
            know(&f, "sentinel (status pipe from the forkserver)",
                 "status pipe (write end: the forkserver reports pid, then exit code)");
        }
        if (data && status) break;
    }
}

void CPythonPlumbing::learnLater(pid_t pid, const ProcessSnapshot& now) {
    auto it = forked_.find(pid);
    if (it == forked_.end()) return;
    // Until the child has dropped an end, it has not got to its bootstrap yet: look again later.
    bool dropped = false;
    for (auto& f : now.fds)
        if (f.fd > 2 && it->second.count(f.target) && !known(f) && count(now, f.target) == 1) {
            dropped = true;
            if (f.access == AccessMode::Write)
                know(&f, "sentinel (read end)",
                     "sentinel (write end: its death is the parent's EOF)");
            else
                know(&f, "parent sentinel (read end: EOF here when the parent dies)",
                     "parent sentinel (write end)");
        }
    if (dropped) forked_.erase(it);
}

std::vector<CPythonPlumbing::Name> CPythonPlumbing::namesFor(pid_t pid, const ProcessSnapshot& s) {
    std::vector<Name> out;
    if (objects_.empty()) return out;
    for (auto& f : s.fds) {
        auto it = objects_.find(f.target);
        if (it == objects_.end()) continue;
        if (!told_.emplace(pid, f.fd, f.target).second) continue;
        const std::string& label =
            f.access == AccessMode::Write ? it->second.write : it->second.read;
        out.push_back({f.fd, f.target, label});
    }
    return out;
}

} // namespace forklab
