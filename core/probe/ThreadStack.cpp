#include "ThreadStack.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace forklab {

namespace {

// libdwfl's find_elf callback is given the module, not the Dwfl: the process whose files are
// being opened is passed here (reads are one at a time: readThreadStack).
struct Target {
    pid_t pid = 0;
    int rootFd = -1; // /proc/PID/root: the process's own view of the file system
};
thread_local Target tlTarget;

constexpr off_t kMaxElfBytes = off_t(1) << 30;

// Opens `path` as the target process sees it. RESOLVE_IN_ROOT keeps absolute symlinks inside its
// root; O_NONBLOCK, because a path the program chose may name a FIFO that would block open().
int openInTarget(const char* path) {
    const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    int fd = -1;
    if (tlTarget.rootFd >= 0) {
        open_how how{};
        how.flags = flags;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        fd = int(::syscall(SYS_openat2, tlTarget.rootFd, path, &how, sizeof how));
        if (fd >= 0 || errno != ENOSYS) return fd;
    }
    // Kernels before 5.6: through the magic link (absolute symlinks resolve on the host).
    std::string p = "/proc/" + std::to_string(tlTarget.pid) + "/root" + path;
    return ::open(p.c_str(), flags);
}

// A regular file's ELF, read (not mapped: a file truncated under a mapping is a SIGBUS).
int openElf(int fd, Elf** elfp) {
    struct stat st {};
    if (fd < 0) return -1;
    // Larger than any real library with its symbols: a program's made-up file is not read whole.
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxElfBytes) {
        ::close(fd);
        return -1;
    }
    *elfp = elf_begin(fd, ELF_C_READ, nullptr);
    if (!*elfp) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool endsWith(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

int findElf(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base, char** fileName,
            Elf** elfp) {
    // "[vdso: PID]" and unlinked files: libdwfl reads the image from the process's memory.
    if (name[0] != '/' || endsWith(name, " (deleted)"))
        return dwfl_linux_proc_find_elf(mod, userdata, name, base, fileName, elfp);
    int fd = openElf(openInTarget(name), elfp);
    if (fd >= 0) *fileName = ::strdup(name);
    return fd;
}

// Separate debug info only by build ID under the host's /usr/lib/debug (Debian's -dbg and
// -dbgsym packages): no .gnu_debuglink path the program chose, and no debuginfod download.
int findDebuginfo(Dwfl_Module* mod, void**, const char*, Dwarf_Addr, const char*, const char*,
                  GElf_Word, char** debuginfoFileName) {
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    int n = dwfl_module_build_id(mod, &bits, &vaddr);
    if (n < 2 || n > 64) return -1;
    std::string path = "/usr/lib/debug/.build-id/";
    char hex[3];
    for (int i = 0; i < n; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", bits[i]);
        path += hex;
        if (i == 0) path += '/';
    }
    path += ".debug";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxElfBytes) {
        ::close(fd);
        return -1;
    }
    *debuginfoFileName = ::strdup(path.c_str());
    return fd;
}

const Dwfl_Callbacks kCallbacks = {findElf, findDebuginfo, dwfl_offline_section_address, nullptr};

struct TargetScope {
    TargetScope(pid_t pid) {
        tlTarget.pid = pid;
        std::string root = "/proc/" + std::to_string(pid) + "/root";
        tlTarget.rootFd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    ~TargetScope() {
        if (tlTarget.rootFd >= 0) ::close(tlTarget.rootFd);
        tlTarget = Target{};
    }
};

struct DwflEnd {
    void operator()(Dwfl* d) const { dwfl_end(d); }
};

std::string baseName(const char* path) {
    if (!path) return "";
    std::string_view p(path, ::strnlen(path, 4096));
    size_t slash = p.rfind('/');
    return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

struct Walk {
    Dwfl* dwfl;
    ThreadStack* out;
    size_t aliasBudget = 4'000'000; // symbols looked at for aliases, over the whole walk
};

// glibc defines several names at one address (__GI___pthread_mutex_lock, __pthread_mutex_lock,
// pthread_mutex_lock@@GLIBC_2.2.5) and libdwfl returns the first it finds. The name a reader
// knows is the one with the fewest leading underscores; "@VERSION" is dropped.
size_t underscores(std::string_view n) {
    if (n.starts_with("__GI_")) n.remove_prefix(5);
    size_t k = n.find_first_not_of('_');
    return k == std::string_view::npos ? n.size() : k;
}
std::string_view unversioned(const char* name) {
    std::string_view n(name, ::strnlen(name, 4096));
    return n.substr(0, n.find('@'));
}
std::string readableAlias(Walk& w, Dwfl_Module* mod, const char* name, GElf_Addr start) {
    std::string_view best = unversioned(name);
    if (!best.starts_with("__")) return std::string(best);
    size_t bestScore = underscores(best) * 2 + best.starts_with("__GI_");
    int n = dwfl_module_getsymtab(mod);
    for (int i = 1; i < n && w.aliasBudget > 0; ++i, --w.aliasBudget) {
        GElf_Sym sym{};
        GElf_Addr addr = 0;
        const char* other = dwfl_module_getsym_info(mod, i, &sym, &addr, nullptr, nullptr, nullptr);
        if (!other || addr != start || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
        std::string_view cand = unversioned(other);
        size_t score = underscores(cand) * 2 + cand.starts_with("__GI_");
        if (!cand.empty() && score < bestScore) {
            best = cand;
            bestScore = score;
        }
    }
    return std::string(best);
}

int onFrame(Dwfl_Frame* frame, void* arg) {
    auto* w = static_cast<Walk*>(arg);
    if (w->out->frames.size() == kMaxStackFrames) {
        w->out->truncated = true; // a frame past the last one kept: more exist
        return DWARF_CB_ABORT;
    }
    Dwarf_Addr pc = 0;
    bool activation = false;
    if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
    // A return address points past its call, possibly into the next function.
    Dwarf_Addr at = activation || pc == 0 ? pc : pc - 1;
    StackFrame f;
    f.pc = pc;
    if (Dwfl_Module* mod = dwfl_addrmodule(w->dwfl, at)) {
        const char* name =
            dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
        f.module = cleanName(baseName(name), kMaxFrameModule);
        GElf_Off offset = 0;
        GElf_Sym sym{};
        if (const char* fn =
                dwfl_module_addrinfo(mod, at, &offset, &sym, nullptr, nullptr, nullptr))
            f.function = readableSymbol(readableAlias(*w, mod, fn, at - offset), kMaxFrameFunction);
    }
    w->out->frames.push_back(std::move(f));
    return DWARF_CB_OK;
}

std::string dwflError(const char* what) {
    const char* msg = dwfl_errmsg(-1);
    return cleanName(std::string(what) + (msg && *msg ? std::string(": ") + msg : ""), 80);
}

} // namespace

ThreadStack readThreadStack(pid_t pid, pid_t tid) {
    ThreadStack st;
    if (pid <= 0 || tid <= 0) {
        st.unread = "no such thread";
        return st;
    }
    // One read at a time in the process: "compare all three" runs a Tracer per method, and
    // elfutils does not promise that libdwfl/libelf may be used from several threads at once.
    static std::mutex oneAtATime;
    std::lock_guard<std::mutex> lock(oneAtATime);
    TargetScope target(pid);
    std::unique_ptr<Dwfl, DwflEnd> dwfl(dwfl_begin(&kCallbacks));
    if (!dwfl) {
        st.unread = dwflError("libdw failed");
        return st;
    }
    // The modules: each file mapped in /proc/PID/maps, opened lazily when a frame needs it.
    dwfl_report_begin(dwfl.get());
    int reported = dwfl_linux_proc_report(dwfl.get(), pid);
    dwfl_report_end(dwfl.get(), nullptr, nullptr);
    if (reported != 0) {
        st.unread = reported > 0
                        ? cleanName(std::string("maps unreadable: ") + std::strerror(reported), 80)
                        : dwflError("maps unreadable");
        return st;
    }
    // assume_ptrace_stopped: forklab already traces and holds the thread; libdwfl must not
    // PTRACE_ATTACH it (it would fail, or worse, detach and resume it when done).
    if (int err = dwfl_linux_proc_attach(dwfl.get(), pid, true); err != 0) {
        st.unread = err > 0
                        ? cleanName(std::string("process unreadable: ") + std::strerror(err), 80)
                        : dwflError("process unreadable");
        return st;
    }
    Walk w{dwfl.get(), &st};
    int rc = dwfl_getthread_frames(dwfl.get(), tid, onFrame, &w);
    if (st.frames.empty()) st.unread = rc != 0 ? dwflError("no frames") : "no frames";
    return st;
}

} // namespace forklab
