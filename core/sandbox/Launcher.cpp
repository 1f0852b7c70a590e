#include "Launcher.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace forklab {

void LaunchPlan::finalize() {
    argvPtrs.clear();
    for (auto& a : argv) argvPtrs.push_back(a.data());
    argvPtrs.push_back(nullptr);
}

namespace {

// The program's side, between fork and exec: async-signal-safe only.
[[noreturn]] void execProgram(const LaunchPlan& p) {
    if (!p.inheritStdio) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            if (null > 2) close(null);
        }
    }
    struct rlimit rl;
    rl = {p.maxFiles, p.maxFiles};
    setrlimit(RLIMIT_NOFILE, &rl);
    if (p.addressSpace) {
        rl = {p.addressSpace, p.addressSpace};
        setrlimit(RLIMIT_AS, &rl);
    }
    if (p.cpuSeconds) {
        rl = {p.cpuSeconds, p.cpuSeconds + 1};
        setrlimit(RLIMIT_CPU, &rl);
    }
    signal(SIGPIPE, SIG_DFL);

    // Last: the filter traps execve, so even this exec is seen (with its fd table).
    sock_fprog prog{static_cast<unsigned short>(p.filter.size()),
                    const_cast<sock_filter*>(p.filter.data())};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        // Without CAP_SYS_ADMIN in our user namespace the kernel wants no_new_privs first.
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
            int e = errno;
            (void)!write(p.reportFd, &e, sizeof e);
            _exit(126);
        }
    }
    execve(p.path.c_str(), p.argvPtrs.data(), p.envp);
    int e = errno;
    (void)!write(p.reportFd, &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
}

} // namespace

int launcherMain(void* arg) {
    const LaunchPlan& p = *static_cast<const LaunchPlan*>(arg);
    // forklab's threads may block signals; the program must start with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Die with the tracer thread (EXITKILL covers us too once seized; this covers the window
    // before). If the tracer is already gone, the go pipe reads EOF.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char go = 0;
    ssize_t n;
    while ((n = read(p.goFd, &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(111);
    close(p.goFd);
    setsid();
    // Nothing of forklab's leaks into the sandbox: only stdio and the exec-error pipe remain.
    if (p.reportFd > 3) close_range(3, unsigned(p.reportFd) - 1, 0);
    close_range(unsigned(p.reportFd) + 1, ~0U, 0);

    if (p.namespaces) {
        // Our mounts stay ours; /dev/shm becomes a private tmpfs (IPC namespaces do not isolate
        // named semaphores); /proc shows this pid namespace, so `ps` inside sees the sandbox.
        mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
        mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k");
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    } else {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    }

    pid_t program = fork();
    if (program < 0) _exit(125);
    if (program == 0) {
        signal(SIGCHLD, SIG_DFL);
        execProgram(p);
    }
    close(p.reportFd);

    // Reap everything reparented to us. With nothing left, wait: the tracer still reads the
    // private /dev/shm through us, and ends us (and with us the namespace) when it is done.
    for (;;) {
        if (waitpid(-1, nullptr, __WALL) < 0 && errno == ECHILD) pause();
    }
}

} // namespace forklab
