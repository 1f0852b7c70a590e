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
std::optional<SandboxOptions> lessonOptions(const std::string& id, int method,
                                            const std::string& variant, std::string* error);
std::optional<Narration> lessonNarration(const std::string& id, std::string* error);
// The file name of the lessons program ("forklab-lessons"), "" without a catalogue: its
// processes are named by their part in the lesson (parent, child, forkserver, tracker).
const std::string& lessonProgramName();

} // namespace forklab::gui
