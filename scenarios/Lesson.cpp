#include "Lesson.hpp"

#include <cerrno>
#include <ctime>
#include <map>
#include <unistd.h>

namespace forklab::lessons {

static std::map<std::string, LessonFn>& registry() {
    static std::map<std::string, LessonFn> r;
    return r;
}

void registerLesson(const char* id, LessonFn fn) {
    registry()[id] = fn;
}

LessonFn findLesson(const std::string& id) {
    auto it = registry().find(id);
    return it == registry().end() ? nullptr : it->second;
}

void say(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = std::min<size_t>(size_t(n), sizeof buf - 2);
    buf[len++] = '\n';
    (void)!write(1, buf, len);
}

void sleepMs(int ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

} // namespace forklab::lessons
