#include "DataPipeWatch.hpp"

#include <algorithm>

namespace forklab {

void DataPipeWatch::forked(pid_t parent, pid_t child) {
    Proc& p = procs_[parent];
    p.unexeced.insert(child);
    p.budget = kStopBudget;
}

bool DataPipeWatch::expects(pid_t parent, pid_t child) const {
    auto it = procs_.find(parent);
    return it != procs_.end() && it->second.unexeced.count(child);
}

std::vector<DataPipeWatch::Written> DataPipeWatch::decided(pid_t parent, pid_t child, Exec what,
                                                           const std::string& dataPipe) {
    std::vector<Written> out;
    auto it = procs_.find(parent);
    if (it == procs_.end() || !it->second.unexeced.erase(child)) return out;
    Proc& p = it->second;
    if (what == Exec::SpawnChild && !dataPipe.empty()) p.pipes.insert(dataPipe);
    if (what == Exec::Forkserver) {
        p.sendfds = true;
        p.budget = kStopBudget;
        p.pipes.insert(p.passed.begin(), p.passed.end());
        p.passed.clear();
    }
    for (auto w = p.aside.begin(); w != p.aside.end();) {
        if (isDataPipe(parent, w->target)) {
            p.asideBytes -= w->bytes.size();
            Written now = std::move(*w);
            w = p.aside.erase(w);
            if (wrote(parent, now)) out.push_back(std::move(now));
        } else {
            ++w;
        }
    }
    if (p.unexeced.empty()) {
        p.aside.clear();
        p.asideBytes = 0;
        p.passed.clear();
    }
    return out;
}

bool DataPipeWatch::isDataPipe(pid_t pid, const std::string& target) const {
    auto it = procs_.find(pid);
    return it != procs_.end() &&
           (it->second.pipes.count(target) || it->second.written.count(target));
}

bool DataPipeWatch::wanted(pid_t pid, const std::string& target) const {
    auto it = procs_.find(pid);
    if (it == procs_.end()) return false;
    return isDataPipe(pid, target) ||
           (!it->second.unexeced.empty() && target.compare(0, 6, "pipe:[") == 0);
}

bool DataPipeWatch::caresAboutSendmsg(pid_t pid) const {
    auto it = procs_.find(pid);
    return it != procs_.end() && (it->second.sendfds || !it->second.unexeced.empty());
}

void DataPipeWatch::sentFd(pid_t pid, const std::string& target) {
    auto it = procs_.find(pid);
    if (it == procs_.end()) return;
    if (it->second.sendfds)
        it->second.pipes.insert(target);
    else if (!it->second.unexeced.empty())
        it->second.passed.insert(target);
}

bool DataPipeWatch::entry(pid_t pid) {
    auto it = procs_.find(pid);
    if (it == procs_.end()) return false;
    Proc& p = it->second;
    p.written.clear();
    if (--p.budget <= 0 || (p.pipes.empty() && !p.sendfds && p.unexeced.empty())) {
        procs_.erase(it);
        return false;
    }
    return true;
}

DataPipeWatch::Write DataPipeWatch::take(pid_t tid) {
    auto it = writes_.find(tid);
    if (it == writes_.end()) return {};
    Write w = std::move(it->second);
    writes_.erase(it);
    return w;
}

bool DataPipeWatch::wrote(pid_t pid, Written& w) {
    auto it = procs_.find(pid);
    if (it == procs_.end()) return false;
    Proc& p = it->second;
    if (isDataPipe(pid, w.target)) {
        if (w.bytes.size() > room()) w.bytes.resize(room());
        kept_ += w.bytes.size();
        // Written: further writes in a row still count (a large pickle, a partial write), and
        // the next other syscall ends the pipe's watch.
        if (p.pipes.erase(w.target)) p.written.insert(w.target);
        return true;
    }
    if (p.unexeced.empty()) return false;
    if (w.bytes.size() > kKeepCap - p.asideBytes) w.bytes.resize(kKeepCap - p.asideBytes);
    p.asideBytes += w.bytes.size();
    p.aside.push_back(std::move(w));
    return false;
}

} // namespace forklab
