#pragma once
// The run told as text: one line per event worth reading, then the tree and what teardown did.
// Incremental, so the CLI can print while the recorder is still appending.
#include "StoryRepeats.hpp"
#include "Trace.hpp"

#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>

namespace forklab {

class Story {
  public:
    explicit Story(const Trace& trace) : trace_(trace) {}
    // Tells events [told, upto) and remembers where it stopped.
    void feed(size_t upto, std::ostream& out);
    // The process tree, leaks and what the sandbox killed, from the whole trace.
    void summary(std::ostream& out) const;

    // Called after each marker's line: a lesson adds its narration here.
    std::function<void(const Event&, std::ostream&)> onMarker;

  private:
    std::string who(pid_t pid) const;
    std::string fdList(SnapId snap, const char* sep = ", ") const;
    void line(std::ostream& out, const Event& e, const std::string& text);

    const Trace& trace_;
    size_t told_ = 0;
    std::map<pid_t, std::string> names_;
    std::map<pid_t, pid_t> nspids_;
    std::set<pid_t> sandbox_;
    std::set<pid_t> setUpPending_; // the launcher's children before their first exec
    std::map<pid_t, Role> roles_;
    StoryRepeats repeats_;
};

} // namespace forklab
