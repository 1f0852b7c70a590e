#include "TableText.hpp"

namespace forklab {

// Keys in sorted order, as every line of the file (nlohmann's order).
void writeTable(JsonWriter& w, const std::vector<FdEntry>& fds) {
    w.beginArray();
    for (auto& f : fds) {
        w.beginObject();
        w.field("access", toString(f.access));
        w.field("cloexec", f.cloexec);
        w.field("fd", f.fd);
        w.field("flags", f.flags);
        w.field("inode", f.inode);
        w.field("target", f.target);
        w.field("type", toString(f.kind));
        w.endObject();
    }
    w.endArray();
}

void writeTable(JsonWriter& w, const std::vector<ThreadState>& threads) {
    w.beginArray();
    for (auto& th : threads) {
        w.beginObject();
        w.field("nstid", th.nstid);
        w.field("running", th.syscall.running);
        w.field("state", std::string_view(&th.state, 1));
        w.key("syscall");
        if (!th.syscall.running && th.syscall.nr >= 0) {
            w.beginArray().value(th.syscall.nr);
            for (auto a : th.syscall.args) w.value(a);
            w.endArray();
        } else {
            w.null();
        }
        w.field("tid", th.tid);
        w.field("wchan", th.wchan);
        w.endObject();
    }
    w.endArray();
}

void writeTable(JsonWriter& w, const std::vector<ShmMapping>& maps) {
    w.beginArray();
    for (auto& m : maps) {
        w.beginObject();
        w.field("dev", m.dev);
        w.field("inode", m.inode);
        w.field("path", m.path);
        w.field("start", m.start);
        w.endObject();
    }
    w.endArray();
}

} // namespace forklab
