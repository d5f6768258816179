// One proxied TCP connection: client socket, server socket and a bounded buffer per direction,
// all in a single allocation, living on one worker thread.
//
// Data moves with plain recv()/send() on non-blocking sockets registered once, edge-triggered,
// in the worker's Poller; readiness is tracked per socket (a short read or a partial write
// means "wait for the next edge"), so no syscall is spent on a read that would only say EAGAIN.
// A direction reads only after its previous bytes were fully written: a slow reader throttles
// its writer through TCP windows, never through a growing queue.
#pragma once

#include <array>
#include <asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "proxy/poller.h"
#include "proxy/socket_util.h"
#include "proxy/worker_service.h"

namespace floe::proxy {

class Worker;
class Connection;

inline constexpr uint32_t kMaxConnectAttempts = 16;

// The worker's list of live connections (idle sweep, shutdown). Intrusive: no allocation.
class ConnectionList {
 public:
  void link(Connection* c);
  void unlink(Connection* c);
  template <class F>
  void forEach(F&& f);  // f may close a connection (frees are deferred by the caller)
  size_t size() const { return size_; }

 private:
  Connection* head_ = nullptr;
  size_t size_ = 0;
};

class Connection {
 public:
  // Takes the accepted client socket; connects to `server` of the service's pool (a pick the
  // listener already made), then to others on failure.
  // `vip` is the listener endpoint the client reached.
  static void start(Worker& worker, UniqueFd client, const sockaddr_storage& peer,
                    const Endpoint& vip, std::shared_ptr<WorkerService> service, uint32_t server);

  // After a reload: true when the config no longer holds what this connection stands on (its
  // virtual service, its VIP address, or its SNAT IP); the worker then resets it.
  bool orphanedBy(const ConfigSnapshot& config) const;

  // Idle sweep, once a second (`now` in seconds): resets both sides when no byte moved for more
  // than the service's idle_timeout_s. A reset, not a FIN: a transfer cut short must not look
  // complete to the peer.
  void expireIdle(uint32_t now);
  // Worker shutdown: resets both sides.
  void abort();
  // Called by the worker once it is safe (no event of the current batch can point here).
  static void free(Connection* c);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

 private:
  friend class ConnectionList;

  // Keeps the connection alive while an Asio handler (timer, yield) holds it. The count is not
  // atomic: everything happens on the worker thread.
  class Ref {
   public:
    explicit Ref(Connection* c) : c_(c) { ++c_->refs_; }
    Ref(const Ref& o) : c_(o.c_) {
      if (c_ != nullptr) ++c_->refs_;
    }
    Ref(Ref&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    Ref& operator=(const Ref&) = delete;
    Ref& operator=(Ref&&) = delete;
    ~Ref() {
      if (c_ != nullptr && --c_->refs_ == 0) c_->maybeRetire();
    }
    Connection* operator->() const { return c_; }

   private:
    Connection* c_;
  };

  struct Side final : PollTarget {
    Connection* conn = nullptr;
    int fd = -1;
    bool readable = false;  // may have bytes (or EOF) to read
    bool writable = false;  // may take bytes
    bool hup = false;       // FIN (or an error) seen: read until recv() says 0 or fails
    void onPoll(uint32_t events) override { conn->onEvent(*this, events); }
  };

  struct Pipe {  // one direction
    Side* from;
    Side* to;
    uint8_t* buf;
    uint32_t len = 0;  // bytes in buf
    uint32_t off = 0;  // bytes of buf already written
    bool eof = false;  // `from` sent FIN, forwarded as shutdown(SHUT_WR) on `to`
    bool to_server;
  };

  enum class State : uint8_t { kConnecting, kStreaming, kClosed };

  Connection(Worker& worker, UniqueFd client, const sockaddr_storage& peer, const Endpoint& vip,
             std::shared_ptr<WorkerService> service, uint8_t* buffers);
  ~Connection();
  void maybeRetire();

  void onEvent(Side& side, uint32_t events);
  void connectTo(uint32_t server);
  void connectTransparent();  // connectTo for preserve_client_ip
  void onConnectTimeout(uint32_t attempt, const asio::error_code& ec);
  void connectFailed(int err, const std::string& detail);
  void closeServerSide();
  void refuse();
  void established();

  void pump(Pipe& p);
  void onEof(Pipe& p);
  void fail(int err, const char* op);
  void closeBoth(bool reset);
  std::string describe() const;  // for logs: "vs vs1 198.51.100.10:51234 -> 10.10.20.21:80"

  uint32_t refs_ = 0;
  State state_ = State::kConnecting;
  bool retired_ = false;
  uint32_t attempts_ = 0;
  uint32_t last_active_ = 0;    // worker tick of the last byte read
  Connection* prev_ = nullptr;  // ConnectionList
  Connection* next_ = nullptr;
  Worker& worker_;
  std::shared_ptr<WorkerService> service_;
  const ServerEntry* server_ = nullptr;  // counted in its runtime's `active` while set
  sockaddr_storage peer_;
  IpAddress vip_;                    // the address the client reached
  std::optional<IpAddress> source_;  // SNAT IP of the current server connection
  Side client_;
  Side upstream_;
  asio::steady_timer timer_;  // connect timeout
  Pipe up_;                   // client -> server
  Pipe down_;                 // server -> client
  std::array<uint32_t, kMaxConnectAttempts> tried_{};
};

template <class F>
void ConnectionList::forEach(F&& f) {
  for (Connection* c = head_; c != nullptr;) {
    Connection* next = c->next_;
    f(*c);
    c = next;
  }
}

}  // namespace floe::proxy
