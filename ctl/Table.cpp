#include "ctl/Table.h"

#include <algorithm>

namespace sup::ctl {

std::size_t displayWidth(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++width;  // count lead bytes, skip continuation bytes
    return width;
}

std::string paint(const std::string& text, const std::string& sgr, bool colour) {
    if (!colour || sgr.empty() || text.empty()) return text;
    return "\x1b[" + sgr + "m" + text + "\x1b[0m";
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::alignRight(std::size_t column) {
    if (column < right_.size()) right_[column] = true;
}

void Table::addRow(std::vector<Cell> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

std::string Table::render(bool colour) const {
    const std::size_t n = headers_.size();
    std::vector<std::size_t> width(n, 0);
    for (std::size_t c = 0; c < n; ++c) {
        width[c] = displayWidth(headers_[c]);
        for (auto& row : rows_) width[c] = std::max(width[c], displayWidth(row[c].text));
    }
    std::string out;
    auto emitLine = [&](const std::vector<Cell>& cells) {
        // Empty trailing cells are left out and the last cell is not padded: no trailing blanks.
        std::size_t last = n;
        while (last > 0 && cells[last - 1].text.empty()) --last;
        std::string line;
        for (std::size_t c = 0; c < last; ++c) {
            const std::size_t pad = width[c] - displayWidth(cells[c].text);
            const std::string painted = paint(cells[c].text, cells[c].sgr, colour);
            if (right_[c]) {
                line.append(pad, ' ');
                line += painted;
            } else {
                line += painted;
                if (c + 1 < last) line.append(pad, ' ');
            }
            if (c + 1 < last) line += "  ";
        }
        out += line;
        out += '\n';
    };
    std::vector<Cell> header;
    for (auto& h : headers_) header.emplace_back(h, style::kBold);
    emitLine(header);
    for (auto& row : rows_) emitLine(row);
    return out;
}

}  // namespace sup::ctl
