// ForwardingOwner against a fake /proc/sys: it turns on only what is off, records before it
// writes, puts back only what still reads as it wrote, and restores a killed run's changes.
#include "se/forwarding.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace floe::se {
namespace {

class FakeSysctl final : public SysctlAccess {
 public:
  Result<std::string> read(const std::string& path) override {
    auto it = values.find(path);
    if (it == values.end()) return makeError("/proc/sys/" + path + ": No such file", ENOENT);
    return it->second;
  }
  Status write(const std::string& path, const std::string& value) override {
    auto it = values.find(path);
    if (it == values.end()) return makeError("/proc/sys/" + path + ": No such file", ENOENT);
    if (onWrite) onWrite(path);
    it->second = value;
    ++writes;
    return {};
  }
  std::map<std::string, std::string> values;
  std::function<void(const std::string&)> onWrite;
  int writes = 0;
};

class ForwardingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("floe-forwarding-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    state_ = dir_ / "se1.forwarding";
    sysctl_.values = {{"net/ipv4/conf/eth1/forwarding", "0"},
                      {"net/ipv4/conf/eth2/forwarding", "0"},
                      {"net/ipv4/conf/mgmt/forwarding", "0"}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string state() const {
    std::ifstream in(state_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string& value(const std::string& dev) { return sysctl_.values[forwardingPath(dev)]; }

  std::filesystem::path dir_;
  std::filesystem::path state_;
  FakeSysctl sysctl_;
};

TEST_F(ForwardingTest, TurnsOnOnlyTheListedDevices) {
  ForwardingOwner f(sysctl_, state_);
  EXPECT_TRUE(f.converge({"eth1", "eth2"}).empty());
  EXPECT_EQ(value("eth1"), "1");
  EXPECT_EQ(value("eth2"), "1");
  EXPECT_EQ(value("mgmt"), "0");
  EXPECT_EQ(f.owned(), (std::vector<std::string>{"eth1", "eth2"}));
}

TEST_F(ForwardingTest, RecordsTheOldValueBeforeWriting) {
  ForwardingOwner f(sysctl_, state_);
  bool recorded = false;
  sysctl_.onWrite = [&](const std::string& path) {
    recorded = state().find(path) != std::string::npos;
  };
  f.converge({"eth1"});
  EXPECT_TRUE(recorded) << "the state file must name the path before /proc/sys is written";
}

TEST_F(ForwardingTest, RestoreAllPutsBackAndRemovesTheStateFile) {
  ForwardingOwner f(sysctl_, state_);
  f.converge({"eth1", "eth2"});
  ASSERT_TRUE(std::filesystem::exists(state_));
  EXPECT_TRUE(f.restoreAll().empty());
  EXPECT_EQ(value("eth1"), "0");
  EXPECT_EQ(value("eth2"), "0");
  EXPECT_FALSE(std::filesystem::exists(state_));
  EXPECT_TRUE(f.owned().empty());
}

TEST_F(ForwardingTest, NeverTurnsOffAFlagThatWasAlreadyOn) {
  value("eth2") = "1";
  ForwardingOwner f(sysctl_, state_);
  f.converge({"eth1", "eth2"});
  EXPECT_EQ(f.owned(), (std::vector<std::string>{"eth1"}));
  f.restoreAll();
  EXPECT_EQ(value("eth1"), "0");
  EXPECT_EQ(value("eth2"), "1");
}

TEST_F(ForwardingTest, StandbyPutsBackWhatTheActiveRoleTurnedOn) {
  ForwardingOwner f(sysctl_, state_);
  f.converge({"eth1", "eth2"});
  f.converge({});  // the role went to the standby
  EXPECT_EQ(value("eth1"), "0");
  EXPECT_EQ(value("eth2"), "0");
  f.converge({"eth1", "eth2"});  // and back
  EXPECT_EQ(value("eth1"), "1");
}

TEST_F(ForwardingTest, LeavesAloneAValueSomeoneElseChangedSince) {
  ForwardingOwner f(sysctl_, state_);
  f.converge({"eth1"});
  value("eth1") = "0";   // an operator turned it off by hand: floe's desired state wins while
  f.converge({"eth1"});  // it routes...
  EXPECT_EQ(value("eth1"), "1");
  value("eth1") = "2";  // ...but on exit a value that no longer reads as floe's is theirs
  f.restoreAll();
  EXPECT_EQ(value("eth1"), "2");
}

TEST_F(ForwardingTest, SkipsAMissingDeviceAndTurnsItOnWhenItAppears) {
  ForwardingOwner f(sysctl_, state_);
  EXPECT_TRUE(f.converge({"eth1", "eth9"}).empty());
  EXPECT_EQ(f.owned(), (std::vector<std::string>{"eth1"}));
  sysctl_.values[forwardingPath("eth9")] = "0";
  f.converge({"eth1", "eth9"});
  EXPECT_EQ(value("eth9"), "1");
}

TEST_F(ForwardingTest, NextStartRestoresWhatAKilledRunChanged) {
  {
    ForwardingOwner killed(sysctl_, state_);
    killed.converge({"eth1", "eth2"});
    // No restoreAll: the process was SIGKILLed.
  }
  value("eth2") = "0";  // someone changed this one since: left alone
  ForwardingOwner next(sysctl_, state_);
  auto r = next.restoreLeftovers();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(value("eth1"), "0");
  EXPECT_EQ(value("eth2"), "0");
  ASSERT_EQ(r->size(), 2u);
  EXPECT_NE((*r)[0].find("restored"), std::string::npos) << (*r)[0];
  EXPECT_NE((*r)[1].find("left alone"), std::string::npos) << (*r)[1];
  EXPECT_FALSE(std::filesystem::exists(state_));
}

TEST_F(ForwardingTest, NoStateFileIsNothingToRestore) {
  ForwardingOwner f(sysctl_, state_);
  auto r = f.restoreLeftovers();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(sysctl_.writes, 0);
}

TEST_F(ForwardingTest, RefusesACorruptStateFileAndKeepsIt) {
  std::ofstream(state_) << "{\"sysctls\": [ {\"path\": 3} ]}";
  ForwardingOwner f(sysctl_, state_);
  auto r = f.restoreLeftovers();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind(state_.string() + ": ", 0), 0u) << r.error().message;
  EXPECT_TRUE(std::filesystem::exists(state_));
  EXPECT_EQ(sysctl_.writes, 0);
}

TEST_F(ForwardingTest, RefusesAStatePathOutsideTheForwardingFlags) {
  std::ofstream(state_)
      << R"({"sysctls": [{"path": "kernel/core_pattern", "before": "x", "set": "1"}]})";
  value("eth1") = "1";
  ForwardingOwner f(sysctl_, state_);
  auto r = f.restoreLeftovers();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a path floe changes"), std::string::npos);
  EXPECT_EQ(sysctl_.writes, 0);
}

TEST(ForwardingState, RefusesPathsThatEscapeTheForwardingFlags) {
  for (const char* path : {"net/ipv4/conf/../../../kernel/x/forwarding",
                           "net/ipv4/conf//forwarding", "net/ipv4/conf/eth1/rp_filter",
                           "net/ipv4/conf/forwarding", "net/ipv4/conf/../forwarding"}) {
    const std::string text =
        std::string(R"({"sysctls": [{"path": ")") + path + R"(", "before": "0", "set": "1"}]})";
    auto r = parseForwardingState(text, "f");
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().message, std::string("f: ") + path + " is not a path floe changes");
  }
}

TEST(ForwardingState, DecodesWhatSaveWrites) {
  auto r = parseForwardingState(
      R"({"sysctls": [{"path": "net/ipv4/conf/eth1/forwarding", "before": "0", "set": "1"}]})",
      "f");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].path, "net/ipv4/conf/eth1/forwarding");
  EXPECT_EQ((*r)[0].before, "0");
  EXPECT_EQ((*r)[0].set, "1");
}

}  // namespace
}  // namespace floe::se
