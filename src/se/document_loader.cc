#include "se/document_loader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include <asio/post.hpp>

#include "common/log.h"

namespace floe::se {

namespace {

Result<std::string> readFile(const std::filesystem::path& path, int cancelFd) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(path.string() + ": cannot read: " + std::strerror(errno), errno);
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {cancelFd, POLLIN, 0}};
    const int n = ::poll(fds, cancelFd >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (cancelFd >= 0 && (fds[1].revents & POLLIN) != 0) {
      ::close(fd);
      return makeError(path.string() + ": reading cancelled (floe-se is stopping)", ECANCELED);
    }
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      const int e = errno;
      ::close(fd);
      return makeError(path.string() + ": cannot read: " + std::strerror(e), e);
    }
    if (got == 0) break;
    text.append(buf, static_cast<size_t>(got));
    // Never more than the decoder accepts: the file may be huge, or endless (/dev/zero).
    if (text.size() > config::kMaxDocumentBytes) {
      ::close(fd);
      return makeError(path.string() + ": larger than " +
                           std::to_string(config::kMaxDocumentBytes) +
                           " bytes (4 MiB), the limit of a config document",
                       EFBIG);
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

Loaded loadDocument(const std::filesystem::path& path, const std::string& engine, int cancelFd) {
  Loaded loaded;
  auto text = readFile(path, cancelFd);
  if (!text) {
    loaded.errors.push_back(text.error().message);
    return loaded;
  }
  auto decoded = config::decodeDocument(std::string_view(*text));
  loaded.report = decoded.report;
  if (!decoded.report.ok()) {
    for (const auto& e : decoded.report.errors) loaded.errors.push_back(e.toString());
    return loaded;
  }
  loaded.document = std::move(decoded.document);
  auto desired = computeDesiredState(loaded.document, engine);
  if (!desired) {
    std::istringstream lines(desired.error().message);
    for (std::string line; std::getline(lines, line);) loaded.errors.push_back(line);
    return loaded;
  }
  loaded.desired = std::move(desired).value();
  return loaded;
}

struct DocumentLoader::Shared {
  std::mutex mutex;
  asio::io_context* control = nullptr;  // null once the loader is gone: results are dropped
  bool busy = false;
  int cancelFd = -1;
};

DocumentLoader::DocumentLoader(asio::io_context& control) : shared_(std::make_shared<Shared>()) {
  shared_->control = &control;
  shared_->cancelFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

DocumentLoader::~DocumentLoader() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->control = nullptr;
    if (shared_->cancelFd >= 0) {
      const uint64_t one = 1;
      (void)!::write(shared_->cancelFd, &one, sizeof one);
    }
  }
  // Give a cancelled read a moment to return; a thread blocked in open() is abandoned (it holds
  // only `shared_`) and ends with the process.
  for (int i = 0; i < 20; ++i) {
    {
      std::lock_guard lock(shared_->mutex);
      if (!shared_->busy) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  bool busy;
  {
    std::lock_guard lock(shared_->mutex);
    busy = shared_->busy;
  }
  if (busy) {
    spdlog::warn("a config load does not finish (blocked where it cannot be cancelled, e.g. in open() of a FIFO); leaving it behind");
    thread_.detach();  // it closes the eventfd when it ends
    return;
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(shared_->mutex);
  if (shared_->cancelFd >= 0) ::close(shared_->cancelFd);
  shared_->cancelFd = -1;
}

bool DocumentLoader::busy() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->busy;
}

bool DocumentLoader::load(std::filesystem::path path, std::string engine, Done done) {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->busy) return false;
    shared_->busy = true;
  }
  if (thread_.joinable()) thread_.join();  // the previous load has finished
  thread_ = std::thread([shared = shared_, path = std::move(path), engine = std::move(engine),
                         done = std::move(done)]() mutable {
    Loaded loaded = loadDocument(path, engine, shared->cancelFd);
    std::lock_guard lock(shared->mutex);
    shared->busy = false;
    if (shared->control == nullptr) {
      // The loader is gone; the eventfd is ours to close now.
      if (shared->cancelFd >= 0) ::close(shared->cancelFd);
      shared->cancelFd = -1;
      return;
    }
    asio::post(*shared->control, [done = std::move(done), loaded = std::move(loaded)]() mutable {
      done(std::move(loaded));
    });
  });
  return true;
}

}  // namespace floe::se
