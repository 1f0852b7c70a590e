#pragma once
// Lines of a trace file read through a fixed buffer, so no line can grow past the cap
// (kMaxTraceLineBytes) whatever the file holds.
#include <istream>
#include <string>
#include <vector>

namespace forklab::tracefile {

class LineReader {
  public:
    enum Result { Line, End, TooLong, ReadError };
    explicit LineReader(std::istream& in) : in_(in), buf_(64 * 1024) {}

    // The next line without its '\n'; *newline says whether it had one (else the file ended).
    Result next(std::string& line, bool* newline);

  private:
    std::istream& in_;
    std::vector<char> buf_;
    size_t pos_ = 0, len_ = 0;
    bool eof_ = false;
};

} // namespace forklab::tracefile
