#include "Preflight.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace sup::config {

namespace {

// PATH when neither the service nor the daemon has one: systemd's default search path (as the spawner).
constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool isExecutableFile(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool isDirectory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Why `path` is not an executable file, for the message.
std::string whyNotExecutable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    return "not executable";
}

std::string servicePath(const ServiceSpec& spec) {
    if (auto it = spec.environment.find("PATH"); it != spec.environment.end()) return it->second;
    if (const char* path = std::getenv("PATH")) return path;
    return std::string(kDefaultPath);
}

void checkCommand(const ServiceSpec& spec, std::vector<ConfigIssue>& out) {
    if (spec.command.empty()) return;
    const std::string& program = spec.command.front();
    const std::string key = "services." + spec.name + ".command";
    if (program.find('/') != std::string::npos) {
        // A relative path is taken from the service's working directory, where the child execs it.
        const std::string dir = spec.directory.empty() ? "/" : spec.directory;
        const std::string full = program.front() == '/' ? program : dir + "/" + program;
        if (!isExecutableFile(full))
            out.push_back({spec.where, key,
                           full + ": " + whyNotExecutable(full) + " (the service will fail to start)"});
        return;
    }
    const std::string path = servicePath(spec);
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = path.find(':', start);
        const std::string dir =
            path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (isExecutableFile(dir.empty() ? program : dir + "/" + program)) return;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    out.push_back({spec.where, key,
                   "'" + program + "' is not an executable file in PATH (" + path +
                       ") (the service will fail to start)"});
}

void checkDirectory(const ServiceSpec& spec, std::vector<ConfigIssue>& out) {
    if (spec.directory.empty() || isDirectory(spec.directory)) return;
    struct stat st {};
    const std::string why =
        ::stat(spec.directory.c_str(), &st) != 0 ? std::strerror(errno) : "not a directory";
    out.push_back({spec.where, "services." + spec.name + ".directory",
                   spec.directory + ": " + why + " (the service will fail to start)"});
}

void checkLogDir(const DaemonSettings& settings, std::vector<ConfigIssue>& out) {
    const std::string& dir = settings.logDir;
    if (dir.empty()) return;
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            out.push_back({settings.where, "supervisor.log_dir",
                           dir + ": not a directory (log files cannot be written)"});
        else if (::access(dir.c_str(), W_OK | X_OK) != 0)
            out.push_back(
                {settings.where, "supervisor.log_dir",
                 dir + ": not writable here (" + std::strerror(errno) + "; log files cannot be written)"});
        return;
    }
    // Missing: the daemon creates it at start (as systemd's LogsDirectory= does for the default), which
    // works only when the nearest existing ancestor is a writable directory.
    std::string ancestor = dir;
    for (;;) {
        const std::size_t slash = ancestor.find_last_of('/');
        ancestor = slash == 0 || slash == std::string::npos ? "/" : ancestor.substr(0, slash);
        if (::stat(ancestor.c_str(), &st) == 0 || ancestor == "/") break;
    }
    if (isDirectory(ancestor) && ::access(ancestor.c_str(), W_OK | X_OK) == 0)
        out.push_back({settings.where, "supervisor.log_dir",
                       dir + ": does not exist (the daemon creates it at start)"});
    else
        out.push_back({settings.where, "supervisor.log_dir",
                       dir + ": does not exist, and cannot be created here (" + ancestor +
                           " is not a writable directory; log files cannot be written)"});
}

}  // namespace

std::vector<ConfigIssue> preflight(const Config& config) {
    std::vector<ConfigIssue> out;
    for (const ServiceSpec& spec : config.services) {
        checkCommand(spec, out);
        checkDirectory(spec, out);
    }
    checkLogDir(config.supervisor, out);
    return out;
}

}  // namespace sup::config
