// The Python lessons: the seeds' scripts run by real CPython under the recorder. Every check is
// a fact the kernel showed (tree, roles recognised from command lines, trapped output, shm
// events, verdicts), as for the C++ lessons. Where no CPython 3.8+ exists the tests say so and
// are reported as skipped (ctest's SKIP_REGULAR_EXPRESSION), never failed.
#include "CliRunner.hpp"
#include "LessonHelpers.hpp"

#include "core/lessons/Python.hpp"
#include "core/probe/Deadlock.hpp"
#include "core/trace/ChromeExport.hpp"
#include "core/trace/DotExport.hpp"

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

using namespace forklab;
using namespace forklab::test;

namespace {

bool pythonMissing() {
    std::string why;
    if (lessonPython(&why)) return false;
    std::cout << "forklab-skip: " << why << '\n';
    return true;
}

std::vector<const Event*> semEvents(const Run& r, EventKind k) {
    std::vector<const Event*> out;
    for (auto* e : r.events(k))
        if (r.trace->str(e->as<ev::Shm>().name).rfind("sem.mp-", 0) == 0) out.push_back(e);
    return out;
}

pid_t markerPid(const Run& r, const std::string& label) {
    for (auto* e : r.events(EventKind::Marker))
        if (r.trace->str(e->as<ev::Marker>().label) == label) return e->pid;
    return 0;
}

} // namespace

TEST_CASE("python-forkserver-ps: the seed's four processes under forkserver", "[python]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-forkserver-ps", m);
        INFO(r.story());
        World w = atKey(r);
        const ProcessView& parent = root(w);
        const ProcessView* child = w.find(keyPid(r));
        REQUIRE(child);
        int alive = 0;
        for (auto& [pid, p] : w.procs) alive += p.alive && p.role != Role::Sandbox;
        auto trackers = withRole(w, Role::Tracker);
        auto servers = withRole(w, Role::Forkserver);
        if (m == StartMethod::Fork) {
            CHECK(alive == 2);
            CHECK(child->parent == parent.pid);
            CHECK(child->execs == 0);
            CHECK(trackers.empty());
            CHECK(servers.empty());
        } else if (m == StartMethod::Spawn) {
            CHECK(alive == 3);
            CHECK(child->parent == parent.pid);
            CHECK(child->role == Role::SpawnChild);
            REQUIRE(trackers.size() == 1);
            CHECK(trackers[0]->parent == parent.pid);
            CHECK(servers.empty());
        } else {
            // parent, resource tracker, forkserver, child: the child's parent is the server.
            CHECK(alive == 4);
            REQUIRE(trackers.size() == 1);
            REQUIRE(servers.size() == 1);
            CHECK(trackers[0]->parent == parent.pid);
            CHECK(servers[0]->parent == parent.pid);
            CHECK(child->parent == servers[0]->pid);
            CHECK(child->execs == 0); // a fork of the server, not a new image
            CHECK(trackers[0]->alive);
            CHECK(servers[0]->alive);
        }
        // What the child printed, attributed by the kernel to the child's own write: its
        // getppid(), inside the sandbox's pid namespace.
        const ProcessView* pp = w.find(child->parent);
        REQUIRE(pp);
        CHECK(outputOf(r, child->pid).find("my parent is " + std::to_string(pp->nspid)) !=
              std::string::npos);
    }
}

TEST_CASE("python-test-value: the child writes 999 under fork, 777 under spawn and forkserver",
          "[python]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-test-value", m);
        INFO(r.story());
        std::string expected = m == StartMethod::Fork ? "Test.value = 999\n" : "Test.value = 777\n";
        CHECK(outputOf(r, keyPid(r)) == expected);
        CHECK(outputOf(r, root(r.world()).pid).empty());
    }
}

