// A plain-text table: left-aligned columns (or right-aligned numbers) separated by two spaces, a
// header row, optional ANSI colour per cell. Widths are computed on the visible text, so colour
// never shifts the columns; the last column is not padded, so lines carry no trailing blanks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sup::ctl {

// SGR codes supctl uses ("" = no style).
namespace style {
inline constexpr const char* kNone = "";
inline constexpr const char* kBold = "1";
inline constexpr const char* kRed = "31";
inline constexpr const char* kBoldRed = "1;31";
inline constexpr const char* kGreen = "32";
inline constexpr const char* kYellow = "33";
inline constexpr const char* kDim = "2";
}  // namespace style

struct Cell {
    std::string text;
    std::string sgr;  // e.g. "32" for green; shown only when colour is on
    Cell(std::string t = {}, std::string s = {}) : text(std::move(t)), sgr(std::move(s)) {}
    Cell(const char* t) : text(t) {}
};

class Table {
  public:
    explicit Table(std::vector<std::string> headers);
    void alignRight(std::size_t column);
    void addRow(std::vector<Cell> cells);  // missing cells are empty
    std::size_t rows() const { return rows_.size(); }
    std::string render(bool colour) const;

  private:
    std::vector<std::string> headers_;
    std::vector<bool> right_;
    std::vector<std::vector<Cell>> rows_;
};

// Visible width of UTF-8 text (code points; supctl prints no wide characters of its own).
std::size_t displayWidth(const std::string& text);

// Wraps text in an SGR sequence when colour is on and sgr is not empty.
std::string paint(const std::string& text, const std::string& sgr, bool colour);

}  // namespace sup::ctl
