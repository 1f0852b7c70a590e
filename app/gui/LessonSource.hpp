#pragma once
// The GUI's only door to the lesson catalogue (core/lessons/Catalogue.hpp). The build defines
// FORKLAB_HAVE_LESSONS once the catalogue is compiled into forklab_core; until then the picker
// offers "Run a program" only, and this file is the one place that knows.
#include "core/lessons/Catalogue.hpp"

#include <optional>
#include <string>
#include <vector>

namespace forklab::gui {

inline constexpr const char* kMethodNames[3] = {"fork", "spawn", "forkserver"};
int methodIndex(const std::string& name); // -1 if unknown

bool lessonsAvailable();
std::vector<Lesson> availableLessons();
std::string defaultLesson();
// The sandbox run of a lesson under method 0..2; nullopt and *error when it cannot be run.
// `python`: the CPython to play a python-* lesson (compare versions); default lessonPython().
std::optional<SandboxOptions> lessonOptions(const std::string& id, int method,
                                            const std::string& variant, std::string* error,
                                            const PythonInterpreter* python = nullptr);
std::optional<Narration> lessonNarration(const std::string& id, std::string* error);
// The lesson's program as shipped (its scenario source or Python script), "" if none.
std::string lessonSourcePath(const std::string& id);
// The file name of the lessons program ("forklab-lessons"), "" without a catalogue: its
// processes are named by their part in the lesson (parent, child, forkserver, tracker).
const std::string& lessonProgramName();

// The lesson a recorded run was, from its command line (the lessons program with the lesson's
// id and --method, or CPython with a lesson's script and the method): a replay is the lesson
// again. nullopt for any other program.
struct RecordedLesson {
    std::string id;
    int method = 0;
    std::string variant;
};
std::optional<RecordedLesson> lessonOfCommand(const std::vector<std::string>& argv);

} // namespace forklab::gui
