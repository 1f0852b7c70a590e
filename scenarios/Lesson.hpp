#pragma once
// What every lesson program file shares: the registry of lessons and a way to speak.
// A lesson is a plain C++ function run under one start method; it ends by itself (a parent waits
// for a stuck child with a timeout, says so, and exits) so no run needs a deadline.
#include "core/launch/Marker.hpp"
#include "core/launch/Process.hpp"
#include "core/launch/Runtime.hpp"

#include <cstdarg>
#include <cstdio>
#include <string>

namespace forklab::lessons {

using LessonFn = int (*)(StartMethod method, const std::string& variant);

void registerLesson(const char* id, LessonFn fn);
LessonFn findLesson(const std::string& id);

struct LessonRegistrar {
    LessonRegistrar(const char* id, LessonFn fn) { registerLesson(id, fn); }
};
#define FORKLAB_LESSON(id, fn) static ::forklab::lessons::LessonRegistrar fn##_lesson(id, fn)

// One line on stdout, in a single write(2): the recorder attributes it to this process.
void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// `forklab bench launch`'s workload: N timed launches, prints "median_us p90_us".
int benchLaunch(const std::string& how, int n);

// Sleep without being woken early by signals.
void sleepMs(int ms);

} // namespace forklab::lessons
