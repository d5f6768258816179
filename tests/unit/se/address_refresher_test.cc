#include "se/address_refresher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fakes/fake_netlink.h"
#include "se/critical_loop.h"
#include "test_documents.h"

namespace floe::se {
namespace {

using ::testing::ElementsAre;
using testing::prefix;

struct Fixture {
  Fixture() {
    auto fake = std::make_unique<net::FakeNetlink>();
    nl = fake.get();
    nl->addLink("eth0", {prefix("10.10.1.11/24")});
    refresher = std::make_unique<AddressRefresher>(loop.io(), std::move(fake),
                                                   std::chrono::milliseconds(5));
  }
  CriticalLoop loop;
  net::FakeNetlink* nl = nullptr;
  std::unique_ptr<AddressRefresher> refresher;
};

TEST(AddressRefresher, RestartsTheLifetimeOfAddressesThatAreStillFloes) {
  Fixture f;
  ASSERT_TRUE(f.nl->addAddress({"eth0", prefix("10.10.1.100/32"), 6}));
  f.refresher->keep({{"eth0", prefix("10.10.1.100/32"), 6}});
  f.nl->clearCalls();
  f.refresher->pass();
  EXPECT_THAT(f.nl->callsOf("refreshAddress"),
              ElementsAre("refreshAddress eth0 10.10.1.100/32 lifetime=6"));
  EXPECT_EQ(f.refresher->stats().refreshed, 1u);
}

TEST(AddressRefresher, NeverRefreshesAnAddressSomeoneElseAddedInItsPlace) {
  Fixture f;
  // floe held it; an administrator deleted it and added it again by hand.
  f.nl->addForeignAddress("eth0", prefix("10.10.1.100/32"));
  f.refresher->keep({{"eth0", prefix("10.10.1.100/32"), 6}});
  f.refresher->pass();
  EXPECT_THAT(f.nl->callsOf("refreshAddress"), ::testing::IsEmpty());
  EXPECT_EQ(f.refresher->stats().notHeld, 1u);
}

TEST(AddressRefresher, LeavesAVanishedAddressToTheAgent) {
  Fixture f;
  f.refresher->keep({{"eth0", prefix("10.10.1.100/32"), 6}});
  f.refresher->pass();
  EXPECT_THAT(f.nl->callsOf("refreshAddress"), ::testing::IsEmpty());
  EXPECT_TRUE(f.nl->floeAddresses().empty());
}

TEST(AddressRefresher, DoesNotDumpWhenItKeepsNothing) {
  Fixture f;
  f.refresher->pass();
  EXPECT_THAT(f.nl->calls(), ::testing::IsEmpty());
  EXPECT_EQ(f.refresher->stats().passes, 1u);
}

// The threads as in floe-se: passes on the time-critical loop, keep() from another thread.
// Under ThreadSanitizer (scripts/test.sh) this checks the hand-over has no data race.
TEST(AddressRefresher, RunsOnItsOwnLoopWhileKeepIsCalledFromAnother) {
  Fixture f;
  ASSERT_TRUE(f.nl->addAddress({"eth0", prefix("10.10.1.100/32"), 6}));
  f.loop.start();
  f.refresher->start();
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  int keeps = 0;
  while (std::chrono::steady_clock::now() < until) {
    f.refresher->keep({{"eth0", prefix("10.10.1.100/32"), 6}});
    ++keeps;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  f.refresher->stop();
  f.loop.stop();
  EXPECT_GT(keeps, 10);
  EXPECT_GE(f.refresher->stats().passes, 5u);
  EXPECT_GE(f.refresher->stats().refreshed, 4u);
}

}  // namespace
}  // namespace floe::se
