#include "Python.hpp"

#include "core/base/CaptureStdout.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <cstdlib>
#include <mutex>
#include <sstream>
#include <unistd.h>

#ifndef FORKLAB_SOURCE_PYTHON_LESSONS
#define FORKLAB_SOURCE_PYTHON_LESSONS ""
#endif

namespace forklab {
namespace {

// -S: the answer does not need site-packages (a .pth may import certifi: 40 ms per start).
constexpr const char* kAsk =
    "import sys; print(sys.implementation.name, '%d.%d.%d' % sys.version_info[:3], "
    "sys.executable)";

struct Chosen {
    std::mutex m;
    bool decided = false;
    std::string request;
    std::optional<PythonInterpreter> py;
    std::string why;
};
Chosen& chosen() {
    static Chosen c;
    return c;
}

} // namespace

std::optional<PythonInterpreter> findPython(const std::string& request, std::string* why) {
    auto fail = [&](std::string w) -> std::optional<PythonInterpreter> {
        if (why) *why = std::move(w);
        return std::nullopt;
    };
    const std::string name = request.empty() ? "python3" : request;
    const std::string path = Sandbox::resolveProgram(name);
    if (path.empty())
        return fail(request.empty() ? "no python3 found on PATH (install python3, or choose one "
                                      "with --python PATH)"
                                    : name + ": not found or not executable");
    std::istringstream answer(captureStdout({path, "-S", "-c", kAsk}, 10'000));
    std::string impl, version, exe;
    answer >> impl >> version;
    std::getline(answer >> std::ws, exe);
    if (impl.empty() || version.empty())
        return fail(path + " did not answer like a Python interpreter");
    if (impl != "cpython") return fail(path + " is " + impl + ", not CPython");
    int major = 0, minor = 0;
    if (sscanf(version.c_str(), "%d.%d", &major, &minor) != 2 || major < 3 ||
        (major == 3 && minor < 8))
        return fail(path + " is CPython " + version + "; the lessons need 3.8 or newer");
    if (exe.empty()) exe = path; // sys.executable may be empty for an embedded interpreter
    return PythonInterpreter{exe, version, name};
}

void choosePython(const std::string& request) {
    Chosen& c = chosen();
    std::lock_guard lock(c.m);
    c.request = request;
    c.decided = false;
}

const PythonInterpreter* lessonPython(std::string* why) {
    Chosen& c = chosen();
    std::lock_guard lock(c.m);
    if (!c.decided) {
        c.py = findPython(c.request, &c.why);
        c.decided = true;
    }
    if (!c.py && why) *why = c.why;
    return c.py ? &*c.py : nullptr;
}

std::string pythonLessonsDir() {
    if (const char* env = getenv("FORKLAB_PYTHON_LESSONS"); env && *env) return env;
    return FORKLAB_SOURCE_PYTHON_LESSONS;
}

} // namespace forklab
