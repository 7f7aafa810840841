// Journal entries (service output, the daemon's own log) sent without ever blocking the event loop.
// journald reads its socket when it can; a slow or stuck journald (or a socket nobody reads) must not
// stop reaping, restarts and D-Bus. Entries wait in a bounded queue, flushed when the socket is
// writable again; when the queue is full, entries are dropped and one entry later says how many.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "os/UniqueFd.h"

namespace sup::os {
class EventLoop;
}

namespace sup::sd {

// journald's native protocol: "KEY=value\n" per field, or "KEY\n" + 64-bit little-endian length +
// value + "\n" for a value holding a newline. `fields` are "KEY=value" strings.
std::string journalDatagram(const std::vector<std::string>& fields);

class JournalWriter {
  public:
    static constexpr const char* kSocketPath = "/run/systemd/journal/socket";
    static constexpr std::size_t kDefaultQueueBytes = 4 * 1024 * 1024;

    explicit JournalWriter(std::string socketPath = kSocketPath,
                           std::size_t maxQueuedBytes = kDefaultQueueBytes);
    ~JournalWriter();
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Where a full socket is waited on. Before attach(), entries that do not fit wait in the queue
    // until the next send(). The loop must outlive the writer or detach() be called first.
    void attach(os::EventLoop& loop);
    void detach();

    // Queues one entry and sends what it can at once; never blocks.
    void send(const std::vector<std::string>& fields);

    std::size_t queuedEntries() const { return queue_.size(); }
    std::size_t queuedBytes() const { return queuedBytes_; }
    std::uint64_t lostEntries() const { return lostTotal_; }
    bool watchingSocket() const { return watching_; }

  private:
    // Sent; Full (EAGAIN: wait for writability); Rejected (this entry can never go); Gone (no journald).
    enum class Outcome { Sent, Full, Rejected, Gone };
    bool ensureConnected();
    void closeSocket();
    void unwatch();  // stops waiting for writability (the fd must be removed before it is closed)
    Outcome sendOne(const std::string& datagram);
    void flush();
    void onWritable();
    void enqueue(std::string datagram);
    void drop(std::uint64_t entries);
    void updateWatch();
    void reportMissing(int err);

    std::string path_;
    std::size_t maxQueuedBytes_;
    os::UniqueFd socket_;
    std::optional<std::chrono::steady_clock::time_point> nextConnectAttempt_;
    bool warnedMissing_ = false;
    bool warnedDropping_ = false;
    std::deque<std::string> queue_;
    std::size_t queuedBytes_ = 0;
    std::uint64_t lostPending_ = 0;  // dropped since the last "lost" entry was queued
    std::uint64_t lostTotal_ = 0;
    bool inSend_ = false;  // the writer's own warnings may come back through the daemon's logger
    os::EventLoop* loop_ = nullptr;
    bool watching_ = false;
};

// The daemon's one writer (the journal socket, or $SUPERVISORD_JOURNAL_SOCKET with test hooks enabled).
JournalWriter& daemonJournal();

}  // namespace sup::sd
