#include "StoryRepeats.hpp"

#include <cctype>

namespace forklab {

std::string countText(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

void StoryRepeats::open(pid_t child, pid_t parent) {
    Block& b = blocks_[child];
    b.parent = parent;
    auto r = runs_.find(parent);
    b.held = r != runs_.end() && r->second.repeating;
}

void StoryRepeats::setNspid(pid_t pid, pid_t nspid) {
    if (auto it = blocks_.find(pid); it != blocks_.end()) it->second.nspid = nspid;
}

// The line with the process's own pids taken out, so that siblings compare equal: its pid as a
// whole word (never digits inside a path or a hex name), and its pid inside only where the
// story says "pid N" (an fd number may be the same small number).
std::string StoryRepeats::normalised(const Block& b, pid_t pid, const std::string& text) const {
    const std::string a = std::to_string(pid), n = b.nspid ? std::to_string(b.nspid) : "";
    auto word = [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (!isdigit(static_cast<unsigned char>(text[i])) || (i && word(text[i - 1]))) {
            out += text[i++];
            continue;
        }
        size_t j = i;
        while (j < text.size() && isdigit(static_cast<unsigned char>(text[j]))) ++j;
        std::string_view num(text.data() + i, j - i);
        const bool whole = j == text.size() || !word(text[j]);
        const bool afterPid = i >= 4 && text.compare(i - 4, 4, "pid ") == 0;
        if (whole && num == a)
            out += '#';
        else if (whole && afterPid && num == n)
            out += '%';
        else
            out += num;
        i = j;
    }
    return out;
}

void StoryRepeats::line(std::ostream& out, pid_t about, const std::string& stamp,
                        const std::string& text) {
    auto it = about ? blocks_.find(about) : blocks_.end();
    if (it == blocks_.end()) {
        out << stamp << text << '\n';
        return;
    }
    Block& b = it->second;
    if (b.foldable) {
        b.sig += normalised(b, about, text);
        b.sig += '\n';
    }
    if (b.held)
        b.lines.push_back(stamp + text);
    else
        out << stamp << text << '\n';
}

void StoryRepeats::printHeld(Block& b, std::ostream& out) {
    if (!b.held) return;
    if (auto r = runs_.find(b.parent); r != runs_.end()) tellRun(r->second, out);
    for (auto& l : b.lines) out << l << '\n';
    b.lines.clear();
    b.held = false;
}

void StoryRepeats::forked(pid_t pid, std::ostream& out) {
    release(pid, out);
}

void StoryRepeats::release(pid_t pid, std::ostream& out) {
    auto it = blocks_.find(pid);
    if (it == blocks_.end()) return;
    printHeld(it->second, out);
    it->second.foldable = false;
    it->second.sig.clear();
}

void StoryRepeats::tellRun(Run& r, std::ostream& out) {
    if (!r.folded) return;
    out << r.lastStamp << "  ⋯ " << countText(r.folded) << " more like the one above ("
        << countText(r.folded + 2) << " in all, the last pid " << r.last
        << "), not told one by one\n";
    r.folded = 0;
}

void StoryRepeats::close(pid_t pid, const std::string& stamp, std::ostream& out) {
    auto it = blocks_.find(pid);
    if (it == blocks_.end()) return;
    Block b = std::move(it->second);
    blocks_.erase(it);
    Run& r = runs_[b.parent];
    if (!b.foldable) { // it had children, or something that must be read where it happened
        tellRun(r, out);
        r = Run{};
        return;
    }
    if (b.sig == r.sig && !r.sig.empty()) {
        if (b.held) { // one more of the same: only counted
            ++r.folded;
            r.last = pid;
            r.lastStamp = stamp;
            return;
        }
        r.repeating = true; // printed, and the second alike: hold the next
        return;
    }
    tellRun(r, out);
    for (auto& l : b.lines) out << l << '\n';
    r.sig = std::move(b.sig);
    r.repeating = false;
}

void StoryRepeats::parentEnded(pid_t pid, std::ostream& out) {
    if (auto r = runs_.find(pid); r != runs_.end()) {
        tellRun(r->second, out);
        runs_.erase(r);
    }
}

void StoryRepeats::flushAll(std::ostream& out) {
    for (auto& [pid, r] : runs_) tellRun(r, out);
    for (auto& [pid, b] : blocks_) {
        for (auto& l : b.lines) out << l << '\n';
        b.lines.clear();
        b.held = false;
    }
}

} // namespace forklab
