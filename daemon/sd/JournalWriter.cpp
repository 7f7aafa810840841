#include "sd/JournalWriter.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "os/EventLoop.h"
#include "sd/TestHooks.h"

namespace sup::sd {

namespace {
// A missing journal is looked for again at most this often (not on every line of every service).
constexpr auto kConnectRetry = std::chrono::seconds(1);
// What the kernel may hold for us before send() says EAGAIN; more than its default, like libsystemd.
constexpr int kSendBufferBytes = 8 * 1024 * 1024;
}  // namespace

std::string journalDatagram(const std::vector<std::string>& fields) {
    std::string out;
    for (const auto& field : fields) {
        const auto eq = field.find('=');
        if (eq == std::string::npos) continue;
        const std::string_view key(field.data(), eq), value(field.data() + eq + 1, field.size() - eq - 1);
        if (value.find('\n') == std::string_view::npos) {
            out.append(field).push_back('\n');
            continue;
        }
        out.append(key).push_back('\n');
        std::uint64_t length = value.size();
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
        out.append(value).push_back('\n');
    }
    return out;
}

JournalWriter::JournalWriter(std::string socketPath, std::size_t maxQueuedBytes)
    : path_(std::move(socketPath)), maxQueuedBytes_(maxQueuedBytes) {}

JournalWriter::~JournalWriter() {
    detach();
}

void JournalWriter::attach(os::EventLoop& loop) {
    detach();
    loop_ = &loop;
    updateWatch();
}

void JournalWriter::detach() {
    unwatch();
    loop_ = nullptr;
}

void JournalWriter::unwatch() {
    if (loop_ && watching_) loop_->remove(socket_.get());
    watching_ = false;
}

void JournalWriter::reportMissing(int err) {
    if (warnedMissing_) return;
    warnedMissing_ = true;  // first: the warning may come back here through the daemon's logger
    spdlog::warn(
        "no journal at {} ({}): output sent to the journal is kept only in memory (supctl tail) until "
        "journald is there",
        path_, std::strerror(err));
}

bool JournalWriter::ensureConnected() {
    if (socket_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (nextConnectAttempt_ && now < *nextConnectAttempt_) return false;
    nextConnectAttempt_ = now + kConnectRetry;
    os::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        reportMissing(errno);
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.size() >= sizeof addr.sun_path) {
        reportMissing(ENAMETOOLONG);
        return false;
    }
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    // Connected, not sendto(): only a connected datagram socket polls as not writable while the
    // receiver's queue is full, which is what lets the loop wait for journald instead of spinning.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) {
        reportMissing(errno);
        return false;
    }
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &kSendBufferBytes, sizeof kSendBufferBytes) < 0)
        spdlog::debug("journal socket: SO_SNDBUF: {} (the queue absorbs bursts instead)",
                      std::strerror(errno));
    socket_ = std::move(fd);
    nextConnectAttempt_.reset();
    if (warnedMissing_) {
        warnedMissing_ = false;
        spdlog::info("journal at {} reachable again", path_);
    }
    return true;
}

void JournalWriter::closeSocket() {
    unwatch();
    socket_.reset();
}

JournalWriter::Outcome JournalWriter::sendOne(const std::string& datagram) {
    // Twice: a journald that restarted has a new socket; the old connection answers ECONNREFUSED.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!ensureConnected()) return Outcome::Gone;
        ssize_t n;
        do {
            n = ::send(socket_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n >= 0) return Outcome::Sent;
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK) return Outcome::Full;
        if (err != ECONNREFUSED && err != ENOTCONN && err != ECONNRESET && err != EPIPE && err != ENOENT)
            return Outcome::Rejected;  // EMSGSIZE, ENOBUFS...: this entry cannot go, the next may
        closeSocket();
        nextConnectAttempt_.reset();
    }
    return Outcome::Gone;
}

void JournalWriter::drop(std::uint64_t entries) {
    if (entries == 0) return;
    lostPending_ += entries;
    lostTotal_ += entries;
}

void JournalWriter::enqueue(std::string datagram) {
    if (queuedBytes_ + datagram.size() > maxQueuedBytes_) {
        drop(1);
        if (!warnedDropping_) {
            warnedDropping_ = true;  // first: the warning may come back here through the daemon's logger
            spdlog::warn(
                "the journal is not keeping up ({} KiB queued): dropping entries until it does; the "
                "journal will say how many",
                queuedBytes_ / 1024);
        }
        return;
    }
    queuedBytes_ += datagram.size();
    queue_.push_back(std::move(datagram));
}

void JournalWriter::flush() {
    while (!queue_.empty()) {
        const Outcome outcome = sendOne(queue_.front());
        if (outcome == Outcome::Full) return;
        if (outcome == Outcome::Gone) {
            drop(queue_.size());
            queue_.clear();
            queuedBytes_ = 0;
            return;
        }
        if (outcome == Outcome::Rejected) drop(1);
        queuedBytes_ -= queue_.front().size();
        queue_.pop_front();
        if (queue_.empty() && lostPending_ > 0 && socket_) {
            // Said where the gap is, once the journal has taken everything before it.
            queue_.push_back(journalDatagram({"MESSAGE=supervisord: " + std::to_string(lostPending_) +
                                                  " journal entries were lost: the journal did not keep up",
                                              "PRIORITY=4", "SYSLOG_IDENTIFIER=supervisord"}));
            queuedBytes_ += queue_.back().size();
            lostPending_ = 0;
            warnedDropping_ = false;
        }
    }
}

void JournalWriter::send(const std::vector<std::string>& fields) {
    if (inSend_) {  // the writer's own warning, through the daemon's logger: the outer call flushes it
        enqueue(journalDatagram(fields));
        return;
    }
    inSend_ = true;
    if (ensureConnected()) {
        enqueue(journalDatagram(fields));
        // While the loop waits for the socket to become writable, trying now would only be refused.
        if (!watching_) flush();
    } else {
        drop(1);
    }
    updateWatch();
    inSend_ = false;
}

void JournalWriter::onWritable() {
    inSend_ = true;
    flush();
    updateWatch();
    inSend_ = false;
}

// The socket is watched only while entries wait: an idle daemon gets no wake-ups from it.
void JournalWriter::updateWatch() {
    const bool want = loop_ != nullptr && socket_ && !queue_.empty();
    if (want == watching_) return;
    if (!want) {
        unwatch();
        return;
    }
    try {
        loop_->add(socket_.get(), EPOLLOUT, [this](std::uint32_t) { onWritable(); });
        watching_ = true;
    } catch (const std::exception& e) {
        // The queue is still flushed by the next send(); only the wait for journald is lost.
        spdlog::debug("journal socket: {}", e.what());
    }
}

JournalWriter& daemonJournal() {
    static JournalWriter writer([] {
        const char* override = std::getenv("SUPERVISORD_JOURNAL_SOCKET");
        return std::string(testHooksEnabled() && override ? override : JournalWriter::kSocketPath);
    }());
    return writer;
}

}  // namespace sup::sd
