// Text the observed program controls (its argv) cannot crash the recorder, and cannot earn a
// role by merely containing CPython's launch text.
#include "CliRunner.hpp"
#include "SandboxHelpers.hpp"

#include "core/lessons/Python.hpp"
#include "core/sandbox/CPythonPlumbing.hpp"
#include "core/sandbox/LaunchForms.hpp"
#include "core/sandbox/Roles.hpp"
#include "core/trace/TraceReader.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

using namespace forklab;
using namespace forklab::test;

namespace {

const std::string kServer = "from multiprocessing.forkserver import main; main(";
const std::string kPython = "/usr/bin/python3.11"; // what /proc/PID/exe says for a CPython

// CPython-looking command lines whose numbers or lengths no real CPython would write.
std::vector<std::vector<std::string>> hostileArgvs() {
    const std::string digits(120000, '7'); // also deep for a backtracking regex
    const std::string spaces(120000, ' ');
    return {
        {"python3", "-c", kServer + "99999999999, 4)"},
        {"python3", "-c", kServer + "3, 99999999999999999999999)"},
        {"python3", "-c", kServer + digits + ", 4)"},
        {"python3", "-c", "from multiprocessing.forkserver import main;" + spaces + "main(3, 4)"},
        {"python3", "-c", "from multiprocessing.resource_tracker import main;main(" + digits + ")"},
        {"python3", "-c",
         "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=99999999999, "
         "pipe_handle=7)",
         "--multiprocessing-fork"},
        {"python3", "-c",
         "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=" +
             digits + ")",
         "--multiprocessing-fork"},
        {"python3", "-c", kServer + "-1, -2147483648)"},
    };
}

} // namespace

TEST_CASE("hostile CPython launch text is parsed without throwing", "[hostile]") {
    ProcessSnapshot after; // no fds: nothing to name, only the parse is exercised
    for (auto& argv : hostileArgvs()) {
        CAPTURE(argv[2].substr(0, 80), argv[2].size());
        CPythonPlumbing p;
        CHECK_NOTHROW(p.learnExec(4242, kPython, argv, after));
        CHECK_NOTHROW(p.learnExec(4242, argv, after)); // the exe read from /proc/4242
        Role role = Role::Sandbox;
        CHECK_NOTHROW(role = roleFromCommandLine(kPython, argv));
        CHECK(role == Role::Program); // no real CPython writes these numbers
    }
}

TEST_CASE("CPython's launch forms, exactly, from a CPython executable", "[hostile][roles]") {
    const std::string server = kServer + "5, 6, ['__main__'], **{'main_path': '/t/x.py', "
                                         "'sys_path': ['/t', '/usr/lib/python3.11']})";
    const std::string tracker = "from multiprocessing.resource_tracker import main;main(7)";
    const std::string spawn =
        "from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=9)";
    SECTION("the forms CPython 3.8-3.13 writes") {
        auto l = recogniseCPythonLaunch(kPython, {"python3", "-c", server});
        CHECK(l.kind == CPythonLaunchKind::Forkserver);
        CHECK((l.fds[0] == 5 && l.fds[1] == 6));
        l = recogniseCPythonLaunch("/usr/bin/python3.12", {"x", "-c", kServer + "3, 4, [], **{})"});
        CHECK(l.kind == CPythonLaunchKind::Forkserver);
        l = recogniseCPythonLaunch("/usr/bin/python3.13t", {"python3", "-B", "-X", "faulthandler",
                                                            "-Wignore", "-c", tracker});
        CHECK(l.kind == CPythonLaunchKind::ResourceTracker);
        CHECK(l.fds[0] == 7);
        l = recogniseCPythonLaunch(kPython, {"python3", "-c", spawn, "--multiprocessing-fork"});
        CHECK(l.kind == CPythonLaunchKind::SpawnChild);
        CHECK((l.fds[0] == 5 && l.fds[1] == 9));
        CHECK(roleFromCommandLine(kPython, {"python3", "-c", server}) == Role::Forkserver);
        CHECK(roleFromCommandLine(kPython, {"python3", "-c", tracker}) == Role::Tracker);
        CHECK(roleFromCommandLine(kPython, {"python3", "-c", spawn, "--multiprocessing-fork"}) ==
              Role::SpawnChild);
    }
    SECTION("not from another executable, whatever argv[0] says") {
        for (const char* exe : {"/usr/bin/bash", "/bin/true", "/usr/bin/pythonista",
                                "/usr/bin/python3.11-config", "/usr/bin/python2.7", ""}) {
            CAPTURE(exe);
            CHECK_FALSE(isCPythonExecutable(exe));
            CHECK(roleFromCommandLine(exe, {"python3", "-c", server}) == Role::Program);
            CHECK(roleFromCommandLine(exe, {"python3", "-c", tracker}) == Role::Program);
        }
        for (const char* exe : {"/usr/bin/python3", "python3.11", "/x/python", "/x/python3.13td"})
            CHECK(isCPythonExecutable(exe));
    }
    SECTION("not from text that only contains a form") {
        const std::vector<std::vector<std::string>> near = {
            {"python3", "-c", kServer + "3, 4)"}, // the line: not CPython's statement
            {"python3", "-c", "print(1); " + tracker},
            {"python3", "-c", tracker + "; print(1)"},
            {"python3", "-c", tracker, "extra"},
            {"python3", "-c", spawn},              // without --multiprocessing-fork
            {"python3", "-m", "x", "-c", tracker}, // -m runs x, not the form
            {"python3", "-ic", tracker},           // an option group holding c
            {"python3", "-c", kServer + "3, 4, [__import__('os')], **{})"}, // a call in the repr
            {"python3", "-c", kServer + "3, 4, ['a', **{})"},               // unbalanced
            {"python3", "-c", kServer + "3, 4, ['a], **{})"},               // unterminated string
            {"python3", "-c", kServer + "3, 4, [" + std::string(40, '[') + "], **{})"},
            {"python3", tracker},
            {"python3"},
        };
        for (auto& argv : near) {
            CAPTURE(argv);
            CHECK(recogniseCPythonLaunch(kPython, argv).kind == CPythonLaunchKind::None);
            CHECK(roleFromCommandLine(kPython, argv) == Role::Program);
        }
    }
}

