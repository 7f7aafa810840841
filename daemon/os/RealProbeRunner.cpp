#include "os/RealProbeRunner.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "DurationText.h"
#include "os/CurlLibrary.h"
#include "os/CurlMulti.h"
#include "os/ProbeAddress.h"
#include "os/UniqueFd.h"

namespace sup::os {

namespace {

// "Connection refused" -> "connection refused": details read as the end of a sentence
// ("health check failed 3 times: connection refused"). Names stay: "SSL connect error", "OpenSSL/3.0: ...".
std::string lowerFirst(std::string text) {
    const std::size_t wordEnd = std::min(text.find(' '), text.size());
    for (std::size_t i = 1; i < wordEnd; ++i) {
        if (!std::islower(static_cast<unsigned char>(text[i])) && text[i] != '\'') return text;
    }
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

std::string errnoText(int err) {
    return lowerFirst(std::generic_category().message(err));
}

std::string timedOut(Duration timeout) {
    return "timed out after " + config::formatDuration(timeout);
}

// The body is not needed, only the status line before it: the first bytes of the body end the transfer
// (a page that streams forever still answers at once). Returning less than was given makes curl stop
// with CURLE_WRITE_ERROR, which describeHttp reads as "answered".
std::size_t stopAtBody(char*, std::size_t, std::size_t, void* bodyStarted) {
    *static_cast<bool*>(bodyStarted) = true;
    return 0;
}

}  // namespace

struct RealProbeRunner::Attempt {
    Id id = 0;
    Duration timeout{};
    TimePoint deadline{};
    std::optional<ProbeResult> result;  // set once finished; delivered by the timer

    // Tcp
    std::vector<SocketAddress> addresses;
    std::size_t nextAddress = 0;
    int firstError = 0;  // the error of the first address tried: the one the user most likely meant
    UniqueFd socket;

