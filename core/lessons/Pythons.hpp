#pragma once
// Every CPython on this machine, for the version matrix (`forklab list --pythons`, `forklab run
// … --python-all`): python3 and python3.X on PATH, pyenv's versions/*/bin/python3 (under
// $PYENV_ROOT, else ~/.pyenv) and any --python the user named. Each candidate is asked what it
// is (findPython), never trusted by its name; two names for one sys.executable count once.
#include "Python.hpp"

#include <string>
#include <vector>

namespace forklab {

struct PythonSearch {
    std::vector<PythonInterpreter> found; // CPython 3.8+, oldest version first
    std::vector<std::string> rejected;    // why a candidate was left out, one sentence each
};

PythonSearch findPythons(const std::vector<std::string>& requests = {});

// "3.11.7" -> {3, 11, 7}; zeros where unreadable.
struct PyVersion {
    int major = 0, minor = 0, micro = 0;
    bool atLeast(int mi, int mc = 0) const {
        return major > 3 || (major == 3 && (minor > mi || (minor == mi && micro >= mc)));
    }
};
PyVersion parsePyVersion(const std::string& version);

} // namespace forklab
