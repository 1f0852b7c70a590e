#pragma once
// How facts are written as text wherever they are shown (story, views, exports, verdicts):
// addresses in hex, and bytes a program wrote made safe to print on one line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace forklab {

std::string hex(uint64_t v); // "0x7f4a80000ba0"

// Newlines and tabs as \n and \t, other control bytes as '?'; longer than `max` bytes is cut
// (before a UTF-8 character, never inside one) and ends with "…".
std::string printable(std::string_view s, size_t max = std::string_view::npos);

} // namespace forklab
