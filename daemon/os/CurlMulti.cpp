#include "os/CurlMulti.h"

#include <sys/epoll.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "core/Clock.h"
#include "os/CurlLibrary.h"

namespace sup::os {

namespace {

int curlFlags(std::uint32_t events) {
    int flags = 0;
    if (events & EPOLLIN) flags |= CURL_CSELECT_IN;
    if (events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    // A hang-up may come with the last bytes of the answer: curl reads it and sees the end itself.
    if (events & EPOLLHUP) flags |= CURL_CSELECT_IN;
    if (events & EPOLLERR) flags |= CURL_CSELECT_ERR;
    return flags;
}

}  // namespace

CurlMulti::CurlMulti(EventLoop& loop, Done done) : loop_(loop), curl_(curlLibrary()), done_(std::move(done)) {
    multi_ = curl_.multiInit();
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
    curl_.multiSetopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::onSocket);
    curl_.multiSetopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_.multiSetopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::onTimeout);
    curl_.multiSetopt(multi_, CURLMOPT_TIMERDATA, this);
    try {
        loop_.add(timer_.fd(), EPOLLIN, [this](std::uint32_t) {
            timer_.drain();
            act(CURL_SOCKET_TIMEOUT, 0);
        });
    } catch (...) {
        curl_.multiCleanup(multi_);
        throw;
    }
}

CurlMulti::~CurlMulti() {
    // curl may still hand back sockets (REMOVE) while it cleans up: the loop is still there for that.
    curl_.multiCleanup(multi_);
    loop_.remove(timer_.fd());
}

void CurlMulti::add(CURL* easy) {
    CURLMcode rc = curl_.multiAddHandle(multi_, easy);
    if (rc != CURLM_OK)
        throw std::runtime_error(std::string("curl_multi_add_handle: ") + curl_.multiStrerror(rc));
}

void CurlMulti::remove(CURL* easy) noexcept {
    (void)curl_.multiRemoveHandle(multi_, easy);
}

int CurlMulti::onSocket(CURL*, curl_socket_t socket, int what, void* self, void*) {
    auto& me = *static_cast<CurlMulti*>(self);
    if (what == CURL_POLL_REMOVE) {
        me.loop_.remove(socket);
        return 0;
    }
    std::uint32_t events = 0;
    if (what & CURL_POLL_IN) events |= EPOLLIN;
    if (what & CURL_POLL_OUT) events |= EPOLLOUT;
    try {
        if (me.loop_.watching(socket)) {
            me.loop_.modify(socket, events);
        } else {
            me.loop_.add(socket, events,
                         [&me, socket](std::uint32_t ready) { me.act(socket, curlFlags(ready)); });
        }
    } catch (...) {
        return -1;  // no exception through C; curl fails the transfers of that socket
    }
    return 0;
}

int CurlMulti::onTimeout(CURLM*, long timeoutMs, void* self) {
    auto& me = *static_cast<CurlMulti*>(self);
    // Arming only: curl must not be called back from inside its own callback, so the work happens when
    // the timer fires on the loop (at once for 0).
    try {
        if (timeoutMs < 0)
            me.timer_.disarm();
        else
            me.timer_.armAt(Clock::now() + std::chrono::milliseconds(timeoutMs));
    } catch (...) {
        return -1;
    }
    return 0;
}

void CurlMulti::act(curl_socket_t socket, int flags) {
    int running = 0;
    (void)curl_.multiSocketAction(multi_, socket, flags, &running);
    collectDone();
}

void CurlMulti::collectDone() {
    int queued = 0;
    while (CURLMsg* msg = curl_.multiInfoRead(multi_, &queued)) {
        if (msg->msg == CURLMSG_DONE) done_(msg->easy_handle, msg->data.result);
    }
}

}  // namespace sup::os
