#include "VersionFacts.hpp"

#include "core/trace/PipeWrites.hpp"
#include "core/trace/World.hpp"

#include <set>

namespace forklab {
namespace {

std::string output(const Trace& t, pid_t pid, int fd) {
    std::string out;
    for (size_t i = 0; i < t.size(); ++i)
        if (auto* o = t[i].get<ev::Output>(); o && t[i].pid == pid && o->fd == fd)
            out += t.str(o->text);
    return out;
}

pid_t markerPid(const Trace& t, const std::string& label) {
    for (size_t i = 0; i < t.size(); ++i)
        if (auto* m = t[i].get<ev::Marker>(); m && t.str(m->label) == label) return t[i].pid;
    return 0;
}

bool argvHas(const ProcessView& p, const std::string& s) {
    for (auto& a : p.argv)
        if (a.find(s) != std::string::npos) return true;
    return false;
}

} // namespace

std::string startedBy(const Trace& trace, pid_t pid) {
    World w = World::at(trace, trace.size());
    const ProcessView* p = w.find(pid);
    const ProcessView* root = w.programRoot();
    if (!p || !root) return {};
    const ProcessView* parent = w.find(p->parent);
    if (parent && parent->role == Role::Forkserver && p->execs == 0) return "forkserver";
    if (p->execs > 0 && argvHas(*p, "spawn_main")) return "spawn";
    if (p->parent == root->pid && p->execs == 0) return "fork";
    return {};
}

std::vector<VersionFact> observeVersionFacts(const Trace& trace) {
    World w = World::at(trace, trace.size());
    std::vector<VersionFact> facts;
    const ProcessView* root = w.programRoot();

    // spawn's helpers: _posixsubprocess.fork_exec forks (3.8/3.9) or vforks (3.10+).
    std::set<std::string> hows;
    std::string who;
    for (auto& [pid, p] : w.procs) {
        if (p.role != Role::Tracker && p.role != Role::SpawnChild && p.role != Role::Forkserver)
            continue;
        hows.insert(p.how == ForkKind::Vfork ? "vforked" : "forked");
        std::string r = toString(p.role);
        if (who.find(r) == std::string::npos) who += (who.empty() ? "" : ", ") + r;
    }
    std::string helpers;
    for (auto& h : hows) helpers += (helpers.empty() ? "" : " and ") + h;
    facts.push_back({"spawn's helpers (tracker, spawn child, server)",
                     hows.empty() ? "— (none started in this run)" : helpers + " (" + who + ")"});

    // 3.12+: os.fork() in a multithreaded process warns, in the parent, after the fork.
    std::string err = root ? output(trace, root->pid, 2) : "";
    bool warned = err.find("DeprecationWarning") != std::string::npos &&
                  err.find("multi-threaded") != std::string::npos;
    facts.push_back({"multithreaded fork warns (parent's stderr)",
                     warned ? "DeprecationWarning" : "no warning"});

    // The tracker's leak warning: counts (3.8-3.12) or names the leak too (3.13).
    std::string leak = "— (no tracker warned)";
    for (auto& [pid, p] : w.procs) {
        if (p.role != Role::Tracker) continue;
        std::string e = output(trace, pid, 2);
        auto at = e.find("leaked semaphore objects to clean up at shutdown");
        if (at == std::string::npos) continue;
        auto brace = e.find("{'/", at);
        leak = brace != std::string::npos && brace < e.find('\n', at)
                   ? "names it: " + e.substr(brace, e.find('}', brace) - brace + 1)
                   : "counts it, without the name";
    }
    facts.push_back({"resource tracker's leak warning", leak});

    pid_t def = markerPid(trace, kDefaultChildStep);
    std::string method = def ? startedBy(trace, def) : "";
    facts.push_back({"default start method (no set_start_method)",
                     def ? (method.empty() ? "not recognised" : method)
                         : "— (see python-start-method-defaults)"});

    // What the parent wrote into its children's data pipes, as the recorder caught it: the
    // size of the pickles and the protocol their header names.
    std::string crossed;
    for (const PipeData& d : pipeWrites(trace)) {
        crossed += (crossed.empty() ? "" : "; ") + std::to_string(d.length) + " bytes";
        if (d.bytes.size() >= 2 && uint8_t(d.bytes[0]) == 0x80)
            crossed += ", pickle protocol " + std::to_string(uint8_t(d.bytes[1]));
    }
    facts.push_back({"written into the data pipe", crossed.empty() ? "— (nothing)" : crossed});
    return facts;
}

const std::vector<DocumentedFact>& documentedVersionFacts() {
    static const std::vector<DocumentedFact> facts = {
        {"default start method, CPython 3.14 on Linux", "forkserver",
         "gh-84559, PR 101556 (What's New in 3.14)"},
        {"default start method on macOS, CPython 3.8+", "spawn",
         "bpo-33725, PR 13603 (docs: changed in 3.8)"},
        {"threading.Lock from 3.13.1 / 3.14", "a PyMutex: a waiter parks on its own semaphore",
         "gh-117721, PR 125110"},
    };
    return facts;
}

} // namespace forklab
