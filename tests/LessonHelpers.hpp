#pragma once
// Shared by the lesson tests: run a lesson (it must end by itself, with 0), find its key step,
// and read the facts the recorder observed: roles, snapshots, fd names, each process's output.
#include "SandboxHelpers.hpp"

#include "core/lessons/Catalogue.hpp"
#include "core/trace/Steps.hpp"

#include <algorithm>

namespace forklab::test {

inline Run lesson(const std::string& id, StartMethod m, const std::string& variant = "") {
    const Lesson* l = findLesson(id);
    REQUIRE(l);
    Run r = runInSandbox(lessonRun(*l, m, variant));
    INFO(r.story());
    // Lessons end by themselves: never by the deadline.
    auto& end = (*r.trace)[r.trace->size() - 1].as<ev::RunEnd>();
    REQUIRE(end.reason != EndReason::Deadline);
    REQUIRE(r.exitCode == 0);
    return r;
}

// The world right after the lesson's key step (and the snapshots taken at it).
inline World atKey(const Run& r) {
    StepIndex steps = StepIndex::build(*r.trace);
    REQUIRE(steps.key);
    return World::at(*r.trace, settle(*r.trace, *steps.key));
}

inline pid_t keyPid(const Run& r) {
    StepIndex steps = StepIndex::build(*r.trace);
    REQUIRE(steps.key);
    return (*r.trace)[*steps.key].pid;
}

// The first step with this label: its index in the trace (the test fails if there is none).
inline size_t stepAt(const Run& r, const std::string& label) {
    for (size_t i = 0; i < r.trace->size(); ++i) {
        const Event& e = (*r.trace)[i];
        if (e.kind == EventKind::Marker && r.trace->str(e.as<ev::Marker>().label) == label)
            return i;
    }
    FAIL("no step '" << label << "' in the trace");
    return 0;
}

// The world right after that step (and the snapshots taken at it), and who marked it: for a
// lesson whose key step asks its question before the process it is about exists.
inline World atStep(const Run& r, const std::string& label) {
    return World::at(*r.trace, settle(*r.trace, stepAt(r, label)));
}
inline pid_t stepPid(const Run& r, const std::string& label) {
    return (*r.trace)[stepAt(r, label)].pid;
}

inline const ProcessView& root(const World& w) {
    const ProcessView* p = w.programRoot();
    REQUIRE(p);
    return *p;
}

inline std::vector<const ProcessView*> withRole(const World& w, Role role) {
    std::vector<const ProcessView*> out;
    for (auto& [pid, p] : w.procs)
        if (p.role == role) out.push_back(&p);
    return out;
}

inline const ProcessSnapshot& snap(const Run& r, const ProcessView& p) {
    REQUIRE(p.snap != kNoSnap);
    return r.trace->snapshot(p.snap);
}

inline bool holds(const ProcessSnapshot& s, const std::string& target) {
    return std::any_of(s.fds.begin(), s.fds.end(), [&](auto& f) { return f.target == target; });
}

inline int countInode(const ProcessSnapshot& s, uint64_t inode) {
    return int(
        std::count_if(s.fds.begin(), s.fds.end(), [&](auto& f) { return f.inode == inode; }));
}

// The fd a process named with an annotation (e.g. "tracker pipe (write end)"): its inode.
inline uint64_t namedFdInode(const Run& r, pid_t pid, const std::string& label) {
    for (size_t i = 0; i < r.trace->size(); ++i) {
        const Event& e = (*r.trace)[i];
        auto* a = e.get<ev::Annotation>();
        if (a && e.pid == pid && a->what == ev::NameOf::Fd && r.trace->str(a->label) == label) {
            std::string t(r.trace->str(a->target));
            auto open = t.find('[');
            if (open != std::string::npos) return std::stoull(t.substr(open + 1));
        }
    }
    return 0;
}

// What the process wrote to fd 1 (or `fd`), from the trapped writes, in order.
inline std::string outputOf(const Run& r, pid_t pid, int fd = 1) {
    std::string out;
    for (auto* e : r.events(EventKind::Output))
        if (e->pid == pid && e->as<ev::Output>().fd == fd)
            out += r.trace->str(e->as<ev::Output>().text);
    return out;
}

// When the process reached its exit stop (its last snapshot, fds still intact); -1 if never.
inline int64_t exitStopOf(const Run& r, pid_t pid) {
    int64_t t = -1;
    for (auto* e : r.events(EventKind::Snapshot))
        if (e->pid == pid && e->as<ev::Snapshot>().reason == SnapReason::Exit) t = e->t;
    return t;
}

} // namespace forklab::test
