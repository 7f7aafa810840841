// The child for bench/scale's output throughput: writes MIB mebibytes of 100-byte lines to stdout through
// stdio, as a service's logging does. Its plain redirect into a file is the floor the daemon's `file`
// target is measured against. (`cat FILE > FILE` is no floor: coreutils copies file to file in the
// kernel with copy_file_range and writes no stream at all.)
// Usage: bench_line_writer MIB
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s MIB\n", argv[0]);
        return 2;
    }
    const long long bytes = std::atoll(argv[1]) * 1024 * 1024;
    char line[100];
    std::memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (long long written = 0; written < bytes; written += sizeof line) {
        if (std::fwrite(line, sizeof line, 1, stdout) != 1) return 1;
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
}
