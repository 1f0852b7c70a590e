#include "FdTable.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>

namespace forklab {

namespace {

// "pipe:[123]" -> 123
bool bracketInode(std::string_view target, uint64_t* inode) {
    size_t open = target.find(":[");
    if (open == std::string_view::npos || target.empty() || target.back() != ']') return false;
    std::string_view digits = target.substr(open + 2, target.size() - open - 3);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *inode);
    return ec == std::errc() && end == digits.data() + digits.size() && !digits.empty();
}

} // namespace

FdKind classifyFdTarget(const std::string& target, uint64_t* inode) {
    uint64_t ino = 0;
    FdKind kind = FdKind::Other;
    std::string_view t(target);
    if (t.starts_with("pipe:[")) {
        kind = bracketInode(t, &ino) ? FdKind::Pipe : FdKind::Other;
    } else if (t.starts_with("socket:[")) {
        kind = bracketInode(t, &ino) ? FdKind::Socket : FdKind::Other;
    } else if (t.starts_with("anon_inode:")) {
        kind = FdKind::Anon; // all anon fds share one inode: it identifies nothing
    } else if (t.starts_with("/")) {
        kind = FdKind::File; // the caller fills the inode with fstatat
    } else {
        bracketInode(t, &ino); // "net:[4026531840]" and the like
    }
    if (inode) *inode = ino;
    return kind;
}

bool parseFdInfoFlags(const std::string& fdinfo, uint32_t* flags) {
    std::string_view rest(fdinfo);
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (!line.starts_with("flags:")) continue;
        line.remove_prefix(6);
        size_t b = line.find_first_not_of(" \t");
        if (b == std::string_view::npos) return false;
        line.remove_prefix(b);
        uint32_t v = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v, 8);
        if (ec != std::errc() || end == line.data()) return false;
        if (end != line.data() + line.size() && *end != ' ' && *end != '\t') return false;
        if (flags) *flags = v;
        return true;
    }
    return false;
}

std::vector<FdEntry> readFdTable(const ProcDir& dir, bool* partial, bool fileInodes) {
    std::vector<FdEntry> out;
    auto fds = dir.listNumbers("fd");
    if (!fds) {
        if (partial) *partial = true;
        return out;
    }
    for (int n : *fds) {
        std::string num = std::to_string(n);
        std::string link = "fd/" + num;
        FdEntry e;
        e.fd = n;
        auto target = dir.readLink(link.c_str());
        auto info = dir.readShown(("fdinfo/" + num).c_str());
        if (!target || !info || !parseFdInfoFlags(*info, &e.flags)) {
            if (partial) *partial = true; // closed (or the process left) since the listing
            continue;
        }
        e.target = std::move(*target);
        e.kind = classifyFdTarget(e.target, &e.inode);
        if (e.kind == FdKind::File && fileInodes) {
            struct stat st {};
            if (::fstatat(dir.fd(), link.c_str(), &st, 0) == 0) {
                e.inode = st.st_ino;
            } else if (errno == ENOENT || errno == ESRCH) {
                if (partial) *partial = true;
                continue;
            }
        }
        e.cloexec = (e.flags & 02000000) != 0; // O_CLOEXEC as fdinfo reports it
        switch (e.flags & O_ACCMODE) {
        case O_RDONLY:
            e.access = AccessMode::Read;
            break;
        case O_WRONLY:
            e.access = AccessMode::Write;
            break;
        default:
            e.access = AccessMode::ReadWrite;
            break; // O_RDWR, and the ioctl-only 3
        }
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace forklab
