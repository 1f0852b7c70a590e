// A process tree as deep as a program can make one (a fork chain, each child forking the next)
// is exported and told without the recorder's own stack running out: every walk over the tree
// is iterative, and the printed tree is bounded in depth.
#include "CliRunner.hpp"
#include "DeepChain.hpp"

#include "core/trace/ChromeExport.hpp"
#include "core/trace/DotExport.hpp"
#include "core/trace/Story.hpp"
#include "core/trace/TraceFile.hpp"
#include "core/trace/World.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <ostream>
#include <streambuf>
#include <unistd.h>

using namespace forklab;
using namespace forklab::test;

namespace {

constexpr int kDepth = 100000;

// Counts what is written and keeps none of it (a deep export is tens of MB).
struct CountingBuf : std::streambuf {
    size_t bytes = 0;
    std::string tail; // the last bytes, for what the end of the text says
    int overflow(int c) override {
        if (c != EOF) add(char(c));
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        for (std::streamsize i = 0; i < n; ++i) add(s[i]);
        return n;
    }
    void add(char c) {
        ++bytes;
        tail.push_back(c);
        if (tail.size() > 4096) tail.erase(0, 2048);
    }
};

const Trace& chain() {
    static const std::unique_ptr<Trace> t = [] {
        auto x = std::make_unique<Trace>();
        makeChain(*x, kDepth);
        return x;
    }();
    return *t;
}

} // namespace

TEST_CASE("a 100,000-deep fork chain: DOT, Chrome and the story", "[deep]") {
    const Trace& t = chain();
    World w = World::at(t, t.size());
    REQUIRE(w.find(kChainFirst + kDepth - 1));
    REQUIRE(w.find(kChainFirst + kDepth - 1)->parent == kChainFirst + kDepth - 2);

    SECTION("DOT: a node and an edge for every process") {
        CountingBuf buf;
        std::ostream out(&buf);
        writeDot(t, w, "chain", out);
        CHECK(buf.tail.find("p" + std::to_string(kChainFirst + kDepth - 2) + " -> p" +
                            std::to_string(kChainFirst + kDepth - 1)) != std::string::npos);
        CHECK(buf.bytes > size_t(kDepth) * 50);
    }
    SECTION("Chrome: written to the end") {
        CountingBuf buf;
        std::ostream out(&buf);
        writeChromeJson(t, out);
        CHECK(buf.bytes > size_t(kDepth) * 50);
        CHECK(buf.tail.find("]") != std::string::npos);
        CHECK(buf.tail.back() == '\n');
    }
    SECTION("the story: every event told, the tree summarised below a depth limit") {
        CountingBuf buf;
        std::ostream out(&buf);
        Story s(t);
        s.feed(t.size(), out);
        size_t told = buf.bytes;
        CHECK(told > size_t(kDepth) * 20);
        s.summary(out);
        const size_t tree = buf.bytes - told;
        INFO(buf.tail);
        CHECK(tree < 1000000); // not depth² bytes of indentation
        CHECK(buf.tail.find("deeper") != std::string::npos);
    }
}

TEST_CASE("forklab export and replay of a 100,000-deep chain", "[deep][cli]") {
    const std::string path = std::filesystem::temp_directory_path() /
                             ("forklab-deep-" + std::to_string(getpid()) + ".forklab.jsonl");
    std::string err;
    REQUIRE(writeJsonlFile(chain(), path, &err));
    struct Cleanup {
        std::string p;
        ~Cleanup() { std::filesystem::remove(p); }
    } cleanup{path};
    for (const char* format : {"dot", "chrome"}) {
        CAPTURE(format);
        const std::string out = path + "." + format;
        auto r = runForklab({"export", path, "--format", format, "-o", out});
        INFO(r.out.substr(0, 2000));
        CHECK(r.exitCode == 0);
        CHECK(std::filesystem::file_size(out) > size_t(kDepth) * 50);
        std::filesystem::remove(out);
    }
    auto r = runForklab({"replay", "--text", "-q", path});
    CHECK(r.exitCode == 0);
    CHECK(r.out.size() < 1000000);
    CHECK(r.out.find("deeper") != std::string::npos);
}
