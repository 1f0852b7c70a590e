#pragma once
// Reading a verdict's optional stack fields ("stack", "stack_truncated", "stack_unread") from a
// trace line, with the same checks as every other field (docs/trace-format.md). TraceReader only.
#include "TraceJsonFields.hpp"
#include "core/probe/ThreadStack.hpp"

namespace forklab::tracefile {

// Not recorded (ThreadStack::recorded() false) when the line has none of the fields.
ThreadStack stackFields(const Obj& o);

} // namespace forklab::tracefile