TEST_CASE("python-semaphore-killed: the resource tracker unlinks the dead child's semaphore",
          "[python][shm]") {
    if (pythonMissing()) return;
    SECTION("fork: the name is unlinked inside the constructor, no tracker, nothing to leak") {
        Run r = lesson("python-semaphore-killed", StartMethod::Fork);
        INFO(r.story());
        auto creates = semEvents(r, EventKind::ShmCreate);
        REQUIRE(creates.size() == 1);
        pid_t child = creates[0]->pid;
        CHECK(child != root(r.world()).pid);
        auto unlinks = semEvents(r, EventKind::ShmUnlink);
        REQUIRE(unlinks.size() == 1);
        CHECK(unlinks[0]->pid == child);
        const World w = r.world();
        const ProcessView* c = w.find(child);
        REQUIRE(c);
        CHECK(c->status.termSignal() == SIGKILL);
        CHECK(unlinks[0]->t < c->died); // before the kill: it never needed cleaning up
        CHECK(r.events(EventKind::Leak).empty());
        CHECK(withRole(r.world(), Role::Tracker).empty());
    }
    for (StartMethod m : {StartMethod::Spawn, StartMethod::Forkserver}) {
        SECTION(std::string(toString(m)) +
                ": it outlives the child, the tracker unlinks it after the parent exits") {
            Run r = lesson("python-semaphore-killed", m);
            INFO(r.story());
            World w = r.world();
            auto creates = semEvents(r, EventKind::ShmCreate);
            REQUIRE(creates.size() == 1);
            const ProcessView* child = w.find(creates[0]->pid);
            REQUIRE(child);
            CHECK((m == StartMethod::Spawn ? child->parent == root(w).pid
                                           : child->parent != root(w).pid));
            CHECK(child->status.termSignal() == SIGKILL);
            // The parent's kill, seen at the kill syscall: SIGKILL from the parent to the child.
            bool killedByParent = false;
            for (auto* e : r.events(EventKind::Kill))
                killedByParent |= e->pid == root(w).pid && e->as<ev::Kill>().target == child->pid &&
                                  e->as<ev::Kill>().sig == SIGKILL;
            CHECK(killedByParent);
            auto unlinks = semEvents(r, EventKind::ShmUnlink);
            REQUIRE(unlinks.size() == 1);
            CHECK(r.trace->str(unlinks[0]->as<ev::Shm>().name) ==
                  r.trace->str(creates[0]->as<ev::Shm>().name));
            const ProcessView* unlinker = w.find(unlinks[0]->pid);
            REQUIRE(unlinker);
            CHECK(unlinker->role == Role::Tracker);
            CHECK(unlinker->parent == root(w).pid);
            // The entry outlived the child, and went only after the parent's exit closed the
            // last write end of the tracker pipe ...
            CHECK(unlinks[0]->t > child->died);
            int64_t parentExit = exitStopOf(r, root(w).pid);
            REQUIRE(parentExit > 0);
            CHECK(unlinks[0]->t > parentExit);
            // ... within the grace period the sandbox gives helpers after the root exits: the
            // run ended because everything exited, not by teardown.
            auto& start = (*r.trace)[0].as<ev::RunStart>();
            CHECK(unlinks[0]->t - parentExit < int64_t(start.graceMs) * 1'000'000);
            auto& end = (*r.trace)[r.trace->size() - 1].as<ev::RunEnd>();
            CHECK(end.reason == EndReason::AllExited);
            CHECK(r.events(EventKind::Leak).empty());
            // CPython's own warning, written by the tracker.
            CHECK(outputOf(r, unlinker->pid, 2).find("leaked semaphore") != std::string::npos);
        }
    }
}

