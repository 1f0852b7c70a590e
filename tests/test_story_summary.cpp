// The story's summary scales with what happened, not with how often: identical leaf siblings
// are one line with a count, and long command lines are shortened (whole in the trace).
#include "SandboxHelpers.hpp"

#include <sstream>

using namespace forklab;
using namespace forklab::test;

TEST_CASE("identical siblings collapse with a count and argv is shortened in the summary",
          "[story]") {
    std::string longArg(500, 'x');
    Run r = runInSandbox({"sh", "-c",
                          "for i in 1 2 3 4 5 6 7; do /bin/true; done; /bin/echo \"$0\"; "
                          "/bin/true extra",
                          longArg});
    std::ostringstream out;
    Story(*r.trace).summary(out);
    std::string text = out.str();
    INFO(text);
    // Seven children ran /bin/true with nothing else: one line; the eighth differs by its argv.
    CHECK(text.find("7 × /bin/true") != std::string::npos);
    CHECK(text.find("/bin/true extra") != std::string::npos);
    // The echo's command line is cut with "…" in the summary, and whole in the trace.
    size_t echo = text.find("/bin/echo xxx");
    REQUIRE(echo != std::string::npos);
    std::string line = text.substr(echo, text.find('\n', echo) - echo);
    CHECK(line.find(longArg) == std::string::npos);
    CHECK(line.find("…") != std::string::npos);
    bool whole = false;
    for (auto* e : r.events(EventKind::Exec))
        whole |=
            std::string(r.trace->str(e->as<ev::Exec>().argv)).find(longArg) != std::string::npos;
    CHECK(whole);
}
