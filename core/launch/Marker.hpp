#pragma once
// What a lesson may say about itself: step labels and names for addresses and fds. These are
// annotations, never facts: the recorder reads them through a trapped syscall (no fd, no shared
// memory in the observed process) and shows them beside what the kernel showed.
#include <source_location>
#include <string_view>

namespace forklab::launch {

// A step also says where it is in the lesson's source (the Source panel highlights that line):
// the caller's file and line, filled in by the compiler.
void step(const char* label, std::source_location where = std::source_location::current());
// The lesson's key moment (`--goto-step key`).
void keyStep(const char* label, std::source_location where = std::source_location::current());
void nameMutex(const char* name, const void* addr);
// e.g. "sentinel", "data pipe", "tracker pipe". A view, so a literal's length is known where it
// is written: a forkserver child names its fds without reading the strings (no page to fault in).
void nameFd(int fd, std::string_view role);

} // namespace forklab::launch