TEST_CASE("python-lock-after-fork: the fork child gets verdict (b) and teardown kills it",
          "[python][deadlock]") {
    if (pythonMissing()) return;
    SECTION("fork") {
        Run r = lesson("python-lock-after-fork", StartMethod::Fork);
        INFO(r.story());
        World w = r.world();
        pid_t child = markerPid(r, "the child calls lock.acquire()");
        REQUIRE(child != 0);
        REQUIRE(child != root(w).pid);
        auto verdicts = r.events(EventKind::Deadlock);
        REQUIRE(verdicts.size() == 1);
        CHECK(verdicts[0]->pid == child);
        auto& d = verdicts[0]->as<ev::Deadlock>();
        CHECK(d.rule == uint8_t(DeadlockRule::NobodyToWake));
        CHECK(d.tid == child); // its only thread
        const ProcessView* c = w.find(child);
        REQUIRE(c);
        CHECK(c->killedBySandbox);
        CHECK(c->status.termSignal() == SIGKILL);
        // At the key step the parent still runs its holder thread; the child has one thread.
        World k = atKey(r);
        CHECK(k.find(child)->threads.size() == 1);
        CHECK(k.find(root(k).pid)->threads.size() >= 2);
    }
    for (StartMethod m : {StartMethod::Spawn, StartMethod::Forkserver}) {
        SECTION(toString(m)) {
            Run r = lesson("python-lock-after-fork", m);
            INFO(r.story());
            CHECK(r.events(EventKind::Deadlock).empty());
            pid_t child = markerPid(r, "the child calls lock.acquire()");
            REQUIRE(child != 0);
            const World w = r.world();
            const ProcessView* c = w.find(child);
            REQUIRE(c);
            CHECK(c->status.exitCode() == 0);
            CHECK_FALSE(c->killedBySandbox);
        }
    }
}

TEST_CASE("forklab trace -- python3: CPython's helpers are recognised from their command lines",
          "[python][cli]") {
    if (pythonMissing()) return;
    // Through PATH as a user types it: a shim (pyenv) shows as an exec chain of the same process.
    auto out = runForklab({"trace", "-q", "--", "python3", "-B",
                           pythonLessonsDir() + "/forkserver_ps.py", "forkserver"});
    INFO(out.out);
    CHECK(out.exitCode == 0);
    CHECK(out.out.find("[resource-tracker]") != std::string::npos);
    CHECK(out.out.find("[forkserver]") != std::string::npos);
}

TEST_CASE("the Python lessons say why they cannot run without a CPython", "[python][cli]") {
    auto run = runForklab({"run", "python-test-value", "--python", "/nonexistent/python3"});
    CHECK(run.exitCode == 127);
    CHECK(run.out.find("/nonexistent/python3: not found") != std::string::npos);
    auto notPython = runForklab({"run", "python-test-value", "--python", "/bin/true"});
    CHECK(notPython.exitCode == 127);
    CHECK(notPython.out.find("did not answer like a Python interpreter") != std::string::npos);
    auto list = runForklab({"list", "--python", "/nonexistent/python3"});
    CHECK(list.exitCode == 0);
    CHECK(list.out.find("skipped here: /nonexistent/python3: not found") != std::string::npos);
}

TEST_CASE("CPython's plumbing is named from its command lines, the same object in every holder",
          "[python][fds]") {
    if (pythonMissing()) return;
    const std::string dataR = "data pipe (read end: the pickled Process comes in here)",
                      dataW = "data pipe (write end: the parent pickles the Process into it)";
    for (StartMethod m : {StartMethod::Spawn, StartMethod::Forkserver}) {
        CAPTURE(toString(m));
        Run r = lesson("python-forkserver-ps", m);
        INFO(r.story());
        World w = r.world();
        pid_t parent = root(w).pid, child = keyPid(r);
        auto trackers = withRole(w, Role::Tracker);
        REQUIRE(trackers.size() == 1);
        // The tracker's main(N): fd N is the pipe whose write ends the parent and child hold.
        uint64_t tracker = namedFdInode(r, trackers[0]->pid, "tracker pipe (read end)");
        CHECK(tracker != 0);
        CHECK(namedFdInode(r, parent, "tracker pipe (write end)") == tracker);
        CHECK(namedFdInode(r, child, "tracker pipe (write end)") == tracker);
        // The pickle's way: the parent writes, the child reads, one pipe.
        uint64_t data = namedFdInode(r, child, dataR);
        CHECK(data != 0);
        CHECK(namedFdInode(r, parent, dataW) == data);
        if (m == StartMethod::Spawn) {
            uint64_t sentinel =
                namedFdInode(r, child, "sentinel (write end: its death is the parent's EOF)");
            CHECK(sentinel != 0);
            CHECK(namedFdInode(r, parent, "sentinel (read end)") == sentinel);
        } else {
            auto servers = withRole(w, Role::Forkserver);
            REQUIRE(servers.size() == 1);
            pid_t server = servers[0]->pid;
            CHECK(namedFdInode(r, server, "forkserver alive pipe (read end)") ==
                  namedFdInode(r, parent, "forkserver alive pipe (write end)"));
            CHECK(namedFdInode(r, child, "forkserver alive pipe (write end)") ==
                  namedFdInode(r, parent, "forkserver alive pipe (write end)"));
            // The status pipe: the server writes pid and exit code, the parent's sentinel reads.
            uint64_t status = namedFdInode(
                r, server, "status pipe (write end: the forkserver reports pid, then exit code)");
            CHECK(status != 0);
            CHECK(namedFdInode(r, parent, "sentinel (status pipe from the forkserver)") == status);
        }
    }
}

