#pragma once
// What a lesson may say about itself: step labels and names for addresses and fds. These are
// annotations, never facts: the recorder reads them through a trapped syscall (no fd, no shared
// memory in the observed process) and shows them beside what the kernel showed.
namespace forklab::launch {

void step(const char* label);
void keyStep(const char* label); // the lesson's key moment (`--goto-step key`)
void nameMutex(const char* name, const void* addr);
void nameFd(int fd, const char* role); // e.g. "sentinel", "data pipe", "tracker pipe"

} // namespace forklab::launch