    // Http
    CURL* easy = nullptr;
    int httpStatus = 200;
    bool bodyStarted = false;
    std::array<char, CURL_ERROR_SIZE> errorBuffer{};
};

RealProbeRunner::RealProbeRunner(EventLoop& loop) : loop_(loop) {
    loop_.add(timer_.fd(), EPOLLIN, [this](std::uint32_t) { onTimer(); });
}

RealProbeRunner::~RealProbeRunner() {
    for (auto& [id, attempt] : attempts_) release(*attempt);
    attempts_.clear();
    loop_.remove(timer_.fd());
    curl_.reset();  // after every easy handle left it
}

void RealProbeRunner::start(Id id, const ProbeSpec& spec) {
    cancel(id);  // ids are unique among attempts in flight; a reused one replaces the old attempt
    auto owned = std::make_unique<Attempt>();
    Attempt& attempt = *owned;
    attempt.id = id;
    attempt.timeout = spec.timeout;
    attempt.deadline = Clock::now() + spec.timeout;
    attempts_.emplace(id, std::move(owned));
    try {
        if (spec.kind == ProbeKind::Tcp)
            startTcp(attempt, spec);
        else if (spec.kind == ProbeKind::Http)
            startHttp(attempt, spec);
        else
            finish(attempt, {false, "not a network probe"});
    } catch (const std::exception& e) {
        // No fd, no memory, an address the configuration should have refused: a failed attempt, reported
        // like any other (the supervisor counts and retries it), never an exception out of the loop.
        finish(attempt, {false, e.what()});
    }
    rearm();
}

void RealProbeRunner::cancel(Id id) {
    auto it = attempts_.find(id);
    if (it == attempts_.end()) return;
    release(*it->second);
    attempts_.erase(it);  // a stale entry in finished_ finds nothing and is skipped
    rearm();
}

// --- tcp ---------------------------------------------------------------------------------------------

void RealProbeRunner::startTcp(Attempt& attempt, const ProbeSpec& spec) {
    attempt.addresses = parseProbeAddress(spec.address);
    tcpDeadlines_.emplace(attempt.deadline, attempt.id);
    connectNext(attempt);
}

// Connects to the next address (localhost: 127.0.0.1, then ::1) until one connects, one is in progress
// (then the loop says when it is done), or none is left.
void RealProbeRunner::connectNext(Attempt& attempt) {
    while (attempt.nextAddress < attempt.addresses.size()) {
        const SocketAddress& address = attempt.addresses[attempt.nextAddress++];
        UniqueFd socket(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        int err = 0;
        if (!socket) {
            err = errno;
        } else if (::connect(socket.get(), address.get(), address.length) == 0) {
            finish(attempt, {true, "connected"});  // loopback may connect at once
            return;
        } else if (errno == EINPROGRESS) {
            Id id = attempt.id;
            try {
                loop_.add(socket.get(), EPOLLOUT, [this, id](std::uint32_t) { onTcpEvent(id); });
            } catch (const std::system_error& e) {
                finish(attempt, {false, e.what()});
                return;
            }
            attempt.socket = std::move(socket);
            return;
        } else {
            err = errno;
        }
        if (attempt.firstError == 0) attempt.firstError = err;
    }
    finish(attempt, {false, errnoText(attempt.firstError)});
}

void RealProbeRunner::onTcpEvent(Id id) {
    auto it = attempts_.find(id);
    if (it == attempts_.end()) return;
    Attempt& attempt = *it->second;
    int err = 0;
    socklen_t length = sizeof err;
    if (::getsockopt(attempt.socket.get(), SOL_SOCKET, SO_ERROR, &err, &length) < 0) err = errno;
    if (err == 0) {
        finish(attempt, {true, "connected"});
    } else {
        if (attempt.firstError == 0) attempt.firstError = err;
        loop_.remove(attempt.socket.get());
        attempt.socket.reset();
        connectNext(attempt);
    }
    rearm();
}

// --- http --------------------------------------------------------------------------------------------

CurlMulti& RealProbeRunner::curlMulti() {
    if (!curl_)
        curl_ =
            std::make_unique<CurlMulti>(loop_, [this](CURL* easy, CURLcode code) { onHttpDone(easy, code); });
    return *curl_;
}

void RealProbeRunner::onHttpDone(CURL* easy, CURLcode code) {
    const CurlLibrary& lib = curl_->library();
    char* priv = nullptr;
    lib.easyGetinfo(easy, CURLINFO_PRIVATE, &priv);
    auto* attempt = reinterpret_cast<Attempt*>(priv);
    if (attempt == nullptr) return;
    ProbeResult result;
    if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && attempt->bodyStarted)) {
        long status = 0;
        lib.easyGetinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        result.ok = status == attempt->httpStatus;
        result.detail = status > 0 ? "HTTP " + std::to_string(status) : "no HTTP status in the answer";
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        result.detail = timedOut(attempt->timeout);
    } else {
        long osError = 0;
        lib.easyGetinfo(easy, CURLINFO_OS_ERRNO, &osError);
        // curl's own message says what went wrong with this transfer ("Could not resolve host: db",
        // "SSL certificate problem: self-signed certificate"); its generic text for the code is the
        // fallback. A refused connect is the errno alone: curl's message has the milliseconds it took.
        if (code == CURLE_COULDNT_CONNECT && osError != 0)
            result.detail = errnoText(static_cast<int>(osError));
        else if (attempt->errorBuffer[0] != '\0')
            result.detail = lowerFirst(attempt->errorBuffer.data());
        else
            result.detail = lowerFirst(lib.easyStrerror(code));
    }
    finish(*attempt, std::move(result));
}

void RealProbeRunner::startHttp(Attempt& attempt, const ProbeSpec& spec) {
    CurlMulti& multi = curlMulti();  // first: a missing libcurl fails the attempt, nothing else
    const CurlLibrary& lib = multi.library();
    attempt.httpStatus = spec.httpStatus;
    attempt.easy = lib.easyInit();
    if (attempt.easy == nullptr) throw std::runtime_error("curl_easy_init failed");
    CURL* easy = attempt.easy;
    auto set = [&](CURLcode rc) {
        if (rc != CURLE_OK) throw std::runtime_error(lowerFirst(lib.easyStrerror(rc)));
    };
    set(lib.easySetopt(easy, CURLOPT_URL, spec.url.c_str()));
    set(lib.easySetopt(easy, CURLOPT_PRIVATE, &attempt));
    set(lib.easySetopt(easy, CURLOPT_ERRORBUFFER, attempt.errorBuffer.data()));
    set(lib.easySetopt(easy, CURLOPT_HTTPGET, 1L));
    // At least 1 ms: 0 would mean "no time limit" to curl.
    set(lib.easySetopt(easy, CURLOPT_TIMEOUT_MS, std::max(1L, static_cast<long>(spec.timeout.count()))));
    // No signals: the daemon's signals are a signalfd, and curl's SIGALRM for DNS timeouts would bypass it.
    set(lib.easySetopt(easy, CURLOPT_NOSIGNAL, 1L));
    // A probe asks the service itself: only http(s), the redirect is the answer (a 301 is "HTTP 301"),
    // and no proxy, so http_proxy/all_proxy in the daemon's environment cannot send probes elsewhere.
    set(lib.easySetopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(lib.easySetopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
    set(lib.easySetopt(easy, CURLOPT_PROXY, ""));
    set(lib.easySetopt(easy, CURLOPT_NOPROXY, "*"));
    // Each attempt opens a new connection: a kept-alive one could answer while the service no longer
    // accepts any, and idle connections in curl's cache would hold fds between attempts.
    set(lib.easySetopt(easy, CURLOPT_FRESH_CONNECT, 1L));
    set(lib.easySetopt(easy, CURLOPT_FORBID_REUSE, 1L));
    // A name in the URL is resolved on curl's resolver thread; when the attempt ends first (timeout,
    // cancel), that thread is left to finish alone instead of being waited for on the loop.
    set(lib.easySetopt(easy, CURLOPT_QUICK_EXIT, 1L));
    set(lib.easySetopt(easy, CURLOPT_USERAGENT, "supervisord-probe"));
    set(lib.easySetopt(easy, CURLOPT_WRITEFUNCTION, &stopAtBody));
    set(lib.easySetopt(easy, CURLOPT_WRITEDATA, &attempt.bodyStarted));
    // https: curl's defaults verify the certificate and the host name against the system's CAs.
    multi.add(easy);
}

// --- results -----------------------------------------------------------------------------------------

void RealProbeRunner::finish(Attempt& attempt, ProbeResult result) {
    release(attempt);
    attempt.result = std::move(result);
    finished_.push_back(attempt.id);
    rearm();
}

void RealProbeRunner::release(Attempt& attempt) noexcept {
    if (attempt.socket) {
        loop_.remove(attempt.socket.get());  // before close: the loop must not watch a closed fd
        attempt.socket.reset();
    }
    if (attempt.easy != nullptr) {
        curl_->remove(attempt.easy);  // its socket leaves the loop before curl closes it
        curl_->library().easyCleanup(attempt.easy);
        attempt.easy = nullptr;
    }
    tcpDeadlines_.erase({attempt.deadline, attempt.id});
}

void RealProbeRunner::onTimer() {
    timer_.drain();
    const TimePoint now = Clock::now();
    while (!tcpDeadlines_.empty() && tcpDeadlines_.begin()->first <= now) {
        Attempt& attempt = *attempts_.at(tcpDeadlines_.begin()->second);
        finish(attempt, {false, timedOut(attempt.timeout)});  // erases the deadline
    }
    // Only what is finished now: results of attempts started from inside onProbeResult wait for the
    // next turn of the loop, so a caller that retries at once cannot keep this loop going forever.
    std::deque<Id> batch;
    batch.swap(finished_);
    for (Id id : batch) {
        auto it = attempts_.find(id);
        if (it == attempts_.end() || !it->second->result) continue;  // cancelled (or replaced) meanwhile
        ProbeResult result = std::move(*it->second->result);
        attempts_.erase(it);
        if (events_ != nullptr) events_->onProbeResult(id, result);
    }
    rearm();
}

void RealProbeRunner::rearm() {
    if (!finished_.empty())
        timer_.armAt(TimePoint{});  // long past: fires at the next loop turn
    else if (!tcpDeadlines_.empty())
        timer_.armAt(tcpDeadlines_.begin()->first);
    else
        timer_.disarm();
}

}  // namespace sup::os
