// fd-inheritance: before starting the child the parent opens a file, a pipe, a CLOEXEC file and
// a file it marks inheritable. Which of them does the child hold?
#include "Lesson.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace forklab::lessons {
namespace {

int child(const launch::Args&) {
    launch::step("the child looks at its fd table");
    return 0;
}
FORKLAB_TARGET("fd-inheritance.child", child);

int lesson(StartMethod method, const std::string&) {
    int file = open("/etc/group", O_RDONLY); // C's default: inherited across exec
    int pipefd[2];
    if (pipe(pipefd) != 0) return 1;
    int cloexec = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    // Python's way: open non-inheritable, then os.set_inheritable(fd, True).
    int inheritable = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    fcntl(inheritable, F_SETFD, 0);
    if (file < 0 || cloexec < 0 || inheritable < 0) return 1;
    launch::nameFd(file, "lesson: a file (/etc/group)");
    launch::nameFd(pipefd[0], "lesson: a pipe, read end");
    launch::nameFd(pipefd[1], "lesson: a pipe, write end");
    launch::nameFd(cloexec, "lesson: a CLOEXEC file (/etc/hostname)");
    launch::nameFd(inheritable, "lesson: an inheritable file (/etc/passwd)");
    // The key step comes before the start: once the child exists, its fd table is the answer.
    launch::keyStep("the parent opened four things");

    launch::Process p(method, "fd-inheritance.child");
    if (!p.start()) return 1;
    p.join();
    launch::step("the parent has joined its child");
    return 0;
}
FORKLAB_LESSON("fd-inheritance", lesson);

} // namespace
} // namespace forklab::lessons
