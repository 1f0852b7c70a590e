#pragma once
// The event story's repeats: a childless process's lines, from its fork to its exit, are a
// block; a run of sibling blocks that say the same (2,000 × /bin/true from one shell) is told
// as the first two and one line with the count. Once two siblings have matched, the next
// sibling's lines are held until its exit decides whether it is one more of the same; a block
// that differs, forks, or reaches a step, a deadlock or the task limit is printed whole.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <sys/types.h>
#include <vector>

namespace forklab {

class StoryRepeats {
  public:
    // child's block opens at its fork by parent; nspid is its pid inside (0: not known yet).
    void open(pid_t child, pid_t parent);
    void setNspid(pid_t pid, pid_t nspid);
    // A line about `about` (0: about no block): printed, or kept in that process's held block.
    void line(std::ostream& out, pid_t about, const std::string& stamp, const std::string& text);
    // pid started a process of its own: its block is no longer a leaf's, and is printed.
    void forked(pid_t pid, std::ostream& out);
    // Its lines are needed now (a step, a verdict): printed, and no longer foldable.
    void release(pid_t pid, std::ostream& out);
    // After pid's exit line: its block is compared with its siblings'.
    void close(pid_t pid, const std::string& stamp, std::ostream& out);
    // pid is gone: the run of its children's blocks is told.
    void parentEnded(pid_t pid, std::ostream& out);
    // The end of the story: every count and held block is told.
    void flushAll(std::ostream& out);

  private:
    struct Block {
        pid_t parent = 0;
        pid_t nspid = 0;
        bool held = false;
        bool foldable = true;
        std::string sig;                // its lines without times and its own pids
        std::vector<std::string> lines; // held: the lines as they would have been printed
    };
    struct Run {                // the children of one parent, as their blocks closed
        std::string sig;        // the last closed block's
        bool repeating = false; // the last two closed blocks matched: hold the next
        int64_t folded = 0;     // blocks told only by the count
        pid_t last = 0;
        std::string lastStamp;
    };
    void printHeld(Block& b, std::ostream& out);
    void tellRun(Run& r, std::ostream& out);
    std::string normalised(const Block& b, pid_t pid, const std::string& text) const;

    std::map<pid_t, Block> blocks_;
    std::map<pid_t, Run> runs_;
};

// 2000 -> "2,000"
std::string countText(int64_t n);

} // namespace forklab
