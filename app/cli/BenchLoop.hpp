#pragma once
// The measured workload of `forklab bench`: runs inside (or outside) the sandbox and prints its
// own loop time, so sandbox start-up is not part of the number.
namespace forklab::cli {

// "fork N": N x (fork, child _exit, waitpid). "exec N": N x (fork, exec /bin/true, waitpid).
// Prints "<total ns> <iterations>" on stdout. Returns the exit code.
int benchLoop(const char* kind, int iterations);

} // namespace forklab::cli
