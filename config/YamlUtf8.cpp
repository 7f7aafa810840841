#include "YamlUtf8.h"

#include "Utf8.h"

namespace sup::config {

namespace {

std::string notUtf8(const std::string& text) {
    const std::size_t at = utf8::firstInvalid(text);
    static const char* hex = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(text[at]);
    return std::string("not valid UTF-8 text (byte 0x") + hex[byte >> 4] + hex[byte & 0xF] + " at offset " +
           std::to_string(at) + "); write the value in UTF-8";
}

}  // namespace

std::size_t reportNonUtf8(const ReadContext& ctx, const YAML::Node& node, const std::string& path) {
    std::size_t found = 0;
    if (node.IsScalar()) {
        if (!utf8::isValid(node.Scalar())) {
            ctx.error(node, path, notUtf8(node.Scalar()));
            ++found;
        }
    } else if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            found += reportNonUtf8(ctx, node[i], path + "[" + std::to_string(i) + "]");
    } else if (node.IsMap()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar()) continue;  // MapFields reports keys that are not names
            const std::string key = it->first.Scalar();
            if (!utf8::isValid(key)) {
                ctx.error(it->first, path, notUtf8(key));
                ++found;
                continue;
            }
            found += reportNonUtf8(ctx, it->second, joinPath(path, key));
        }
    }
    return found;
}

}  // namespace sup::config
