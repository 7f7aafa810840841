// libcurl, loaded when the first http check starts instead of when the daemon starts. Linked in, it
// brings OpenSSL, GnuTLS, Kerberos, LDAP, libssh2 and more into every daemon: about 8 MiB of resident
// pages, in a daemon whose configuration most often has no http check at all. systemd dlopen()s its
// optional libraries for the same reason. The headers still come from libcurl4-openssl-dev, so the
// types are checked at build time; the package depends on libcurl4 for the run time.
#pragma once

#include <curl/curl.h>

namespace sup::os {

struct CurlLibrary {
    CURL* (*easyInit)();
    CURLcode (*easySetopt)(CURL*, CURLoption, ...);
    CURLcode (*easyGetinfo)(CURL*, CURLINFO, ...);
    void (*easyCleanup)(CURL*);
    const char* (*easyStrerror)(CURLcode);
    CURLM* (*multiInit)();
    CURLMcode (*multiSetopt)(CURLM*, CURLMoption, ...);
    CURLMcode (*multiAddHandle)(CURLM*, CURL*);
    CURLMcode (*multiRemoveHandle)(CURLM*, CURL*);
    CURLMcode (*multiSocketAction)(CURLM*, curl_socket_t, int, int*);
    CURLMsg* (*multiInfoRead)(CURLM*, int*);
    CURLMcode (*multiCleanup)(CURLM*);
    const char* (*multiStrerror)(CURLMcode);
};

// The library, loaded and curl_global_init()ed by the first call, and kept for the daemon's life.
// Throws std::runtime_error ("http checks need libcurl.so.4: ...") when it cannot be loaded; a later
// call tries again (the package may have been installed meanwhile).
const CurlLibrary& curlLibrary();

}  // namespace sup::os
