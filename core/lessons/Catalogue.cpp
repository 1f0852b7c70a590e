#include "Catalogue.hpp"

#include "Python.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#ifndef FORKLAB_SOURCE_ASSETS
#define FORKLAB_SOURCE_ASSETS ""
#endif
#ifndef FORKLAB_SOURCE_SCENARIOS
#define FORKLAB_SOURCE_SCENARIOS ""
#endif

namespace forklab {
namespace {

std::string exeDir() {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    std::string p = n > 0 ? std::string(buf, size_t(n)) : std::string();
    auto slash = p.rfind('/');
    return slash == std::string::npos ? "." : p.substr(0, slash);
}

bool isDir(const std::string& p) {
    return access((p + "/lessons").c_str(), R_OK) == 0;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

} // namespace

namespace {

Lesson lesson(std::string id, std::string title, std::string summary,
              std::vector<std::string> variants = {}) {
    Lesson l;
    l.id = std::move(id);
    l.title = std::move(title);
    l.summary = std::move(summary);
    l.variants = std::move(variants);
    return l;
}

Lesson pythonLesson(std::string id, std::string title, std::string summary, std::string script,
                    std::string twin, std::vector<std::string> variants = {}) {
    Lesson l = lesson(std::move(id), std::move(title), std::move(summary), std::move(variants));
    l.script = std::move(script);
    l.twin = std::move(twin);
    return l;
}

} // namespace

const std::vector<Lesson>& lessons() {
    static const std::vector<Lesson> all = {
        lesson("start-methods", "Three ways to start a process",
               "The process tree that fork, spawn and forkserver each build."),
        lesson("global-state", "Test.value: 777 or 999?",
               "A global changed before start(): which value does the child see?"),
        lesson("fd-inheritance", "Which file descriptors does the child get?",
               "A file, a pipe, a CLOEXEC file and an inheritable file, opened before start()."),
        lesson("mutex-after-fork", "A mutex held across fork",
               "Another thread holds a lock when the child starts: the child waits forever."),
        lesson("atfork-fix", "pthread_atfork to the rescue",
               "The same lock, with fork handlers: no deadlock."),
        lesson("threads-after-fork", "Where did my threads go?",
               "The parent runs four threads; the child has one."),
        lesson("semaphore-tracker", "Who cleans up a named semaphore?",
               "A child creates a semaphore and is SIGKILLed: the tracker's job.",
               {"tracker-killed", "eager"}),
        lesson("forkserver-ps", "Count the processes (ps -aef)",
               "The seed's experiment: 2, 3 or 4 processes?"),
        lesson("launch-latency", "Is spawn slower?",
               "Twenty launches, timed: fork vs spawn vs forkserver."),
        // The seeds' examples run by CPython itself: "is this what Python really does?"
        pythonLesson("python-test-value", "CPython: Test.value, 777 or 999?",
                     "The seed's script under real CPython: which value does the child print?",
                     "test_value.py", "global-state"),
        pythonLesson(
            "python-forkserver-ps", "CPython: count the processes (ps -aef)",
            "The seed's forkserver experiment under real CPython: parent, tracker, server, child.",
            "forkserver_ps.py", "forkserver-ps"),
        pythonLesson(
            "python-semaphore-killed", "CPython: who unlinks the dead child's semaphore?",
            "A child creates a multiprocessing.Semaphore and is SIGKILLed: the resource tracker.",
            "semaphore_killed.py", "semaphore-tracker"),
        pythonLesson(
            "python-lock-after-fork", "CPython: a threading.Lock held across fork",
            "Another thread holds the lock when the child starts: the fork child waits forever.",
            "lock_after_fork.py", "mutex-after-fork", {"warnings"}),
        pythonLesson("python-arguments", "CPython: what crosses to the child?",
                     "The seed's global_arg and local_arg, passed to a child: the pickled bytes "
                     "caught in the data pipe (a lambda target, a threading.Lock argument).",
                     "arguments.py", "global-state", {"lambda", "lock"}),
        pythonLesson("python-main-guard", "CPython: why if __name__ == '__main__'?",
                     "Module-level code runs again in each spawn and forkserver child; without "
                     "the guard, CPython's bootstrapping RuntimeError.",
                     "main_guard.py", "global-state", {"unguarded"}),
        pythonLesson("python-start-method-defaults", "CPython: which method if you choose none?",
                     "The default start method, get_context(M) beside it, and set_start_method(M) "
                     "after a start.",
                     "start_method_defaults.py", "start-methods"),
        pythonLesson("python-register-at-fork", "CPython: os.register_at_fork to the rescue",
                     "The locked threading.Lock again, with fork hooks: the child gets the lock.",
                     "register_at_fork.py", "atfork-fix"),
        pythonLesson("python-pool", "CPython: Pool(2), long-lived workers",
                     "Two pool workers run six tasks: their parent per method, the task and result "
                     "pipes.",
                     "pool.py", "start-methods"),
        pythonLesson("python-locks-as-arguments", "CPython: a Lock as an argument",
                     "An mp.Lock is one semaphore shared by parent and child; a threading.Lock is "
                     "a private copy under fork, and cannot be pickled for spawn.",
                     "locks_as_arguments.py", "semaphore-tracker"),
        pythonLesson("python-stdout-lock-after-fork", "CPython: a print in flight at fork",
                     "A thread is inside sys.stdout.write when the child is forked: the child "
                     "hangs flushing sys.stdout at exit (gh-91776).",
                     "stdout_lock_after_fork.py", "mutex-after-fork", {"warnings"}),
    };
    return all;
}

const Lesson* findLesson(const std::string& id) {
    for (auto& l : lessons())
        if (l.id == id) return &l;
    return nullptr;
}

const std::string& defaultLessonId() {
    static const std::string id = "mutex-after-fork";
    return id;
}

std::string assetsDir() {
    if (const char* env = getenv("FORKLAB_ASSETS"); env && *env) return env;
    for (std::string p :
         {exeDir() + "/../share/forklab/assets", std::string(FORKLAB_SOURCE_ASSETS)})
        if (!p.empty() && isDir(p)) return p;
    return FORKLAB_SOURCE_ASSETS;
}

std::string lessonSourceFile(const Lesson& lesson) {
    if (lesson.python()) return pythonLessonsDir() + "/" + lesson.script;
    std::string file = lesson.id + ".cpp";
    std::replace(file.begin(), file.end(), '-', '_');
    if (const char* env = getenv("FORKLAB_SCENARIOS"); env && *env)
        return std::string(env) + "/" + file;
    for (std::string dir :
         {exeDir() + "/../share/forklab/scenarios", std::string(FORKLAB_SOURCE_SCENARIOS)})
        if (!dir.empty() && access((dir + "/" + file).c_str(), R_OK) == 0) return dir + "/" + file;
    return std::string(FORKLAB_SOURCE_SCENARIOS) + "/" + file;
}

std::string lessonsProgram() {
    if (const char* env = getenv("FORKLAB_LESSONS_BIN"); env && *env) return env;
    return exeDir() + "/forklab-lessons";
}

std::string lessonUnavailable(const Lesson& lesson) {
    std::string why;
    if (lesson.python() && !lessonPython(&why)) return why;
    return {};
}

SandboxOptions lessonRun(const Lesson& lesson, StartMethod method, const std::string& variant,
                         const PythonInterpreter* python) {
    SandboxOptions o;
    o.isolate = true; // a lesson needs nothing of the host: read-only files, no network
    if (lesson.python()) {
        const PythonInterpreter* py = python ? python : lessonPython();
        // -B as CPython's helpers get it anyway: no __pycache__ written into the source tree.
        o.argv = {py ? py->path : "python3", "-B"};
        if (variant == "warnings") {
            o.argv.push_back("-W");
            o.argv.push_back("always");
        }
        o.argv.push_back(pythonLessonsDir() + "/" + lesson.script);
        o.argv.push_back(toString(method));
        if (!variant.empty() && variant != "warnings") o.argv.push_back(variant);
        o.deadlineMs = 30'000;
        return o;
    }
    o.argv = {lessonsProgram(), lesson.id, "--method", toString(method)};
    if (!variant.empty()) {
        o.argv.push_back("--variant");
        o.argv.push_back(variant);
    }
    o.deadlineMs = 30'000;
    return o;
}

std::optional<Narration> loadNarration(const std::string& lessonId, std::string* error) {
    std::string path = assetsDir() + "/lessons/" + lessonId + ".md";
    std::ifstream in(path);
    if (!in) {
        if (error) *error = "cannot read " + path;
        return std::nullopt;
    }
    Narration n;
    std::string line, section = "intro";
    std::ostringstream text;
    auto flush = [&] {
        std::string t = trim(text.str());
        text.str("");
        if (section == "intro")
            n.intro = t;
        else if (section.rfind("step:", 0) == 0)
            n.steps[trim(section.substr(5))] = t;
        else if (section == "question") {
            // Lines starting with "- " are the choices offered to the class.
            std::istringstream q(t);
            std::string l, body;
            while (std::getline(q, l)) {
                if (l.rfind("- ", 0) == 0)
                    n.choices.push_back(trim(l.substr(2)));
                else
                    body += (body.empty() ? "" : "\n") + l;
            }
            n.question = trim(body);
        } else if (section == "reveal")
            n.reveal = t;
        else if (section == "spoilers") {
            std::istringstream q(t);
            std::string l;
            while (std::getline(q, l))
                if (l.rfind("- ", 0) == 0) n.spoilers.push_back(trim(l.substr(2)));
        } else if (section == "focus") {
            std::istringstream q(t);
            std::string l, why;
            while (std::getline(q, l)) {
                if (l.rfind("- ", 0) != 0) continue; // the section's prose
                if (auto f = parseFocusLine(l, &why))
                    n.focus[f->label] = std::move(f->focus);
                else
                    n.problems.push_back("## focus: '" + l.substr(0, 80) + "': " + why +
                                         " (line ignored)");
            }
        } else if (section == "fork")
            n.perMethod[0] = t;
        else if (section == "spawn")
            n.perMethod[1] = t;
        else if (section == "forkserver")
            n.perMethod[2] = t;
    };
    while (std::getline(in, line)) {
        if (line.rfind("# ", 0) == 0 && n.title.empty()) {
            n.title = trim(line.substr(2));
        } else if (line.rfind("## ", 0) == 0) {
            flush();
            section = trim(line.substr(3));
        } else {
            text << line << '\n';
        }
    }
    flush();
    if (n.title.empty()) {
        if (error) *error = path + ": no '# Title' line";
        return std::nullopt;
    }
    return n;
}

} // namespace forklab
