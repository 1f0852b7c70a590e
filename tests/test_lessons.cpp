// Every lesson under every start method: the cells of DESIGN §5, checked from what the kernel
// showed (tree, snapshots, verdicts, shm events, each process's trapped output) — never from
// what the lesson says about itself.
#include "LessonHelpers.hpp"

#include "core/probe/Deadlock.hpp"

#include <algorithm>

using namespace forklab;
using namespace forklab::test;

// The child's own step (the key step asks before the child exists).
const std::string kChildStep = "the child runs its target";

TEST_CASE("start-methods: the three process trees", "[lessons]") {
    SECTION("fork: a child of the parent, no exec, no helpers") {
        Run r = lesson("start-methods", StartMethod::Fork);
        World w = r.world();
        const ProcessView* child = w.find(stepPid(r, kChildStep));
        REQUIRE(child);
        CHECK(child->parent == root(w).pid);
        CHECK(child->execs == 0);
        CHECK(withRole(w, Role::Tracker).empty());
        CHECK(withRole(w, Role::Forkserver).empty());
    }
    SECTION("spawn: a child of the parent with an exec, and a tracker") {
        Run r = lesson("start-methods", StartMethod::Spawn);
        World w = r.world();
        const ProcessView* child = w.find(stepPid(r, kChildStep));
        REQUIRE(child);
        CHECK(child->parent == root(w).pid);
        CHECK(child->execs == 1);
        CHECK(child->role == Role::SpawnChild);
        REQUIRE(withRole(w, Role::Tracker).size() == 1);
        CHECK(withRole(w, Role::Tracker)[0]->parent == root(w).pid);
    }
    SECTION("forkserver: a child of the server, which is a child of the parent; a tracker") {
        Run r = lesson("start-methods", StartMethod::Forkserver);
        World w = r.world();
        const ProcessView* child = w.find(stepPid(r, kChildStep));
        REQUIRE(child);
        const ProcessView* server = w.find(child->parent);
        REQUIRE(server);
        CHECK(server->role == Role::Forkserver);
        CHECK(server->parent == root(w).pid);
        CHECK(child->execs == 0);
        REQUIRE(withRole(w, Role::Tracker).size() == 1);
    }
}

TEST_CASE("global-state: the child writes 999 under fork, 777 under spawn and forkserver",
          "[lessons]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("global-state", m);
        std::string expected = m == StartMethod::Fork ? "Test.value = 999\n" : "Test.value = 777\n";
        CHECK(outputOf(r, keyPid(r)) == expected);
    }
}

// The child's step with its fd table (the key step asks before the child exists).
const std::string kFdStep = "the child looks at its fd table";

TEST_CASE("fd-inheritance: what each child holds", "[lessons][fds]") {
    const std::string file = "/etc/group", cloexec = "/etc/hostname", inheritable = "/etc/passwd";
    SECTION("fork: all four, CLOEXEC or not") {
        Run r = lesson("fd-inheritance", StartMethod::Fork);
        World w = atStep(r, kFdStep);
        const ProcessSnapshot& s = snap(r, *w.find(stepPid(r, kFdStep)));
        CHECK(s.full);
        CHECK(holds(s, file));
        CHECK(holds(s, cloexec));
        CHECK(holds(s, inheritable));
        uint64_t pipe = namedFdInode(r, root(w).pid, "lesson: a pipe, read end");
        REQUIRE(pipe != 0);
        CHECK(countInode(s, pipe) == 2); // both ends of the parent's pipe
    }
    SECTION("spawn: stdio and plumbing; exec closed the CLOEXEC one, the launcher the rest") {
        Run r = lesson("fd-inheritance", StartMethod::Spawn);
        World w = atStep(r, kFdStep);
        pid_t child = stepPid(r, kFdStep);
        const ProcessSnapshot& s = snap(r, *w.find(child));
        for (int fd : {0, 1, 2}) CHECK(s.findFd(fd));
        CHECK_FALSE(holds(s, file));
        CHECK_FALSE(holds(s, cloexec));
        CHECK_FALSE(holds(s, inheritable));
        uint64_t pipe = namedFdInode(r, root(w).pid, "lesson: a pipe, read end");
        CHECK(countInode(s, pipe) == 0);
        uint64_t tracker = namedFdInode(r, root(w).pid, "tracker pipe (write end)");
        REQUIRE(tracker != 0);
        CHECK(countInode(s, tracker) == 1);
        // Who closed what: the child's exec event, before and after.
        const Event* exec = nullptr;
        for (auto* e : r.events(EventKind::Exec))
            if (e->pid == child) exec = e;
        REQUIRE(exec);
        const auto& x = exec->as<ev::Exec>();
        const ProcessSnapshot& before = r.trace->snapshot(x.before);
        const ProcessSnapshot& after = r.trace->snapshot(x.after);
        CHECK(holds(before, cloexec)); // still there at the execve stop: exec closes it
        CHECK_FALSE(holds(after, cloexec));
        CHECK_FALSE(holds(before, file)); // closed by the launcher before exec
        CHECK_FALSE(holds(before, inheritable));
    }
    SECTION("forkserver: stdio and plumbing received by SCM_RIGHTS, under new numbers") {
        Run r = lesson("fd-inheritance", StartMethod::Forkserver);
        World w = atStep(r, kFdStep);
        const ProcessSnapshot& s = snap(r, *w.find(stepPid(r, kFdStep)));
        for (int fd : {0, 1, 2}) CHECK(s.findFd(fd));
        CHECK_FALSE(holds(s, file));
        CHECK_FALSE(holds(s, cloexec));
        CHECK_FALSE(holds(s, inheritable));
        uint64_t tracker = namedFdInode(r, root(w).pid, "tracker pipe (write end)");
        REQUIRE(tracker != 0);
        REQUIRE(countInode(s, tracker) == 1);
        int parentFd = -1, childFd = -1;
        for (auto& f : snap(r, root(w)).fds)
            if (f.inode == tracker) parentFd = f.fd;
        for (auto& f : s.fds)
            if (f.inode == tracker) childFd = f.fd;
        CHECK(parentFd != childFd);
    }
}

