// The call a spawn or forkserver child reads from its data pipe (core/launch/Runtime): encoded,
// decoded into views, bounded, and run by runCall, which reads a short call on the stack and a
// long one on the heap (no process is started here: the pipe is the test's own).
#include "core/launch/Runtime.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace forklab::launch;

namespace {

Args g_seen;
int recordArgs(const Args& args) {
    g_seen = args;
    return 7;
}
FORKLAB_TARGET("test.forkserver-call.record", recordArgs);

bool closed(int fd) {
    return fcntl(fd, F_GETFD) == -1;
}

// runCall on a pipe holding `bytes` (at most the pipe's capacity), its write end closed.
int runOnPipe(const std::string& bytes, const std::vector<int>& fds) {
    int p[2];
    REQUIRE(pipe(p) == 0);
    REQUIRE(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= int(bytes.size()));
    REQUIRE(write(p[1], bytes.data(), bytes.size()) == ssize_t(bytes.size()));
    close(p[1]);
    g_seen.clear();
    int code = runCall(p[0], fds);
    CHECK(closed(p[0])); // the child does not keep its data pipe
    return code;
}

} // namespace

TEST_CASE("a call decodes to what was encoded, separators and long arguments included",
          "[launch][call]") {
    const Args args = {"", "a:b\nc", std::string(5000, 'x'), "{fd0}", "12:\n"};
    const std::string bytes = encodeCall("some.target", args);
    CallView call;
    REQUIRE(decodeCall(bytes, &call));
    CHECK(call.target == "some.target");
    REQUIRE(call.args.size() == args.size());
    for (size_t i = 0; i < args.size(); ++i) CHECK(call.args[i] == args[i]);

    CallView many;
    REQUIRE(decodeCall(encodeCall("t", Args(1024, "a")), &many));
    CHECK(many.args.size() == 1024);
}

TEST_CASE("a malformed call is refused, never read past its end", "[launch][call]") {
    const std::string good = encodeCall("t", {"one", "two"});
    CallView call;
    REQUIRE(decodeCall(good, &call));
    // Every proper prefix is short of its end (the views would point past the bytes).
    for (size_t n = 0; n < good.size(); ++n) {
        CAPTURE(n);
        CHECK_FALSE(decodeCall(std::string_view(good).substr(0, n), &call));
    }
    CHECK_FALSE(decodeCall(good + "x", &call));                        // bytes after the call
    CHECK_FALSE(decodeCall("forklab-call 2\n1:t\n0\n", &call));        // another version
    CHECK_FALSE(decodeCall("forklab-call 1\n2:t\n0\n", &call));        // length past the field
    CHECK_FALSE(decodeCall("forklab-call 1\n99999999:t\n0\n", &call)); // 8 digits
    // 2^64 + 1: wrapped to 1 without a bound on the digits, it would read "t" as the target.
    CHECK_FALSE(decodeCall("forklab-call 1\n18446744073709551617:t\n0\n", &call));
    CHECK_FALSE(decodeCall("forklab-call 1\n-1:t\n0\n", &call));      // not a number
    CHECK_FALSE(decodeCall("forklab-call 1\n:t\n0\n", &call));        // no digits
    CHECK_FALSE(decodeCall("forklab-call 1\n1:t\n1025\n", &call));    // too many arguments
    CHECK_FALSE(decodeCall("forklab-call 1\n1:t\n1\n", &call));       // one argument short
    CHECK_FALSE(decodeCall(encodeCall("t", Args(1025, "a")), &call)); // over the bound
    CHECK(decodeCall("forklab-call 1\n1:t\n0\n", &call));
}

TEST_CASE("runCall reads the call from the data pipe, substitutes the fds and runs the target",
          "[launch][call]") {
    SECTION("a short call, read on the stack") {
        CHECK(runOnPipe(encodeCall("test.forkserver-call.record", {"{fd0}", "{fd1}", "x"}),
                        {42, 43}) == 7);
        CHECK(g_seen == Args{"42", "43", "x"});
    }
    SECTION("no fds: the arguments stay as written (a spawn child's parent substituted them)") {
        CHECK(runOnPipe(encodeCall("test.forkserver-call.record", {"{fd0}"}), {}) == 7);
        CHECK(g_seen == Args{"{fd0}"});
    }
    SECTION("a call longer than the stack buffer, and longer than a pipe's default size") {
        const Args args = {std::string(511, 'a'), std::string(100'000, 'b'), "{fd0}"};
        CHECK(runOnPipe(encodeCall("test.forkserver-call.record", args), {5}) == 7);
        CHECK(g_seen == Args{args[0], args[1], "5"});
    }
    SECTION("calls of every length around the stack buffer's size") {
        for (size_t len = 440; len < 600; ++len) {
            CAPTURE(len);
            const std::string bytes =
                encodeCall("test.forkserver-call.record", {std::string(len, 'c')});
            CHECK(runOnPipe(bytes, {}) == 7);
            CHECK(g_seen == Args{std::string(len, 'c')});
        }
    }
    SECTION("a malformed or empty call, or an unknown target") {
        CHECK(runOnPipe("forklab-call 1\n5:t\n0\n", {}) == 120);
        CHECK(runOnPipe("", {}) == 120);
        CHECK(runOnPipe(encodeCall("test.forkserver-call.nobody", {}), {}) == 121);
        CHECK(g_seen.empty());
    }
}
