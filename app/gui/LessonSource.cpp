#include "app/gui/LessonSource.hpp"

#include <algorithm>

namespace forklab::gui {

int methodIndex(const std::string& name) {
    for (int i = 0; i < 3; ++i)
        if (name == kMethodNames[i]) return i;
    return -1;
}

namespace {
std::string baseName(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}
} // namespace

std::optional<RecordedLesson> lessonOfCommand(const std::vector<std::string>& argv) {
    if (argv.size() < 2) return std::nullopt;
    for (const Lesson& l : availableLessons()) {
        if (l.python()) {
            // python3 -B …/<script> METHOD
            for (size_t i = 1; i + 1 < argv.size(); ++i)
                if (baseName(argv[i]) == baseName(l.script) && methodIndex(argv[i + 1]) >= 0)
                    return RecordedLesson{l.id, methodIndex(argv[i + 1]), {}};
            continue;
        }
        // …/forklab-lessons <id> --method M [--variant V]
        if (argv[1] != l.id || lessonProgramName().empty() ||
            baseName(argv[0]) != lessonProgramName())
            continue;
        RecordedLesson r{l.id, 0, {}};
        for (size_t i = 2; i + 1 < argv.size(); ++i) {
            if (argv[i] == "--method") r.method = std::max(0, methodIndex(argv[i + 1]));
            if (argv[i] == "--variant") r.variant = argv[i + 1];
        }
        return r;
    }
    return std::nullopt;
}

#ifdef FORKLAB_HAVE_LESSONS

bool lessonsAvailable() {
    return !lessons().empty();
}
std::vector<Lesson> availableLessons() {
    return lessons();
}
std::string defaultLesson() {
    return defaultLessonId();
}

std::optional<SandboxOptions> lessonOptions(const std::string& id, int method,
                                            const std::string& variant, std::string* error,
                                            const PythonInterpreter* python) {
    const Lesson* l = findLesson(id);
    if (!l) {
        if (error) *error = "no lesson called '" + id + "' (see `forklab list`)";
        return std::nullopt;
    }
    if (method < 0 || method > 2) {
        if (error) *error = "the method must be fork, spawn or forkserver";
        return std::nullopt;
    }
    if (std::string why = python ? "" : lessonUnavailable(*l); !why.empty()) {
        if (error) *error = "'" + l->title + "' is played by CPython, and " + why;
        return std::nullopt;
    }
    return lessonRun(*l, kAllMethods[method], variant, python);
}

std::optional<Narration> lessonNarration(const std::string& id, std::string* error) {
    return loadNarration(id, error);
}

std::string lessonSourcePath(const std::string& id) {
    const Lesson* l = findLesson(id);
    return l ? lessonSourceFile(*l) : std::string();
}

const std::string& lessonProgramName() {
    static const std::string name = [] {
        const std::string path = lessonsProgram();
        const auto slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    }();
    return name;
}

#else

bool lessonsAvailable() {
    return false;
}
std::vector<Lesson> availableLessons() {
    return {};
}
std::string defaultLesson() {
    return {};
}

std::optional<SandboxOptions> lessonOptions(const std::string&, int, const std::string&,
                                            std::string* error, const PythonInterpreter*) {
    if (error) *error = "this build has no lesson catalogue yet; use --command to run a program";
    return std::nullopt;
}

std::optional<Narration> lessonNarration(const std::string&, std::string* error) {
    if (error) *error = "no lesson catalogue in this build";
    return std::nullopt;
}

std::string lessonSourcePath(const std::string&) {
    return {};
}

const std::string& lessonProgramName() {
    static const std::string none;
    return none;
}

#endif

} // namespace forklab::gui
