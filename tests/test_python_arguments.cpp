// python-arguments (issue 14): what crosses to a CPython child, caught where the parent writes
// it. Every check is a fact the recorder observed: the pipe_write events (the bytes the kernel
// took from the writer's buffer, on the pipe the child's command line or SCM_RIGHTS names), the
// tree, each process's own writes to stdout and stderr, and which process wrote which marker.
#include "PythonHelpers.hpp"

#include "core/base/HexBytes.hpp"
#include "core/lessons/PickleReading.hpp"
#include "core/lessons/VersionFacts.hpp"
#include "core/trace/PipeWrites.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/TraceIndex.hpp"
#include "core/trace/TraceReader.hpp"

#include <functional>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace forklab;
using namespace forklab::test;

namespace {

const std::string kGlobal = "this is a global arg";
const std::string kLocal = "this is a local arg";

// The read end the child was given: under spawn the fd its command line names (pipe_handle=M),
// under forkserver the one the recorder named from the fds the server passed on.
std::string childDataPipe(const Run& r, const World& w, const ProcessView& child, StartMethod m) {
    if (m == StartMethod::Spawn) {
        std::string handle;
        for (auto& a : child.argv)
            if (auto at = a.find("pipe_handle="); at != std::string::npos)
                handle = a.substr(at + 12, a.find_first_not_of("0123456789", at + 12) - at - 12);
        REQUIRE(!handle.empty());
        const int fd = std::stoi(handle);
        for (auto* e : r.events(EventKind::Exec))
            if (e->pid == child.pid)
                for (auto& f : r.trace->snapshot(e->as<ev::Exec>().after).fds)
                    if (f.fd == fd) return f.target;
        return {};
    }
    (void)w;
    uint64_t ino =
        namedFdInode(r, child.pid, "data pipe (read end: the pickled Process comes in here)");
    return ino ? "pipe:[" + std::to_string(ino) + "]" : std::string();
}

// The facts of the plain lesson under one interpreter's run.
void checkWhatCrossed(const Run& r, StartMethod m) {
    INFO(r.story());
    World w = r.world();
    const ProcessView& parent = root(w);
    const pid_t child = markerPid(r, "the child runs its target");
    REQUIRE(child != 0);
    REQUIRE(child != parent.pid);
    CHECK(outputOf(r, child).find(kGlobal + " - " + kLocal + "\n") != std::string::npos);
    const std::vector<PipeData> crossed = pipeWrites(*r.trace);
    { // what a frame reads (from the index, not a scan) is the same
        TraceIndex index;
        index.update(*r.trace);
        const auto indexed = pipeWrites(*r.trace, index.pipeWrites());
        REQUIRE(indexed.size() == crossed.size());
        for (size_t i = 0; i < crossed.size(); ++i) {
            CHECK(indexed[i].pid == crossed[i].pid);
            CHECK(indexed[i].target == crossed[i].target);
            CHECK(indexed[i].bytes == crossed[i].bytes);
            CHECK(indexed[i].length == crossed[i].length);
        }
    }
    if (m == StartMethod::Fork) {
        // A copy of the parent's memory: nothing is written for the child to read.
        CHECK(crossed.empty());
        CHECK(w.find(child)->parent == parent.pid);
        CHECK(w.find(child)->execs == 0);
        return;
    }
    REQUIRE(crossed.size() == 1);
    const PipeData& d = crossed[0];
    CHECK(d.pid == parent.pid); // the parent wrote it, not the child, not the server
    CHECK(d.bytes.size() == d.length);
    REQUIRE(d.bytes.size() > 2);
    // A pickle protocol header: PROTO (0x80) and a protocol CPython writes (2 to 5).
    CHECK(uint8_t(d.bytes[0]) == 0x80);
    CHECK(uint8_t(d.bytes[1]) >= 2);
    CHECK(uint8_t(d.bytes[1]) <= 5);
    // Both arguments travel by value (SHORT_BINUNICODE: the UTF-8 text itself).
    CHECK(d.bytes.find(kGlobal) != std::string::npos);
    CHECK(d.bytes.find(kLocal) != std::string::npos);
    // The target by its name only: the module and the function's name, not its code.
    CHECK(d.bytes.find("process_task") != std::string::npos);
    // The pipe written is the one the child reads from.
    const ProcessView* c = w.find(child);
    REQUIRE(c);
    CHECK(childDataPipe(r, w, *c, m) == d.target);
}

} // namespace