TEST_CASE("CPython's fork start method: the two sentinel pipes, named by the ends each side kept",
          "[python][fds]") {
    if (pythonMissing()) return;
    Run r = lesson("python-test-value", StartMethod::Fork);
    INFO(r.story());
    World w = r.world();
    pid_t parent = root(w).pid, child = keyPid(r);
    REQUIRE(child != parent);
    // The parent learns of the child's death by EOF: the child holds that pipe's write end.
    uint64_t sentinel =
        namedFdInode(r, child, "sentinel (write end: its death is the parent's EOF)");
    CHECK(sentinel != 0);
    CHECK(namedFdInode(r, parent, "sentinel (read end)") == sentinel);
    // ... and the child of the parent's: it holds the read end.
    uint64_t parentSentinel =
        namedFdInode(r, child, "parent sentinel (read end: EOF here when the parent dies)");
    CHECK(parentSentinel != 0);
    CHECK(parentSentinel != sentinel);
    CHECK(namedFdInode(r, parent, "parent sentinel (write end)") == parentSentinel);
}

TEST_CASE("a subprocess is not mistaken for a fork-method child", "[python][fds]") {
    if (pythonMissing()) return;
    const PythonInterpreter* py = lessonPython();
    // The exec'd child keeps one end of a pipe it had both ends of at its vfork, as a
    // fork-method child keeps one end of each sentinel; it must not be named a sentinel.
    Run r = runInSandbox({py->path, "-c",
                          "import os, subprocess; r, w = os.pipe(); "
                          "subprocess.run(['/bin/true'], pass_fds=[w], stdout=subprocess.PIPE)"});
    INFO(r.story());
    CHECK(r.exitCode == 0);
    CHECK(r.events(EventKind::Annotation).empty());
}

TEST_CASE("CPython's helpers carry their roles into the Chrome and DOT exports",
          "[python][export]") {
    if (pythonMissing()) return;
    Run r = lesson("python-forkserver-ps", StartMethod::Forkserver);
    World w = r.world();
    std::ostringstream chrome;
    writeChromeJson(*r.trace, chrome);
    auto j = nlohmann::json::parse(chrome.str());
    std::map<int, std::string> names; // pid -> process_name
    for (auto& e : j["traceEvents"])
        if (e["ph"] == "M" && e["name"] == "process_name")
            names[e["pid"].get<int>()] = e["args"]["name"].get<std::string>();
    for (Role role : {Role::Tracker, Role::Forkserver}) {
        auto holders = withRole(w, role);
        REQUIRE(holders.size() == 1);
        INFO(names[holders[0]->pid]);
        CHECK(names[holders[0]->pid].find(toString(role)) != std::string::npos);
    }
    std::ostringstream dot;
    writeDot(*r.trace, atKey(r), "key", dot);
    CHECK(dot.str().find("forkserver") != std::string::npos);
    CHECK(dot.str().find("resource-tracker") != std::string::npos);
}
