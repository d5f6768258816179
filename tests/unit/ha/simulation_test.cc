// Two state machines over a simulated link, driven by a seeded random schedule of partitions,
// stalls (SIGSTOP/SIGCONT), crash-restarts and switchovers, in 10 ms steps of a ManualClock.
// Invariant: once the link has been up and both SEs running for 3 intervals, exactly one is active
// — split brain always heals, and a healed pair never ends with none active. Deterministic (fixed
// seeds).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>

#include "common/clock.h"
#include "ha/state_machine.h"

namespace floe::ha {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kInterval{100};
constexpr milliseconds kStep{10};

struct Node {
  Node(std::string name, bool first)
      : config{std::move(name), 0, first, kInterval, 5, 1, "g", ""}, sm(config) {}
  StateMachine::Config config;
  StateMachine sm;
  uint64_t boot_id = 1;
  uint64_t sequence = 0;
  SteadyTime next_send{};
  SteadyTime next_timer{};
  bool stopped = false;
  SteadyTime running_since{};
};

class Simulation {
 public:
  explicit Simulation(unsigned seed) : rng_(seed) { link_up_ = rng_() % 2 == 0; }

  void start() {
    apply(a_, a_.sm.start(clock_.now()), b_);
    apply(b_, b_.sm.start(clock_.now()), a_);
  }
  // Heals the link and resumes both SEs.
  void heal() {
    link_up_ = true;
    link_since_ = clock_.now();
    for (Node* n : {&a_, &b_}) {
      if (n->stopped) n->running_since = clock_.now();
      n->stopped = false;
    }
  }
  // Runs `steps` steps (perturbing every 50 when asked); returns the number of steps at which
  // the invariant was checked.
  int run(int steps, bool perturbing) {
    int checked = 0;
    for (int i = 0; i < steps; ++i) {
      clock_.advance(kStep);
      const SteadyTime now = clock_.now();
      if (perturbing && i % 50 == 0) perturb(now);
      for (auto [self, other] : {std::pair{&a_, &b_}, std::pair{&b_, &a_}}) {
        if (self->stopped) continue;
        if (now >= self->next_timer) apply(*self, self->sm.onTimer(now), *other);
        if (now >= self->next_send) send(*self, *other);
      }
      if (link_up_ && !a_.stopped && !b_.stopped) {
        const SteadyTime since = std::max({link_since_, a_.running_since, b_.running_since});
        if (now - since >= 3 * kInterval) {
          ++checked;
          const int active = (a_.sm.role() == Role::kActive) + (b_.sm.role() == Role::kActive);
          EXPECT_EQ(active, 1) << "step " << i << ": " << stateName(a_.sm.state()) << "/"
                               << stateName(b_.sm.state());
          if (active != 1) return checked;
        }
      }
    }
    return checked;
  }

 private:
  void send(Node& from, Node& to) {
    from.next_send = clock_.now() + kInterval;
    if (!link_up_ || to.stopped) return;
    Heartbeat hb = from.sm.outgoing();
    hb.boot_id = from.boot_id;
    hb.sequence = ++from.sequence;
    // send_now answers send_now: the exchange must settle (no heartbeat storm).
    if (++depth_ > 8) {
      ADD_FAILURE() << "heartbeat storm: " << stateName(a_.sm.state()) << "/"
                    << stateName(b_.sm.state());
      --depth_;
      return;
    }
    apply(to, to.sm.onHeartbeat(hb, 0, clock_.now()), from);
    --depth_;
  }
  void apply(Node& n, const Effects& e, Node& other) {
    n.next_timer = e.next_timer;
    if (e.send_now) send(n, other);
  }
  void perturb(SteadyTime now) {
    switch (rng_() % 7) {
      case 0:
        link_up_ = !link_up_;
        link_since_ = now;
        break;
      case 1:
      case 2: {
        Node& n = rng_() % 2 ? a_ : b_;
        n.stopped = !n.stopped;
        n.running_since = now;
        break;
      }
      case 3: {
        Node& n = a_.sm.role() == Role::kActive ? a_ : b_;
        if (!n.stopped) apply(n, n.sm.onSwitchover(now), &n == &a_ ? b_ : a_);
        break;
      }
      case 4: {  // crash and restart: a new boot in INIT
        Node& n = rng_() % 2 ? a_ : b_;
        n.sm = StateMachine(n.config);
        ++n.boot_id;
        n.sequence = 0;
        n.stopped = false;
        n.running_since = now;
        apply(n, n.sm.start(now), &n == &a_ ? b_ : a_);
        break;
      }
      default:
        break;  // quiet period
    }
  }

  ManualClock clock_;
  std::mt19937 rng_;
  Node a_{"se1", true};
  Node b_{"se2", false};
  bool link_up_ = true;
  int depth_ = 0;
  SteadyTime link_since_{};
};

TEST(HaSimulation, ExactlyOneActiveWheneverConnectedAndRunning) {
  int total = 0;
  for (unsigned seed = 1; seed <= 200; ++seed) {
    Simulation sim(seed);
    sim.start();
    total += sim.run(3000, true);  // 30 s of simulated time with faults
    sim.heal();
    EXPECT_GT(sim.run(200, false), 0) << "seed " << seed;  // 2 s healed: checked every step
    if (HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      break;
    }
  }
  EXPECT_GT(total, 10000);  // the faulty phases were checked too, not only the healed ends
}

}  // namespace
}  // namespace floe::ha
