#include "os/CurlLibrary.h"

#include <dlfcn.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace sup::os {

namespace {

constexpr const char* kSoname = "libcurl.so.4";

// Every reason the library cannot be used reads "http checks need libcurl.so.4: <why>".
std::runtime_error unusable(const std::string& why) {
    return std::runtime_error(std::string("http checks need ") + kSoname + ": " + why);
}

// dlsym of one function into a pointer of its own type, or a runtime_error naming it.
template <typename Function>
void resolve(void* handle, Function& out, const char* name) {
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr) throw unusable(std::string("no ") + name);
    out = reinterpret_cast<Function>(symbol);
}

std::unique_ptr<CurlLibrary> load() {
    // RTLD_LOCAL: curl's dependencies stay out of the daemon's symbol lookups. Never dlclose()d: libcurl's
    // global state (and OpenSSL's) cannot be unloaded safely.
    void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        throw unusable(why ? why : "dlopen failed");
    }
    auto lib = std::make_unique<CurlLibrary>();
    CURLcode (*globalInit)(long) = nullptr;
    resolve(handle, globalInit, "curl_global_init");
    resolve(handle, lib->easyInit, "curl_easy_init");
    resolve(handle, lib->easySetopt, "curl_easy_setopt");
    resolve(handle, lib->easyGetinfo, "curl_easy_getinfo");
    resolve(handle, lib->easyCleanup, "curl_easy_cleanup");
    resolve(handle, lib->easyStrerror, "curl_easy_strerror");
    resolve(handle, lib->multiInit, "curl_multi_init");
    resolve(handle, lib->multiSetopt, "curl_multi_setopt");
    resolve(handle, lib->multiAddHandle, "curl_multi_add_handle");
    resolve(handle, lib->multiRemoveHandle, "curl_multi_remove_handle");
    resolve(handle, lib->multiSocketAction, "curl_multi_socket_action");
    resolve(handle, lib->multiInfoRead, "curl_multi_info_read");
    resolve(handle, lib->multiCleanup, "curl_multi_cleanup");
    resolve(handle, lib->multiStrerror, "curl_multi_strerror");
    // Once, before any handle, on the loop's thread (curl_global_init is not thread-safe). Never undone,
    // like the library itself.
    const CURLcode rc = globalInit(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("curl_global_init: ") + lib->easyStrerror(rc));
    return lib;
}

}  // namespace

const CurlLibrary& curlLibrary() {
    // The daemon is single-threaded: no lock. A failed load leaves nothing behind and is tried again.
    static std::unique_ptr<CurlLibrary> library;
    if (!library) library = load();
    return *library;
}

}  // namespace sup::os
