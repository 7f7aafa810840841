// "1 process", "2 processes": counts in messages read right whatever the number.
#pragma once

#include <string>

namespace sup {

inline std::string countOf(unsigned long long n, const std::string& singular, const std::string& plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

inline std::string countOf(unsigned long long n, const std::string& singular) {
    return countOf(n, singular, singular + "s");
}

}  // namespace sup
