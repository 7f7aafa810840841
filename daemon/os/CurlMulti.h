// libcurl's multi-socket interface driven by the daemon's EventLoop: curl says which sockets to watch
// (CURLMOPT_SOCKETFUNCTION) and when it next needs the time (CURLMOPT_TIMERFUNCTION); this class
// watches them with the loop and a TimerFd, and hands every finished transfer back. Nothing here blocks.
#pragma once

#include <curl/curl.h>

#include <functional>

#include "os/CurlLibrary.h"
#include "os/EventLoop.h"
#include "os/TimerFd.h"

namespace sup::os {

class CurlMulti {
  public:
    // Called for each finished transfer, from the event loop, while curl is not inside a callback:
    // remove(easy) may be called from it.
    using Done = std::function<void(CURL* easy, CURLcode result)>;

    // Loads libcurl if this is the first use (os/CurlLibrary.h).
    CurlMulti(EventLoop& loop, Done done);  // throws std::runtime_error, std::system_error
    CurlMulti(const CurlMulti&) = delete;
    CurlMulti& operator=(const CurlMulti&) = delete;
    // Every easy handle must have been removed before.
    ~CurlMulti();

    // The library this handle was made with: what its easy handles are made and read with.
    const CurlLibrary& library() const { return curl_; }

    void add(CURL* easy);              // throws std::runtime_error
    void remove(CURL* easy) noexcept;  // the transfer stops; its socket leaves the loop and is closed

  private:
    static int onSocket(CURL* easy, curl_socket_t socket, int what, void* self, void* socketData);
    static int onTimeout(CURLM* multi, long timeoutMs, void* self);
    void act(curl_socket_t socket, int flags);
    void collectDone();

    EventLoop& loop_;
    const CurlLibrary& curl_;
    Done done_;
    TimerFd timer_;
    CURLM* multi_ = nullptr;
};

}  // namespace sup::os
