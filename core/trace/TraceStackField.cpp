#include "TraceStackField.hpp"

namespace forklab::tracefile {

namespace {

std::string boundedName(const Obj& o, std::string_view key, size_t max) {
    std::string_view s = o.string(key);
    if (s.size() > max)
        fail(o.name(key) + " must be at most " + std::to_string(max) + " bytes (got " +
             std::to_string(s.size()) + ")");
    // A tab or newline would end the packed frame early: shown as '?', as when recorded.
    return cleanName(s, max);
}

} // namespace

ThreadStack stackFields(const Obj& o) {
    ThreadStack s;
    bool any = o.has("stack") || o.has("stack_unread") || o.has("stack_truncated");
    if (!any) return s;
    Val frames = o.array("stack");
    if (frames.size() > kMaxStackFrames)
        fail(o.name("stack") + " must have at most " + std::to_string(kMaxStackFrames) +
             " frames (got " + std::to_string(frames.size()) + ")");
    o.objects("stack", [&](const Obj& f) {
        StackFrame frame;
        frame.pc = f.u64("pc");
        frame.module = boundedName(f, "module", kMaxFrameModule);
        frame.function = boundedName(f, "function", kMaxFrameFunction);
        s.frames.push_back(std::move(frame));
    });
    if (o.has("stack_truncated")) s.truncated = o.boolean("stack_truncated");
    if (o.has("stack_unread")) {
        if (!s.frames.empty())
            fail(o.name("stack_unread") + " must not be given with frames in \"stack\"");
        s.unread = boundedName(o, "stack_unread", 200);
        if (s.unread.empty()) fail(o.name("stack_unread") + " must not be empty");
    } else if (s.frames.empty()) {
        fail(o.name("stack") + " is empty: \"stack_unread\" must say why");
    }
    return s;
}

} // namespace forklab::tracefile
