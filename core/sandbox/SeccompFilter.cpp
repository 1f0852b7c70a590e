#include "SeccompFilter.hpp"

#include "MarkerSyscall.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

namespace forklab {
namespace {

constexpr unsigned kX32Bit = 0x40000000;

struct Builder {
    std::vector<sock_filter> prog;
    void stmt(unsigned short code, unsigned k) { prog.push_back(BPF_STMT(code, k)); }
    void jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
        prog.push_back(BPF_JUMP(code, k, jt, jf));
    }
    void loadNr() { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)); }
    void loadArgLow(int i) { stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + 8 * i); }
    void ret(unsigned v) { stmt(BPF_RET | BPF_K, v); }
    static unsigned trace(Trap t) { return SECCOMP_RET_TRACE | unsigned(t); }

    static unsigned refuse(int err) { return SECCOMP_RET_ERRNO | unsigned(err); }

    // if (nr == n) return v
    void retIf(unsigned n, unsigned v) {
        jump(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 1);
        ret(v);
    }
    void trapIf(unsigned n, Trap t) { retIf(n, trace(t)); }
    // if (nr == n && (args[i] & mask)) return v; leaves nr reloaded either way
    void retIfArgHas(unsigned n, int i, unsigned mask, unsigned v) {
        jump(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 4);
        loadArgLow(i);
        jump(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1);
        ret(v);
        loadNr();
    }
    void trapIfArgHas(unsigned n, int i, unsigned mask, Trap t) {
        retIfArgHas(n, i, mask, trace(t));
    }
    // No process escapes the recording: clone with CLONE_UNTRACED stops for the tracer, which
    // clears the flag; clone3, whose flags sit in memory a filter cannot read, is refused with
    // ENOSYS, so libc falls back to clone.
    void guardClones(unsigned clone, unsigned clone3) {
        trapIfArgHas(clone, 0, CLONE_UNTRACED, Trap::Clone);
        retIf(clone3, refuse(ENOSYS));
    }
    // if (nr == n && args[i] == value) return trace(t); leaves nr reloaded either way
    void trapIfArgIs(unsigned n, int i, unsigned value, Trap t) {
        jump(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 4);
        loadArgLow(i);
        jump(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1);
        ret(trace(t));
        loadNr();
    }
    // A filter of the program's own: seccomp(SECCOMP_SET_MODE_FILTER), prctl(PR_SET_SECCOMP).
    void trapOwnFilters(unsigned seccomp, unsigned prctl) {
        trapIfArgIs(seccomp, 0, SECCOMP_SET_MODE_FILTER, Trap::Seccomp);
        trapIfArgIs(prctl, 0, PR_SET_SECCOMP, Trap::Seccomp);
    }
    // if (nr == n && (args[0] == 1 || args[0] == 2)) return trace(t)
    void trapIfStdout(unsigned n, Trap t) {
        jump(BPF_JMP | BPF_JEQ | BPF_K, n, 0, 5);
        loadArgLow(0);
        jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0);
        jump(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1);
        ret(trace(t));
        loadNr();
    }
};

} // namespace

std::vector<sock_filter> buildSeccompFilter() {
    // i386 binaries: trap their execs (11, 358) so no exec goes unseen, and guard their clones
    // (120, 435); the rest is allowed.
    Builder i386;
    i386.loadNr();
    i386.trapIf(11, Trap::Exec);
    i386.trapIf(358, Trap::Exec);
    i386.guardClones(120, 435);
    i386.trapOwnFilters(354, 172);
    i386.ret(SECCOMP_RET_ALLOW);

    Builder b;
    b.stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    b.jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, (unsigned char)i386.prog.size(), 0);
    b.prog.insert(b.prog.end(), i386.prog.begin(), i386.prog.end());

    b.loadNr();
    // x32 syscalls carry bit 30; their execve/execveat have numbers of their own.
    b.trapIf(kX32Bit | 520, Trap::Exec);
    b.trapIf(kX32Bit | 545, Trap::Exec);
    b.trapIf(SYS_execve, Trap::Exec);
    b.trapIf(SYS_execveat, Trap::Exec);
    b.trapIf(kMarkerSyscall, Trap::Marker);
    b.trapIfStdout(SYS_write, Trap::Write);
    b.trapIfStdout(SYS_writev, Trap::Write);
    b.trapIfArgHas(SYS_openat, 2, O_CREAT, Trap::Create);
    b.trapIfArgHas(SYS_open, 1, O_CREAT, Trap::Create);
    b.trapIf(SYS_creat, Trap::Create);
    b.trapIf(SYS_link, Trap::Link);
    b.trapIf(SYS_linkat, Trap::Link);
    b.trapIf(SYS_unlink, Trap::Unlink);
    b.trapIf(SYS_unlinkat, Trap::Unlink);
    b.trapIf(SYS_kill, Trap::Kill);
    b.trapIf(SYS_tkill, Trap::Kill);
    b.trapIf(SYS_tgkill, Trap::Kill);
    b.guardClones(SYS_clone, SYS_clone3);
    b.guardClones(kX32Bit | SYS_clone, kX32Bit | SYS_clone3);
    b.trapOwnFilters(SYS_seccomp, SYS_prctl);
    b.trapOwnFilters(kX32Bit | SYS_seccomp, kX32Bit | SYS_prctl);
    b.ret(SECCOMP_RET_ALLOW);
    return b.prog;
}

uint32_t runSeccompFilter(const std::vector<sock_filter>& prog, const seccomp_data& data) {
    constexpr uint32_t kBad = SECCOMP_RET_KILL_PROCESS;
    uint32_t a = 0;
    size_t pc = 0;
    // Classic BPF jumps only forward: at most prog.size() steps.
    while (pc < prog.size()) {
        const sock_filter& in = prog[pc++];
        switch (in.code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (in.k % 4 != 0 || in.k + 4 > sizeof data) return kBad;
            std::memcpy(&a, reinterpret_cast<const char*>(&data) + in.k, 4);
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= in.k;
            break;
        case BPF_ALU | BPF_OR | BPF_K:
            a |= in.k;
            break;
        case BPF_JMP | BPF_JA:
            pc += in.k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == in.k ? in.jt : in.jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (a & in.k) ? in.jt : in.jf;
            break;
        case BPF_RET | BPF_K:
            return in.k;
        case BPF_RET | BPF_A:
            return a;
        default:
            return kBad;
        }
    }
    return kBad;
}

std::optional<Trap> forklabTrap(const seccomp_data& data) {
    static const std::vector<sock_filter> ours = buildSeccompFilter();
    uint32_t r = runSeccompFilter(ours, data);
    if ((r & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_TRACE) return std::nullopt;
    unsigned t = r & SECCOMP_RET_DATA;
    if (t < unsigned(Trap::Exec) || t > unsigned(kLastTrap)) return std::nullopt;
    return Trap(t);
}

} // namespace forklab
