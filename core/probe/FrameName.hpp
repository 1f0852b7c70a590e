#pragma once
// A stack frame's names as read from a program's ELF files: program-controlled bytes, so every
// function here is bounded and total (no throw, no unbounded recursion or output).
#include <cstddef>
#include <string>
#include <string_view>

namespace forklab {

// Keeps at most `max` bytes, cut on a UTF-8 boundary, with control bytes replaced by '?': a name
// is shown, exported and packed into tab/newline-separated text (StackText.hpp).
std::string cleanName(std::string_view name, size_t max);

// A symbol's name for people: "@VERSION" dropped (glibc's versioned aliases), C++ names
// demangled when short enough to give the demangler (it recurses on the text), then cleaned.
std::string readableSymbol(std::string_view raw, size_t max);

// A function name as shown in a one-line stack: no namespace, class or argument list
// ("forklab::lessons::(anonymous namespace)::child(forklab::launch::Args const&)" -> "child").
std::string shortFunctionName(std::string_view function);

} // namespace forklab
