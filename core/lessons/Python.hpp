#pragma once
// The CPython that plays the Python lessons (scenarios/python): python3 on PATH unless the user
// chose one (--python). A shim such as pyenv's is asked for sys.executable, so a lesson runs the
// real interpreter and its tree is CPython's own, not the shim's helpers.
#include <optional>
#include <string>

namespace forklab {

struct PythonInterpreter {
    std::string path;    // sys.executable: what the lessons run
    std::string version; // "3.11.7"
    std::string asked;   // what was looked up: "python3" or the --python argument
};

// Looks `request` up (a path, or a name on PATH; empty means "python3") and asks it what it is,
// outside the sandbox with a time limit. CPython 3.8 or newer, else nullopt and *why says what
// is missing, in a sentence for the user.
std::optional<PythonInterpreter> findPython(const std::string& request, std::string* why);

// The interpreter of this forklab process: chosen once (--python), else found on first use.
void choosePython(const std::string& request);
const PythonInterpreter* lessonPython(std::string* why = nullptr);

// Where the Python lesson scripts are (FORKLAB_PYTHON_LESSONS overrides).
std::string pythonLessonsDir();

} // namespace forklab