TEST_CASE("forklab trace survives an argv made to look like CPython's", "[hostile][cli]") {
    const std::string dir =
        std::filesystem::temp_directory_path() / ("forklab-hostile-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::string d;
        ~Cleanup() { std::filesystem::remove_all(d); }
    } cleanup{dir};
    const std::vector<std::string> programs = {
        // argv[0] says python3; the executable is true(1).
        "exec -a python3 /bin/true -c \"" + kServer + "99999999999, 4)\"",
        "exec -a python3 /bin/true -c \"" + kServer + std::string(120000, '9') + ", 4)\"",
    };
    for (size_t i = 0; i < programs.size(); ++i) {
        CAPTURE(i);
        const std::string out = dir + "/t" + std::to_string(i) + ".forklab.jsonl";
        auto r = runForklab({"trace", "-q", "--export", out, "--", "bash", "-c", programs[i]});
        INFO(r.out.substr(0, 2000));
        CHECK(r.exitCode == 0); // true(1)'s status: forklab did not die
        CHECK(std::filesystem::exists(out));
        CHECK(r.out.find("terminate called") == std::string::npos);
    }
    // A real CPython given the statement with a number no fd has: it fails (1), forklab records
    // it, and the number that does not fit an int makes it no forkserver.
    const PythonInterpreter* py = lessonPython();
    if (!py) return; // the bash lines above are the test where no CPython exists
    const std::string out = dir + "/py.forklab.jsonl";
    auto r = runForklab({"trace", "-q", "--export", out, "--", py->path, "-c",
                         kServer + "9999999999, 4, [], **{})"});
    INFO(r.out.substr(0, 2000));
    CHECK(r.exitCode == 1);
    Trace t;
    REQUIRE_FALSE(readJsonlFile(out, t));
    int execs = 0;
    for (size_t i = 0; i < t.size(); ++i)
        if (auto* x = t[i].get<ev::Exec>(); x && x->role != Role::Sandbox) {
            ++execs;
            CHECK(x->role == Role::Program);
        }
    CHECK(execs >= 1);
}

TEST_CASE("a shell whose -c text contains the forkserver statement is a program",
          "[hostile][roles]") {
    Run r = runInSandbox(
        {"bash", "-c", ": 'from multiprocessing.forkserver import main; main(3, 4)'; true"});
    INFO(r.story());
    REQUIRE(r.exitCode == 0);
    int programs = 0;
    for (auto* e : r.events(EventKind::Exec)) {
        auto& x = e->as<ev::Exec>();
        if (x.role == Role::Sandbox) continue;
        CHECK(x.role == Role::Program);
        ++programs;
    }
    CHECK(programs >= 1); // the bash exec was seen
}
