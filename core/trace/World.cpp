#include "World.hpp"

#include "Names.hpp"

#include <algorithm>

namespace forklab {

World World::at(const Trace& trace, size_t upto) {
    World w;
    upto = std::min(upto, trace.size());
    for (size_t i = 0; i < upto; ++i) w.apply(trace, i);
    w.upto = upto;
    return w;
}

void World::apply(const Trace& trace, size_t i) {
    World& w = *this;
    const Event& e = trace[i];
    w.upto = i + 1;
    switch (e.kind) {
    case EventKind::Proc: {
        auto& d = e.as<ev::Proc>();
        retire(e.pid); // a new process with an old pid is a new life, not the old one again
        ProcessView& p = w.procs[e.pid];
        p.pid = p.key = e.pid;
        p.nspid = d.nspid;
        p.parent = d.parent;
        p.role = d.role;
        p.how = d.how;
        p.name = std::string(trace.str(d.name));
        p.born = e.t;
        p.threads = {e.pid};
        if (auto* pp = d.parent ? &w.procs[d.parent] : nullptr)
            pp->children.push_back(e.pid);
        else
            w.roots.push_back(e.pid);
        break;
    }
    case EventKind::Fork: {
        auto& d = e.as<ev::Fork>();
        if (d.how == ForkKind::Thread) {
            auto it = w.procs.find(e.pid);
            if (it != w.procs.end()) it->second.threads.push_back(d.child);
        }
        break;
    }
    case EventKind::ThreadExit: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) std::erase(it->second.threads, e.as<ev::ThreadExit>().tid);
        break;
    }
    case EventKind::Exec: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        auto& d = e.as<ev::Exec>();
        it->second.exe = std::string(trace.str(d.exe));
        it->second.argv = splitArgv(trace.str(d.argv));
        it->second.name = processNameOfArgv(trace.str(d.argv), trace.str(d.path));
        it->second.execs++;
        it->second.role = d.role;
        it->second.threads = {e.pid}; // exec leaves one thread
        break;
    }
    case EventKind::Exit: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        it->second.alive = false;
        it->second.status = e.as<ev::Exit>().status;
        it->second.died = e.t;
        it->second.threads.clear();
        break;
    }
    case EventKind::Snapshot: {
        auto it = w.procs.find(e.pid);
        if (it == w.procs.end()) break;
        auto& d = e.as<ev::Snapshot>();
        it->second.snap = d.snap;
        const ProcessSnapshot& s = trace.snapshot(d.snap);
        if (!s.partial && !s.threads.empty()) {
            it->second.threads.clear();
            for (auto& t : s.threads) it->second.threads.push_back(t.tid);
        }
        break;
    }
    case EventKind::Deadlock: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) it->second.deadlocks.push_back(i);
        break;
    }
    case EventKind::KilledBySandbox: {
        auto it = w.procs.find(e.pid);
        if (it != w.procs.end()) it->second.killedBySandbox = true;
        break;
    }
    case EventKind::ShmCreate: {
        auto& d = e.as<ev::Shm>();
        w.shm.push_back(ShmView{std::string(trace.str(d.name)), e.pid, d.inode, e.t, 0, false});
        break;
    }
    case EventKind::ShmUnlink: {
        auto& d = e.as<ev::Shm>();
        std::string name(trace.str(d.name));
        for (auto it = w.shm.rbegin(); it != w.shm.rend(); ++it) {
            if (it->name == name && !it->unlinkedBy) {
                it->unlinkedBy = e.pid;
                break;
            }
        }
        break;
    }
    case EventKind::Leak: {
        auto& d = e.as<ev::Leak>();
        std::string name(trace.str(d.name));
        bool found = false;
        for (auto it = w.shm.rbegin(); it != w.shm.rend(); ++it) {
            if (it->name == name && !it->unlinkedBy) {
                it->leaked = found = true;
                it->leftOnHost = !d.removed;
                break;
            }
        }
        if (!found) w.shm.push_back(ShmView{name, d.creator, 0, e.t, 0, true, !d.removed});
        break;
    }
    default:
        break;
    }
}

pid_t World::retire(pid_t pid) {
    auto it = procs.find(pid);
    // An entry made for a parent never seen (pid 0) holds only children: not a life to keep.
    if (it == procs.end() || it->second.pid != pid) return 0;
    auto node = procs.extract(it);
    const pid_t key = -++retired_;
    node.key() = key;
    ProcessView& old = node.mapped();
    old.key = key;
    auto relink = [&](std::vector<pid_t>& v) { std::replace(v.begin(), v.end(), pid, key); };
    if (auto pp = old.parent ? procs.find(old.parent) : procs.end(); pp != procs.end())
        relink(pp->second.children);
    else
        relink(roots);
    for (pid_t c : old.children)
        if (auto ci = procs.find(c); ci != procs.end()) ci->second.parent = key;
    procs.insert(std::move(node));
    return key;
}

const ProcessView* World::programRoot() const {
    for (pid_t r : roots) {
        auto it = procs.find(r);
        if (it == procs.end()) continue;
        if (it->second.role != Role::Sandbox) return &it->second;
        for (pid_t c : it->second.children) {
            auto ci = procs.find(c);
            if (ci != procs.end() && ci->second.role != Role::Sandbox) return &ci->second;
        }
    }
    return nullptr;
}

} // namespace forklab
