#pragma once
// Shared by the Python lesson tests: which CPython plays them (skipping with the reason where
// there is none, never failing), a lesson played by a given interpreter, and the facts the
// recorder observed about one process (its markers, its output).
#include "LessonHelpers.hpp"

#include "core/lessons/Python.hpp"
#include "core/lessons/Pythons.hpp"

#include <iostream>

namespace forklab::test {

inline bool pythonMissing() {
    std::string why;
    if (lessonPython(&why)) return false;
    std::cout << "forklab-skip: " << why << '\n';
    return true;
}

// The first CPython 3.<minor> this machine has (findPythons: PATH, python3.X, pyenv), each
// asked what it is; else nullopt and *why says where it looked.
inline std::optional<PythonInterpreter> findMinor(int minor, std::string* why) {
    for (auto& py : findPythons().found)
        if (parsePyVersion(py.version).minor == minor && parsePyVersion(py.version).major == 3)
            return py;
    *why = "no CPython 3." + std::to_string(minor) +
           " here (looked on PATH for python3 and python3.X, and in pyenv's versions/)";
    return std::nullopt;
}

// A Python lesson played by `py`; like lesson(), it must end by itself with 0.
inline Run runWith(const PythonInterpreter& py, const std::string& id, StartMethod m,
                   const std::string& variant = "") {
    const Lesson* l = findLesson(id);
    REQUIRE(l);
    Run r = runInSandbox(lessonRun(*l, m, variant, &py));
    INFO(r.story());
    auto& end = (*r.trace)[r.trace->size() - 1].as<ev::RunEnd>();
    REQUIRE(end.reason != EndReason::Deadline);
    REQUIRE(r.exitCode == 0);
    return r;
}

// The first marker with this label: who wrote it, and when (0 / -1 if none).
inline const Event* markerEvent(const Run& r, const std::string& label) {
    for (auto* e : r.events(EventKind::Marker))
        if (r.trace->str(e->as<ev::Marker>().label) == label) return e;
    return nullptr;
}
inline pid_t markerPid(const Run& r, const std::string& label) {
    const Event* e = markerEvent(r, label);
    return e ? e->pid : 0;
}

// The process whose own stdout writes contain `text` (0 if none, or if several).
inline pid_t writerOf(const Run& r, const std::string& text) {
    pid_t found = 0;
    for (auto& [pid, p] : r.world().procs)
        if (outputOf(r, pid).find(text) != std::string::npos) {
            if (found) return 0;
            found = pid;
        }
    return found;
}

} // namespace forklab::test
