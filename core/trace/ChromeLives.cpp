// The Chrome export's second half: each process's life as slices in time order, and the
// process and thread names Perfetto shows (the walk in ChromeExport.cpp collected them).
#include "ChromeWriter.hpp"

namespace forklab::chrome {

void ChromeWriter::planLives() {
    // Per life: its slice, its images, each fork with its arrow, a deadlock, its threads (the
    // order of a stable sort's ties).
    uint32_t nextFlow = 1;
    auto add = [&](int64_t ns, int64_t dur, size_t life, size_t k, LifeItem::Part part,
                   uint32_t flow = 0) {
        lifeItems_.push_back({ns, dur, uint32_t(life), uint32_t(k), flow, part});
    };
    auto sliceOf = [&](int64_t start, int64_t end, size_t life, size_t k, LifeItem::Part part) {
        add(start, std::max<int64_t>(0, end - start), life, k, part);
    };
    const auto& lives = ended_.lives;
    for (size_t li = 0; li < lives.size(); ++li) {
        const Life& l = lives[li];
        int64_t end = l.died >= 0 ? l.died : std::max(l.born, end_);
        sliceOf(l.born, end, li, 0, LifeItem::Process);
        for (size_t k = 0; k < l.segs.size(); ++k)
            sliceOf(l.segs[k].start, l.segs[k].end, li, k, LifeItem::Image);

        auto segEnd = [&](int64_t at) { // the end of the image slice that holds `at`
            for (auto& s : l.segs)
                if (s.start <= at && at < s.end) return s.end;
            return l.segs.empty() ? end : l.segs.back().end;
        };
        for (size_t k = 0; k < l.forks.size(); ++k) {
            const ForkOut& f = l.forks[k];
            // The fork slice runs from the fork stop to the child's first sight, inside its image
            // slice and before the next fork, so the parent's slices nest without overlap.
            int64_t stop = segEnd(f.t);
            if (k + 1 < l.forks.size()) stop = std::min(stop, l.forks[k + 1].t);
            const Life* child = f.childLife >= 0 ? &lives[size_t(f.childLife)] : nullptr;
            stop = std::min(stop, child ? std::max(child->born, f.t) : f.t + 1000);
            stop = std::max(stop, f.t);
            sliceOf(f.t, stop, li, k, LifeItem::Fork);
            if (!child) continue;
            // The arrow: strictly inside both slices it binds to (peers.md §2).
            uint32_t id = nextFlow++;
            add(f.t + (stop - f.t) / 2, -1, li, k, LifeItem::FlowStart, id);
            int64_t first = child->segs.empty() ? child->born : child->segs.front().end;
            add(child->born + std::min<int64_t>(1000, (first - child->born) / 2), -1, li, k,
                LifeItem::FlowEnd, id);
        }
        if (l.deadlockAt >= 0)
            sliceOf(l.deadlockAt, std::max(l.deadlockAt, segEnd(l.deadlockAt)), li, 0,
                    LifeItem::Deadlock);
        for (size_t k = 0; k < l.threads.size(); ++k)
            sliceOf(l.threads[k].start, l.threads[k].end, li, k, LifeItem::Thread);
    }
    std::stable_sort(
        lifeItems_.begin(), lifeItems_.end(),
        [](const LifeItem& a, const LifeItem& b) { return before(a.ns, a.dur, b.ns, b.dur); });
}

void ChromeWriter::putLifeItem(const LifeItem& it) {
    std::string& s = next();
    const Life& l = ended_.lives[it.life];
    switch (it.part) {
    case LifeItem::Process: {
        auto args = [&](JsonWriter& w) {
            if (!l.argv.empty()) {
                w.key("argv").beginArray();
                for (auto& a : l.argv) w.value(a);
                w.endArray();
            }
            if (l.deadlockAt >= 0) w.field("deadlocked", true);
            w.field("end", l.exited ? l.status.describe() : "still running when the trace ends");
            if (!l.exe.empty()) w.field("exe", l.exe);
            w.field("execs", l.execs);
            auto all = [](const FdEntry&) { return true; };
            if (l.inherited != kNoSnap)
                w.key("fds_inherited")
                    .raw(fdArray(fdArray_, fdText_, t_.snapshot(l.inherited), all));
            if (l.last != kNoSnap)
                w.key("fds_last_seen").raw(fdArray(fdArray_, fdText_, t_.snapshot(l.last), all));
            if (l.killedBySandbox) w.field("killed_by_sandbox", true);
            w.field("nspid", l.nspid).field("parent", l.parent).field("pid", l.pid);
            w.field("role", toString(l.role)).field("started_by", toString(l.how));
        };
        slice(s, title(l), "process", it.ns, it.dur, l.pid, l.pid, args);
        break;
    }
    case LifeItem::Image:
        slice(s, l.segs[it.k].name, "image", it.ns, it.dur, l.pid, l.pid, l.segs[it.k].args);
        break;
    case LifeItem::Fork:
    case LifeItem::FlowStart:
    case LifeItem::FlowEnd: {
        const ForkOut& f = l.forks[it.k];
        const Life* child = f.childLife >= 0 ? &ended_.lives[size_t(f.childLife)] : nullptr;
        const char* how = f.how == ForkKind::Vfork ? "vfork" : "fork";
        if (it.part == LifeItem::FlowStart) {
            flow(s, "s", it.flow, how, it.ns, l.pid);
        } else if (it.part == LifeItem::FlowEnd) {
            flow(s, "f", it.flow, how, it.ns, child->pid);
        } else {
            auto fargs = [&](JsonWriter& w) {
                w.field("child", f.child);
                if (child) w.field("child_name", child->name);
                w.field("how", how);
                if (f.how == ForkKind::Vfork)
                    w.field("note", "vfork, as posix_spawn does: the parent waits until the child "
                                    "execs or exits");
            };
            slice(s, std::string(how) + " → " + std::to_string(f.child), "fork", it.ns, it.dur,
                  l.pid, l.pid, fargs);
        }
        break;
    }
    case LifeItem::Deadlock: {
        json dargs = l.deadlockArgs;
        dargs["until"] = l.exited ? l.status.describe() : "the end of the trace";
        // "terrible" is chrome://tracing's red; Perfetto colours slices by name.
        slice(s, "DEADLOCKED", "deadlock", it.ns, it.dur, l.pid, l.pid, dargs, "terrible");
        break;
    }
    case LifeItem::Thread: {
        const ThreadLife& th = l.threads[it.k];
        slice(s, "thread " + std::to_string(th.tid), "thread", it.ns, it.dur, l.pid, th.tid,
              [&](JsonWriter& w) { w.field("process", l.pid).field("tid", th.tid); });
        break;
    }
    }
    written();
}

void ChromeWriter::emitMetadata() {
    // Each "M" event's args hold one field.
    auto meta = [&](const char* name, pid_t pid, pid_t tid, const char* key, const auto& value) {
        std::string& s = next();
        head(s, "M", name, "__metadata", 0, pid, tid);
        s += ",\"args\":{\"";
        s += key;
        s += "\":";
        if constexpr (std::is_integral_v<std::decay_t<decltype(value)>>)
            appendInt(s, value);
        else
            JsonWriter::appendQuoted(s, value);
        s += "}}";
        written();
    };
    // Tree order: a depth-first walk from the roots, so each parent sorts above its children.
    // The links are World::at's (only proc events make them), built without replaying the rest.
    struct Node {
        pid_t pid = 0; // 0: named as a parent only
        std::vector<pid_t> children;
    };
    std::map<pid_t, Node> procs;
    std::vector<pid_t> roots;
    for (size_t i = 0; i < n_; ++i) {
        const Event& e = t_[i];
        if (e.kind != EventKind::Proc) continue;
        pid_t parent = e.as<ev::Proc>().parent;
        procs[e.pid].pid = e.pid;
        if (parent)
            procs[parent].children.push_back(e.pid);
        else
            roots.push_back(e.pid);
    }
    std::vector<pid_t> order;
    std::set<pid_t> seen;
    std::vector<pid_t> stack; // explicit: a fork chain is as deep as the program makes it
    auto walk = [&](pid_t start) {
        stack.push_back(start);
        while (!stack.empty()) {
            pid_t pid = stack.back();
            stack.pop_back();
            auto it = procs.find(pid);
            if (it == procs.end() || it->second.pid != pid || !seen.insert(pid).second) continue;
            order.push_back(pid);
            const auto& children = it->second.children;
            stack.insert(stack.end(), children.rbegin(), children.rend()); // first child on top
        }
    };
    for (pid_t r : roots) walk(r);
    for (auto& [pid, p] : procs) walk(pid); // children of an unrecorded parent
    for (pid_t pid : ended_.pidsUsed)
        if (seen.insert(pid).second) order.push_back(pid);
    if (seen.insert(rootPid_).second) order.push_back(rootPid_); // counters' home

    for (size_t k = 0; k < order.size(); ++k) {
        pid_t pid = order[k];
        auto current = ended_.current.find(pid); // its last life, if it had a proc event
        const Life* l = current != ended_.current.end() ? &ended_.lives[current->second] : nullptr;
        std::string name = l ? label(*l)
                           : ended_.lives.empty() && pid == rootPid_
                               ? "forklab run (no process recorded)"
                               : std::to_string(pid) + " (no proc event in the trace)";
        meta("process_name", pid, pid, "name", name);
        meta("process_sort_index", pid, pid, "sort_index", int(k));
        if (l)
            meta("process_labels", pid, pid, "labels",
                 std::string(toString(l->role)) + "," + toString(l->how));
        meta("thread_name", pid, pid, "name",
             (l ? l->name : std::string("main")) + " " + std::to_string(pid));
        meta("thread_sort_index", pid, pid, "sort_index", 0);
    }
    std::set<std::pair<pid_t, pid_t>> named;
    for (auto& l : ended_.lives) {
        int k = 1;
        for (auto& th : l.threads)
            if (named.insert({l.pid, th.tid}).second) {
                meta("thread_name", l.pid, th.tid, "name", "thread " + std::to_string(th.tid));
                meta("thread_sort_index", l.pid, th.tid, "sort_index", k++);
            }
    }
}

} // namespace forklab::chrome
