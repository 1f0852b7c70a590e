#pragma once
// A deadlock verdict's stack as the trace keeps it (one string of its pool, so an event stays
// small) and as every view writes it. Packed form:
//   ""          not recorded (a trace from before stacks were read)
//   "!REASON"   the stack could not be read, and why
//   otherwise   one frame a line, innermost first: "PC_HEX\tMODULE\tFUNCTION", then a line "+"
//               if the walk was cut at kMaxStackFrames.
// Names are cleaned (ThreadStack.hpp: no control bytes) before they are packed, so a tab or a
// newline never comes from a name.
#include "core/probe/ThreadStack.hpp"

#include <string>
#include <string_view>

namespace forklab {

std::string packStack(const ThreadStack& s);
ThreadStack unpackStack(std::string_view packed); // never throws; bad lines are skipped

// "pthread_mutex_lock (libc.so.6)", "0x7f12… (libc.so.6)" when no symbol covers the pc.
std::string frameText(const StackFrame& f);
// The stack on one line, innermost first, short names: "__lll_lock_wait ← pthread_mutex_lock ←
// child ← …"; at most `maxNames` names, then how many more. When there are no frames: why
// ("stack not read: REASON", "stack not recorded").
std::string stackLine(const ThreadStack& s, size_t maxNames = 8);

} // namespace forklab
