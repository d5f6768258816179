#include "se/document_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <asio/io_context.hpp>

namespace floe::se {
namespace {

constexpr const char* kDocument = R"({
  "serviceengine": [{"name": "se1", "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.11/24"}]}],
  "pool": [{"name": "web", "servers": [{"ip": "10.10.20.21"}]}],
  "virtualservice": [{"name": "vs1", "vip": [{"vip_id": "1", "ip_address": "10.10.1.50"}],
                      "services": [{"port": 80}], "pool_ref": "web"}]
})";

// Runs `io` until `done()` or `limit`; run_for alone returns at once while nothing is queued.
template <class Pred>
void runUntil(asio::io_context& io, Pred done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

class DocumentLoaderTest : public ::testing::Test {
 protected:
  DocumentLoaderTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("floe-loader-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  ~DocumentLoaderTest() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(DocumentLoaderTest, LoadsOnItsOwnThreadAndHandsTheResultToTheLoop) {
  const auto path = dir_ / "floe.json";
  std::ofstream(path) << kDocument;
  asio::io_context io;
  DocumentLoader loader(io);
  std::optional<Loaded> got;
  std::thread::id ranOn;
  ASSERT_TRUE(loader.load(path, "se1", [&](Loaded l) {
    got = std::move(l);
    ranOn = std::this_thread::get_id();
  }));
  runUntil(io, [&] { return got.has_value(); }, std::chrono::seconds(5));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(ranOn, std::this_thread::get_id());
  ASSERT_TRUE(got->errors.empty()) << got->errors.front();
  ASSERT_TRUE(got->desired.has_value());
  EXPECT_EQ(got->desired->proxy.virtual_services.at(0).name, "vs1");
}

TEST_F(DocumentLoaderTest, ASlowFileDelaysNeitherTheLoopNorASecondRequest) {
  const auto fifo = dir_ / "slow.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int writer = ::open(fifo.c_str(), O_RDWR);  // the loader's open() does not block
  ASSERT_GE(writer, 0);
  asio::io_context io;
  DocumentLoader loader(io);
  bool done = false;
  ASSERT_TRUE(loader.load(fifo, "se1", [&](Loaded) { done = true; }));
  EXPECT_FALSE(loader.load(fifo, "se1", [](Loaded) {}));  // one at a time
  runUntil(io, [&] { return done; }, std::chrono::milliseconds(200));  // the loop runs meanwhile
  EXPECT_FALSE(done);
  EXPECT_TRUE(loader.busy());
  ASSERT_EQ(::write(writer, kDocument, std::strlen(kDocument)), ssize_t(std::strlen(kDocument)));
  ::close(writer);
  runUntil(io, [&] { return done; }, std::chrono::seconds(5));
  EXPECT_TRUE(done);
  EXPECT_FALSE(loader.busy());
}

TEST_F(DocumentLoaderTest, DestroyingTheLoaderCancelsAReadThatWaits) {
  const auto fifo = dir_ / "never.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int writer = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(writer, 0);
  asio::io_context io;
  bool called = false;
  const auto t0 = std::chrono::steady_clock::now();
  {
    DocumentLoader loader(io);
    ASSERT_TRUE(loader.load(fifo, "se1", [&](Loaded) { called = true; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  runUntil(io, [&] { return called; }, std::chrono::milliseconds(50));
  EXPECT_FALSE(called);  // a result after the loader is gone is dropped
  ::close(writer);
}

}  // namespace
}  // namespace floe::se
