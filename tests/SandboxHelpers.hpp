#pragma once
// Shared by the tests that start processes: run a command in the sandbox, then prove that none
// of the processes it recorded survives and that it left nothing in /dev/shm.
#include "core/sandbox/Sandbox.hpp"
#include "core/trace/Story.hpp"
#include "core/trace/World.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace forklab::test {

// Removes a path of the test's own under /tmp (a file, or a directory with all in it) when the
// test leaves the scope, also when a REQUIRE ends it: a failing test leaves nothing either.
struct RemovedAtEnd {
    std::string path;
    ~RemovedAtEnd() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

inline std::string fixture(const std::string& name) {
    return std::string(FORKLAB_FIXTURE_DIR) + "/" + name;
}

struct Run {
    std::unique_ptr<Trace> trace = std::make_unique<Trace>();
    int exitCode = -1;
    World world() const { return World::at(*trace, trace->size()); }
    // The run as text, for failure messages: what the recorder saw.
    std::string story() const {
        std::ostringstream out;
        Story s(*trace);
        s.feed(trace->size(), out);
        s.summary(out);
        return out.str();
    }
    std::vector<const Event*> events(EventKind k) const {
        std::vector<const Event*> out;
        for (size_t i = 0; i < trace->size(); ++i)
            if ((*trace)[i].kind == k) out.push_back(&(*trace)[i]);
        return out;
    }
};

// The most program processes alive at once, replayed from the trace.
inline int peakProcesses(const Run& r) {
    int live = 0, peak = 0;
    for (size_t i = 0; i < r.trace->size(); ++i) {
        const Event& e = (*r.trace)[i];
        if (e.kind == EventKind::Proc && e.as<ev::Proc>().role == Role::Program) ++live;
        if (e.kind == EventKind::Exit && e.pid != (*r.trace)[1].pid) --live;
        peak = std::max(peak, live);
    }
    return peak;
}

inline bool processExists(pid_t pid) {
    struct stat st;
    return stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

// Nothing survives: every process the trace recorded is gone, and every /dev/shm name the run
// created or leaked is gone from the host's /dev/shm. Without namespaces forklab removes nothing
// there (it cannot prove a name is the run's own): a leak it reports as left on the host is
// removed here, by the test that made the program leak it.
inline void requireNothingSurvives(const Run& run) {
    const Trace& t = *run.trace;
    REQUIRE(t.finished());
    for (size_t i = 0; i < t.size(); ++i)
        if (auto* l = t[i].get<ev::Leak>(); l && !l->removed)
            unlink(("/dev/shm/" + std::string(t.str(l->name))).c_str());
    for (size_t i = 0; i < t.size(); ++i) {
        const Event& e = t[i];
        if (e.kind == EventKind::Proc) {
            INFO("recorded process " << e.pid << " survived the run");
            CHECK_FALSE(processExists(e.pid));
        }
        const StrId* name = nullptr;
        if (auto* s = e.get<ev::Shm>()) name = &s->name;
        if (auto* l = e.get<ev::Leak>()) name = &l->name;
        if (name) {
            std::string path = "/dev/shm/" + std::string(t.str(*name));
            INFO(path << " survived the run");
            CHECK(access(path.c_str(), F_OK) != 0);
        }
    }
}

inline Run runInSandbox(SandboxOptions o) {
    Run r;
    r.exitCode = runSandbox(std::move(o), *r.trace);
    requireNothingSurvives(r);
    return r;
}

inline Run runInSandbox(std::vector<std::string> argv, bool namespaces = true) {
    SandboxOptions o;
    o.argv = std::move(argv);
    o.namespaces = namespaces;
    return runInSandbox(std::move(o));
}

} // namespace forklab::test
