#include "sandbox/mounts.h"

namespace cronium::sandbox {
namespace {

// \ooo (three octal digits) stands for the byte it names; anything else is kept as it is.
std::string Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const char a = field[i + 1], b = field[i + 2], c = field[i + 3];
      if (a >= '0' && a <= '3' && b >= '0' && b <= '7' && c >= '0' && c <= '7') {
        out.push_back(static_cast<char>((a - '0') * 64 + (b - '0') * 8 + (c - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

}  // namespace

std::vector<std::string> MountPointsUnder(std::string_view mountinfo, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  std::vector<std::string> points;
  size_t start = 0;
  while (start < mountinfo.size()) {
    size_t end = mountinfo.find('\n', start);
    if (end == std::string_view::npos) end = mountinfo.size();
    const std::string_view line = mountinfo.substr(start, end - start);
    start = end + 1;
    // id parent major:minor root mount-point ...: the fifth field.
    size_t field_start = 0;
    std::string_view field;
    for (int index = 0; index < 5; ++index) {
      const size_t space = line.find(' ', field_start);
      if (space == std::string_view::npos) {
        field = index == 4 ? line.substr(field_start) : std::string_view();
        field_start = line.size() + 1;
        break;
      }
      field = line.substr(field_start, space - field_start);
      field_start = space + 1;
    }
    if (field.empty()) continue;
    std::string point = Unescape(field);
    const bool below =
        point == dir || (point.size() > dir.size() && point.compare(0, dir.size(), dir) == 0 &&
                         (dir == "/" || point[dir.size()] == '/'));
    if (below) points.push_back(std::move(point));
  }
  return points;
}

}  // namespace cronium::sandbox
