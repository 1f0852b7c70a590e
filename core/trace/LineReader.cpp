#include "LineReader.hpp"

#include "TraceReader.hpp" // kMaxTraceLineBytes

#include <cstring>

namespace forklab::tracefile {

LineReader::Result LineReader::next(std::string& line, bool* newline) {
    line.clear();
    for (;;) {
        if (pos_ == len_) {
            if (eof_) {
                *newline = false;
                return line.empty() ? End : Line;
            }
            in_.read(buf_.data(), std::streamsize(buf_.size()));
            if (in_.bad()) return ReadError;
            len_ = size_t(in_.gcount());
            pos_ = 0;
            eof_ = len_ < buf_.size();
            continue;
        }
        const char* start = buf_.data() + pos_;
        auto* nl = static_cast<const char*>(memchr(start, '\n', len_ - pos_));
        size_t n = nl ? size_t(nl - start) : len_ - pos_;
        if (line.size() + n > kMaxTraceLineBytes) return TooLong;
        line.append(start, n);
        pos_ += n;
        if (nl) {
            ++pos_;
            *newline = true;
            return Line;
        }
    }
}

} // namespace forklab::tracefile
