#pragma once
#include "core/sandbox/Sandbox.hpp"
#include "core/trace/Event.hpp"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace forklab::cli {

struct TellOptions {
    bool quiet = false;    // only the summary
    bool stepping = false; // the sandbox holds at each marker: Enter on stdin releases it
    std::function<void(const Event&, std::ostream&)> onMarker;
};

// Runs the sandbox and prints its story while it records; Ctrl-C tears the run down cleanly.
// Returns forklab's exit code; throws LaunchError if the program cannot be started.
int tellRun(SandboxOptions options, Trace& trace, std::ostream& out, const TellOptions& tell);
inline int tellRun(SandboxOptions options, Trace& trace, std::ostream& out, bool quiet) {
    return tellRun(std::move(options), trace, out, TellOptions{quiet, false, {}});
}

// Narration text wrapped at about 88 columns under `indent`, keeping its paragraphs.
void printWrapped(std::ostream& out, const std::string& text, const std::string& indent);

// `forklab run`: a lesson under one method, told with its narration. Exit code as tellRun, or 2
// for an unknown lesson, method or variant.
struct LessonTelling {
    bool narrate = true;   // the title, intro, questions and answers (else the story alone)
    Trace* keep = nullptr; // the recorded trace, for the caller
};
int runLesson(const std::string& id, const std::string& method, const std::string& variant,
              bool stepping, bool quiet, const std::string& exportPath,
              const LessonTelling& how = {});

// The version matrix (PythonMatrix.cpp): `forklab list --pythons` and `forklab run ID
// --python-all` (each interpreter found plays the lesson; then the facts that differ).
int listPythons(const std::vector<std::string>& requests);
int runPythonAll(const std::string& id, const std::string& method, const std::string& variant,
                 bool quiet, const std::vector<std::string>& requests);

} // namespace forklab::cli