TEST_CASE("python-arguments: the pickled bytes cross in the data pipe under spawn and "
          "forkserver, nothing under fork",
          "[python][lessons][arguments]") {
    if (pythonMissing()) return;
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        checkWhatCrossed(lesson("python-arguments", m), m);
    }
}

namespace {

// A variant whose argument cannot be pickled. Under fork the child prints `forkPrints` (its copy
// of the argument); under spawn and forkserver the parent's start() raises while pickling (each
// of `errors` in its stderr) before any child for the target exists, and nothing reaches a data
// pipe. `more` checks what else the variant shows under spawn and forkserver.
void checkPicklingRefused(const std::string& variant, const std::string& forkPrints,
                          const std::vector<std::string>& errors,
                          const std::function<void(const Run&, const World&, StartMethod)>& more) {
    for (StartMethod m : kAllMethods) {
        CAPTURE(toString(m));
        Run r = lesson("python-arguments", m, variant);
        INFO(r.story());
        World w = r.world();
        const ProcessView& parent = root(w);
        if (m == StartMethod::Fork) {
            pid_t child = markerPid(r, "the child runs its target");
            REQUIRE(child != 0);
            CHECK(outputOf(r, child).find(forkPrints) != std::string::npos);
            CHECK(pipeWrites(*r.trace).empty());
            continue;
        }
        std::string err = outputOf(r, parent.pid, 2);
        CAPTURE(err);
        for (const std::string& e : errors) CHECK(err.find(e) != std::string::npos);
        CHECK(markerPid(r, "the child runs its target") == 0);
        CHECK(withRole(w, Role::SpawnChild).empty());
        CHECK(pipeWrites(*r.trace).empty()); // nothing reached a data pipe
        more(r, w, m);
    }
}

} // namespace

TEST_CASE("python-arguments --variant lambda: works under fork, PicklingError in the parent's "
          "start() under spawn and forkserver",
          "[python][lessons][arguments]") {
    if (pythonMissing()) return;
    checkPicklingRefused("lambda", kGlobal + " - " + kLocal,
                         {"PicklingError: Can't pickle <function <lambda> at 0x",
                          "attribute lookup <lambda> on __main__ failed"},
                         [](const Run& r, const World& w, StartMethod m) {
                             CHECK(markerPid(r, "start() raised in the parent") == root(w).pid);
                             if (m == StartMethod::Forkserver)
                                 CHECK(withRole(w, Role::Forkserver).empty());
                             if (m == StartMethod::Spawn)
                                 CHECK(withRole(w, Role::Tracker).size() == 1);
                         });
}

TEST_CASE("python-arguments --variant lock: a threading.Lock argument is a TypeError under "
          "spawn and forkserver, a copy under fork",
          "[python][lessons][arguments]") {
    if (pythonMissing()) return;
    checkPicklingRefused("lock", "_thread.lock object at 0x",
                         {"TypeError: cannot pickle '_thread.lock' object"},
                         [](const Run&, const World&, StartMethod) {});
}

TEST_CASE("python-arguments on every CPython here: the same header, the same crossing",
          "[python][matrix][arguments]") {
    const PythonSearch found = findPythons();
    if (found.found.empty()) {
        std::cout << "forklab-skip: no CPython 3.8+ found (PATH, python3.X, pyenv)\n";
        return;
    }
    for (auto& py : found.found) {
        CAPTURE(py.path, py.version);
        for (StartMethod m : {StartMethod::Spawn, StartMethod::Forkserver}) {
            Run r = runWith(py, "python-arguments", m);
            checkWhatCrossed(r, m);
            // The version table's row: the size the recorder caught and the header's protocol.
            const auto crossed = pipeWrites(*r.trace);
            REQUIRE(crossed.size() == 1);
            std::string row;
            for (auto& f : observeVersionFacts(*r.trace))
                if (f.name == "written into the data pipe") row = f.value;
            CHECK(row == std::to_string(crossed[0].length) + " bytes, pickle protocol 4");
        }
        Run lam = runWith(py, "python-arguments", StartMethod::Spawn, "lambda");
        CHECK(outputOf(lam, root(lam.world()).pid, 2).find("PicklingError") != std::string::npos);
    }
}

