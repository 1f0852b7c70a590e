#pragma once
// What everything looked like after the first N events of a trace: the process tree with each
// process's state, newest snapshot, threads and verdicts, and the /dev/shm ledger. Views, the
// story and tests ask the World, never the raw events.
#include "Trace.hpp"

#include <map>
#include <string>
#include <vector>

namespace forklab {

struct ProcessView {
    pid_t pid = 0;
    // Where World keeps it (children, parent, roots and find() use keys): the pid for a pid's
    // newest life; an earlier life of a reused pid (pids wrap at pid_max) is kept under a key
    // below 0, so its place in the tree and its children stay its own.
    pid_t key = 0;
    pid_t nspid = 0;
    pid_t parent = 0;
    Role role = Role::Program;
    ForkKind how = ForkKind::Fork;
    std::string name;              // what it calls itself: argv[0]'s basename (Names.hpp)
    std::string exe;               // what the kernel ran at its last exec (symlinks resolved)
    std::vector<std::string> argv; // last exec argv
    int execs = 0;
    bool alive = true;
    bool killedBySandbox = false;
    WaitStatus status; // valid when !alive
    int64_t born = 0, died = -1;
    SnapId snap = kNoSnap;         // newest snapshot
    std::vector<pid_t> threads;    // tids (from the newest snapshot and thread events)
    std::vector<size_t> deadlocks; // event indices of verdicts about this process
    std::vector<pid_t> children;
};

struct ShmView {
    std::string name;
    pid_t creator = 0;
    uint64_t inode = 0;
    int64_t created = 0;
    pid_t unlinkedBy = 0;    // 0: still linked
    bool leaked = false;     // found by the sandbox's final sweep
    bool leftOnHost = false; // leaked into the host's /dev/shm, where forklab removes nothing
};

struct World {
    size_t upto = 0;
    std::map<pid_t, ProcessView> procs;
    std::vector<ShmView> shm;
    std::vector<pid_t> roots; // processes with no recorded parent (the sandbox launcher)

    static World at(const Trace& trace, size_t upto);
    // Applies event i (the next one: upto == i) to this world.
    void apply(const Trace& trace, size_t i);
    // Moves the life `pid` has now to a key of its own below 0 (its parent's and children's
    // links follow it) and returns that key; 0 if World has no process with that pid.
    pid_t retire(pid_t pid);
    const ProcessView* find(pid_t pid) const {
        auto it = procs.find(pid);
        return it == procs.end() ? nullptr : &it->second;
    }
    const ProcessView* programRoot() const; // the first process of the observed program

  private:
    pid_t retired_ = 0; // earlier lives kept so far
};

} // namespace forklab