TEST_CASE("mutex-after-fork: verdict (a) under fork only", "[lessons][deadlock]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("mutex-after-fork", m);
        World w = r.world();
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        auto verdicts = r.events(EventKind::Deadlock);
        if (m == StartMethod::Fork) {
            REQUIRE(verdicts.size() == 1);
            CHECK(verdicts[0]->pid == child->pid);
            const auto& d = verdicts[0]->as<ev::Deadlock>();
            CHECK(d.rule == uint8_t(DeadlockRule::OrphanedMutex));
            CHECK(child->killedBySandbox);
            // The address is the one the lesson calls log_lock.
            bool named = false;
            for (size_t i = 0; i < r.trace->size(); ++i) {
                auto* a = (*r.trace)[i].get<ev::Annotation>();
                if (a && a->what == ev::NameOf::Mutex && a->value == d.addr)
                    named = r.trace->str(a->label) == "log_lock";
            }
            CHECK(named);
        } else {
            CHECK(verdicts.empty());
            CHECK_FALSE(child->alive);
            CHECK(child->status.exited());
            CHECK(child->status.exitCode() == 0);
        }
    }
}

TEST_CASE("atfork-fix: no verdict, the child exits 0", "[lessons][deadlock]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("atfork-fix", m);
        CHECK(r.events(EventKind::Deadlock).empty());
        World w = r.world(); // views point into it: keep it alive
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        CHECK(child->status.exited());
        CHECK(child->status.exitCode() == 0);
    }
}

TEST_CASE("threads-after-fork: the child has exactly one thread", "[lessons]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("threads-after-fork", m);
        World w = atKey(r);
        CHECK(snap(r, *w.find(keyPid(r))).threads.size() == 1);
        CHECK(snap(r, root(w)).threads.size() == 5);
        for (auto* server : withRole(w, Role::Forkserver))
            CHECK(snap(r, *server).threads.size() == 1);
        if (m == StartMethod::Forkserver) CHECK(withRole(w, Role::Forkserver).size() == 1);
    }
}