TEST_CASE("the captured bytes read by the writer's own pickletools", "[python][arguments]") {
    if (pythonMissing()) return;
    Run r = lesson("python-arguments", StartMethod::Spawn);
    auto crossed = pipeWrites(*r.trace);
    REQUIRE(crossed.size() == 1);
    const std::string exe = execedExe(*r.trace, crossed[0].pid);
    PickleReading reading = readPickles(exe, crossed[0].bytes);
    CAPTURE(reading.text);
    REQUIRE(reading.ok);
    CHECK(reading.tool.find(" -m pickletools") != std::string::npos);
    CHECK(reading.text.find("PROTO      4") != std::string::npos);
    CHECK(reading.text.find("'" + kLocal + "'") != std::string::npos);
    CHECK(reading.text.find("'process_task'") != std::string::npos);
    // Two pickles, each read to its STOP: the preparation data, then the Process.
    size_t stops = 0;
    for (size_t at = 0; (at = reading.text.find(" STOP\n", at)) != std::string::npos; ++at) ++stops;
    CHECK(stops == 2);
    // An executable this machine's search did not find is never run.
    PickleReading none = readPickles("/bin/true", crossed[0].bytes);
    CHECK_FALSE(none.ok);
    CHECK(none.tool.empty());
}

TEST_CASE("pipe_write records survive the trace file", "[tracefile][arguments]") {
    Trace t;
    t.append(Event{0, 0, EventKind::RunStart, ev::RunStart{t.intern("x"), 0, 1, 1, 1}});
    t.append(Event{1, 7, EventKind::PipeWrite,
                   ev::PipeWrite{9, t.intern("pipe:[42]"),
                                 t.intern(toHexBytes(std::string("\x80\x04\x95\x00", 4))), 10}});
    std::ostringstream out;
    writeJsonl(t, out);
    CHECK(out.str().find(R"({"fd":9,"hex":"80049500","kind":"pipe_write","length":10,"pid":7,)"
                         R"("t":1,"target":"pipe:[42]"})") != std::string::npos);
    CHECK(eventToJson(t, t[1]).dump() ==
          R"({"fd":9,"hex":"80049500","kind":"pipe_write","length":10,"pid":7,"t":1,)"
          R"("target":"pipe:[42]"})");
    Trace back;
    std::istringstream in(out.str());
    auto error = readJsonl(in, back);
    REQUIRE_FALSE(error);
    auto crossed = pipeWrites(back);
    REQUIRE(crossed.size() == 1);
    CHECK(crossed[0].bytes == std::string("\x80\x04\x95\x00", 4));
    CHECK(crossed[0].length == 10);
    CHECK(crossed[0].fd == 9);
    CHECK(crossed[0].pid == 7);
}

TEST_CASE("pipes that are not CPython's data pipe are never recorded", "[python][arguments]") {
    SECTION("a shell pipeline") {
        Run r = runInSandbox({"/bin/sh", "-c", "echo hello | cat"});
        CHECK(r.exitCode == 0);
        CHECK(pipeWrites(*r.trace).empty());
    }
    SECTION("CPython's subprocess writing into a child's stdin") {
        std::string why;
        const PythonInterpreter* py = lessonPython(&why);
        if (!py) {
            std::cout << "forklab-skip: " << why << '\n';
            return;
        }
        // The parent vforks (3.10+) or forks a child that execs cat: followed until that exec,
        // which is no launch form of CPython's, then let go; its write comes after.
        Run r = runInSandbox({py->path, "-c",
                              "import subprocess; subprocess.run(['cat'], input=b'x' * 100, "
                              "stdout=subprocess.DEVNULL, check=True)"});
        CHECK(r.exitCode == 0);
        CHECK(pipeWrites(*r.trace).empty());
        CHECK(r.events(EventKind::Exec).size() >= 2); // the interpreter and cat
    }
}
