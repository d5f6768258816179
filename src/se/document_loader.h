// Reading, decoding and validating a config document, off both event loops: a reload that
// spends 30 s reading a file (a hung network mount, a FIFO written slowly) or parsing a huge
// document delays neither the time-critical loop nor the control loop; the result is handed to
// the control loop when it is complete.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>

#include "config/document.h"
#include "se/desired_state.h"

namespace floe::se {

// What loading a document file gave. On failure `errors` holds every "path: reason" line.
struct Loaded {
  config::Document document;
  std::optional<DesiredState> desired;
  config::Report report;
  std::vector<std::string> errors;
};

// Reads, decodes and validates `path` and computes `engine`'s desired state, on the calling
// thread. `cancelFd` (an eventfd, or -1) aborts a read that waits for data when it becomes
// readable.
Loaded loadDocument(const std::filesystem::path& path, const std::string& engine,
                    int cancelFd = -1);

// Runs loadDocument on a thread of its own, one load at a time, and hands the result to the
// control loop.
class DocumentLoader {
 public:
  explicit DocumentLoader(asio::io_context& control);
  // Cancels a load under way. A load blocked where cancelling cannot reach (open() of a FIFO
  // nobody writes) is abandoned: its thread finishes on its own and its result is dropped.
  ~DocumentLoader();
  DocumentLoader(const DocumentLoader&) = delete;
  DocumentLoader& operator=(const DocumentLoader&) = delete;

  using Done = std::function<void(Loaded)>;
  // Starts a load; `done` runs on the control loop. Returns false (and starts nothing) while a
  // load is under way.
  bool load(std::filesystem::path path, std::string engine, Done done);
  bool busy() const;

 private:
  struct Shared;  // outlives the loader when a load is abandoned
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace floe::se
