#pragma once
// The lesson catalogue (DESIGN §5): which lessons exist, how to run one under a start method in
// the sandbox, and its narration from assets/lessons/<id>.md.
#include "core/launch/StartMethod.hpp"
#include "core/lessons/LessonFocus.hpp"
#include "core/sandbox/Sandbox.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace forklab {

struct Lesson {
    std::string id;                    // "mutex-after-fork"
    std::string title;                 // "A mutex held across fork"
    std::string summary;               // one line
    std::vector<std::string> variants; // e.g. "tracker-killed"
    std::string script;                // a Python lesson: its script in scenarios/python
    std::string twin;                  // a Python lesson: the C++ lesson that re-enacts it

    bool python() const { return !script.empty(); }
};

const std::vector<Lesson>& lessons();
const Lesson* findLesson(const std::string& id);
const std::string& defaultLessonId();

// Why the lesson cannot run on this machine (a Python lesson without a CPython), or empty.
std::string lessonUnavailable(const Lesson& lesson);

// The sandbox run of a lesson: the lessons program (beside the forklab executable), or for a
// Python lesson `python` (default lessonPython()) running its script with the method, then the
// variant; the variant "warnings" is CPython's `-W always` instead (it shows the
// DeprecationWarnings that are hidden by default, and CPython hands the flag to its helpers).
// Lessons end by themselves, so the deadline is only a safety net.
struct PythonInterpreter;
SandboxOptions lessonRun(const Lesson& lesson, StartMethod method, const std::string& variant = "",
                         const PythonInterpreter* python = nullptr);

// Narration written for a student: an introduction, a text per step label, and the
// predict-then-reveal question asked before the key step.
struct Narration {
    std::string title;
    std::string intro;
    std::map<std::string, std::string> steps; // marker label -> text
    std::string question;                     // asked before the key step
    std::vector<std::string> choices;         // possible answers shown to the class
    std::string reveal;                       // shown after the key step
    std::string perMethod[3];                 // what to notice under fork / spawn / forkserver
    // The facts that answer the question ("## spoilers": one "- fact" a line): no view shows
    // them before the reveal. threads (of the processes the program started), verdict
    // (deadlock verdicts, blocked states, futex waits), exit (how they ended), output (what
    // they wrote), ledger (a semaphore's fate in /dev/shm), process-count, timings.
    std::vector<std::string> spoilers;
    // What each step is about ("## focus": "- LABEL | PROCESS | TAB [| ROW]" a line, see
    // LessonFocus.hpp): the views select that process and tab, and point at the row, when the
    // step is reached. PROCESS: parent (the program's root), child (the first process it started
    // that is not a helper), forkserver, tracker, or marker (the process that marked the step);
    // TAB: fds, sync or output; ROW: fd N|closed-by-exec|cloexec|PATH, semaphore [/NAME],
    // verdict or output [TEXT], optionally per method ("fork: ...; spawn: ...").
    using Focus = StepFocusSpec;
    std::map<std::string, Focus> focus; // marker label -> focus
    // Lines of the file that were ignored, each with its reason ("focus: '- x | y': ...").
    std::vector<std::string> problems;
};
// Empty optional (and *error set) if the file is missing or malformed.
std::optional<Narration> loadNarration(const std::string& lessonId, std::string* error = nullptr);

// Where assets/ and the lessons program are (overridable: FORKLAB_ASSETS, FORKLAB_LESSONS_BIN).
std::string assetsDir();
std::string lessonsProgram();
// The lesson's own program as shipped, for the Source panel: scenarios/<id>.cpp (with '_' for
// '-') or the Python lesson's script. Found like assets/ (FORKLAB_SCENARIOS overrides the C++
// sources' folder; the Python scripts are where lessons run them from).
std::string lessonSourceFile(const Lesson& lesson);

} // namespace forklab