TEST_CASE("semaphore-tracker: who unlinks the killed child's semaphore", "[lessons][shm]") {
    SECTION("fork: unlinked right after creation, no tracker, nothing to leak") {
        Run r = lesson("semaphore-tracker", StartMethod::Fork);
        pid_t child = 0;
        auto creates = r.events(EventKind::ShmCreate);
        REQUIRE(creates.size() == 1);
        child = creates[0]->pid;
        auto unlinks = r.events(EventKind::ShmUnlink);
        REQUIRE(unlinks.size() == 1);
        CHECK(unlinks[0]->pid == child);
        CHECK(r.events(EventKind::Leak).empty());
        CHECK(withRole(r.world(), Role::Tracker).empty());
    }
    for (StartMethod m : {StartMethod::Spawn, StartMethod::Forkserver}) {
        SECTION(std::string(toString(m)) +
                ": the tracker unlinks it when its last writer is gone") {
            Run r = lesson("semaphore-tracker", m);
            World w = r.world();
            auto creates = r.events(EventKind::ShmCreate);
            REQUIRE(creates.size() == 1);
            const ProcessView* child = w.find(creates[0]->pid);
            REQUIRE(child);
            CHECK(child->status.termSignal() == SIGKILL);
            auto unlinks = r.events(EventKind::ShmUnlink);
            REQUIRE(unlinks.size() == 1);
            CHECK(r.trace->str(unlinks[0]->as<ev::Shm>().name) ==
                  r.trace->str(creates[0]->as<ev::Shm>().name));
            const ProcessView* unlinker = w.find(unlinks[0]->pid);
            REQUIRE(unlinker);
            CHECK(unlinker->role == Role::Tracker);
            // It outlived the child and the parent: unlinked after both died.
            CHECK(unlinks[0]->t > child->died);
            // The parent's exit stop (its last snapshot) came first: its exit closed the last
            // write end of the tracker pipe.
            int64_t parentExiting = exitStopOf(r, root(w).pid);
            REQUIRE(parentExiting > 0);
            CHECK(unlinks[0]->t > parentExiting);
            CHECK(r.events(EventKind::Leak).empty());
            // ... with a warning naming it, written by the tracker.
            CHECK(outputOf(r, unlinker->pid, 2).find("leaked semaphore") != std::string::npos);
        }
        SECTION(std::string(toString(m)) + ", tracker killed first: the sandbox reports the leak") {
            Run r = lesson("semaphore-tracker", m, "tracker-killed");
            auto creates = r.events(EventKind::ShmCreate);
            REQUIRE(creates.size() == 1);
            CHECK(r.events(EventKind::ShmUnlink).empty());
            auto leaks = r.events(EventKind::Leak);
            REQUIRE(leaks.size() == 1);
            CHECK(leaks[0]->as<ev::Leak>().creator == creates[0]->pid);
            World w = r.world();
            auto trackers = withRole(w, Role::Tracker);
            REQUIRE(trackers.size() == 1);
            const ProcessView* tracker = trackers[0];
            CHECK(tracker->status.termSignal() == SIGKILL);
        }
    }
}

TEST_CASE("forkserver-ps: 2, 3 or 4 processes with the right parents", "[lessons]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("forkserver-ps", m);
        World w = atKey(r);
        int alive = 0;
        for (auto& [pid, p] : w.procs) alive += p.alive && p.role != Role::Sandbox;
        int expected = m == StartMethod::Fork ? 2 : m == StartMethod::Spawn ? 3 : 4;
        CHECK(alive == expected);
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        const ProcessView* parent = w.find(child->parent);
        REQUIRE(parent);
        CHECK(parent->role == (m == StartMethod::Forkserver ? Role::Forkserver : Role::Program));
    }
}

TEST_CASE("launch-latency: every launch is recorded", "[lessons]") {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("launch-latency", m, "10");
        World w = r.world();
        int children = 0;
        for (auto& [pid, p] : w.procs) {
            const ProcessView* parent = w.find(p.parent);
            bool launched = m == StartMethod::Forkserver
                                ? parent && parent->role == Role::Forkserver
                                : p.parent == root(w).pid && p.role != Role::Tracker &&
                                      p.role != Role::Forkserver;
            children += launched;
        }
        CHECK(children == 10);
    }
}

TEST_CASE("every lesson flags a key step and has narration for each of its steps", "[lessons]") {
    for (auto& l : lessons()) {
        CAPTURE(l.id);
        if (std::string why = lessonUnavailable(l); !why.empty()) {
            WARN(l.id << " not run: " << why);
            continue;
        }
        std::string err;
        auto n = loadNarration(l.id, &err);
        INFO(err);
        REQUIRE(n);
        CHECK_FALSE(n->question.empty());
        CHECK_FALSE(n->reveal.empty());
        Run r = lesson(l.id, StartMethod::Spawn, l.id == "launch-latency" ? "3" : "");
        StepIndex steps = StepIndex::build(*r.trace);
        CHECK(steps.key);
        for (size_t i : steps.markers) {
            std::string label(r.trace->str((*r.trace)[i].as<ev::Marker>().label));
            INFO("step without narration: " << label);
            CHECK(n->steps.count(label) == 1);
        }
    }
}
